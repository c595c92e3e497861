package io.jdtm.examples.spring;

import io.jdtm.client.DtmClient;
import io.jdtm.client.DtmFailureException;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Service;

/**
 * The AP: starts the transfer as a saga or a TCC transaction through the auto-configured {@link DtmClient}
 * ({@code jdtm.transaction.wait-result=true}, so a rollback comes back as {@link DtmFailureException}).
 */
@Service
public class Transfers {

    /** How a transfer ended: committed, or rolled back with the TM's reason. */
    public record Outcome(String gid, boolean committed, String reason) {}

    private final DtmClient dtm;
    private final Environment env;

    Transfers(DtmClient dtm, Environment env) {
        this.dtm = dtm;
        this.env = env;
    }

    /** Saga: TransOut then TransIn; if a step refuses, the TM compensates the steps done, last first. */
    public Outcome saga(int amount, boolean transInFails) {
        String gid = dtm.newGid();
        Transfer t = Transfer.of(amount, transInFails);
        String bank = bankUrl();
        return run(gid, () -> dtm.saga(gid)
                .add(bank + "/TransOut", bank + "/TransOutCompensate", t)
                .add(bank + "/TransIn", bank + "/TransInCompensate", t)
                .submit());
    }

    /** TCC: the AP calls both Try branches; on success the TM confirms both, else it cancels the tried ones. */
    public Outcome tcc(int amount, boolean transInFails) {
        String gid = dtm.newGid();
        Transfer t = Transfer.of(amount, transInFails);
        String bank = bankUrl();
        return run(gid, () -> dtm.tcc(gid, tcc -> {
            tcc.callBranch(t, bank + "/TransOutTry", bank + "/TransOutConfirm", bank + "/TransOutCancel");
            tcc.callBranch(t, bank + "/TransInTry", bank + "/TransInConfirm", bank + "/TransInCancel");
        }));
    }

    private static Outcome run(String gid, Runnable transaction) {
        try {
            transaction.run();
            return new Outcome(gid, true, "");
        } catch (DtmFailureException e) {
            return new Outcome(gid, false, e.getMessage());
        }
    }

    /** {@code bank.url}, else this application's own branch endpoints on the port it listens on. */
    private String bankUrl() {
        String configured = env.getProperty("bank.url");
        return configured != null ? configured
                : "http://localhost:" + env.getProperty("local.server.port") + "/api/busi";
    }
}
