package io.jdtm.examples;

import io.jdtm.client.DtmClient;
import io.jdtm.client.TransInfo;
import io.jdtm.client.TransactionOptions;
import io.jdtm.client.Workflows;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Everything an example needs: the SDK clients (HTTP and gRPC), the running bank services (HTTP and gRPC, over the
 * same accounts), where to print, and the application's workflow engine (its callback is a route of the bank's HTTP
 * server).
 */
public final class ExampleContext implements AutoCloseable {
    /** The amount every example transfers from user 1 to user 2. */
    public static final int AMOUNT = 30;
    /** Branch calls wait for the TM's first processing pass, so the final state is known when submit returns. */
    public static final TransactionOptions WAIT = TransactionOptions.builder().waitResult(true).build();

    private final DtmClient dtm;
    private final DtmClient grpcDtm;
    private final Bank bank;
    private final GrpcBank grpcBank;
    private final PrintStream out;
    private final Workflows workflows;

    /**
     * @param dtmUrl the TM's HTTP address
     * @param dtmGrpc the TM's gRPC address ({@code host:port}), for the gRPC examples
     * @param bankPort the HTTP bank's port (0: any); the gRPC bank takes any free port
     */
    public ExampleContext(String dtmUrl, String dtmGrpc, Database db, String schema, int bankPort, PrintStream out) {
        this.dtm = DtmClient.builder().serverUrl(dtmUrl).build();
        // over gRPC every TM call goes to dtmGrpc; the HTTP address serves query, which DTM's gRPC API lacks
        this.grpcDtm = DtmClient.builder().grpcTarget(dtmGrpc).serverUrl(dtmUrl).build();
        this.out = out;
        Bank b = null;
        try {
            Accounts accounts = new Accounts(db, schema);
            b = new Bank(accounts, db, bankPort, dtm, out);
            this.grpcBank = new GrpcBank(accounts, 0, out);
            this.bank = b;
        } catch (RuntimeException e) {
            if (b != null) {
                b.close();
            }
            grpcDtm.close();
            dtm.close();
            throw e;
        }
        this.workflows = dtm.workflows(bank.baseUrl() + "/api/app/workflow/resume");
        bank.route("/api/app/workflow/resume", (q, body) -> workflows.handleCallback(q, body));
    }

    public DtmClient dtm() {
        return dtm;
    }

    /** The client that talks gRPC to the TM ({@code dtmgimp.Dtm}), for transactions with gRPC branches. */
    public DtmClient grpcDtm() {
        return grpcDtm;
    }

    public GrpcBank grpcBank() {
        return grpcBank;
    }

    public Bank bank() {
        return bank;
    }

    public PrintStream out() {
        return out;
    }

    public Workflows workflows() {
        return workflows;
    }

    /** The bank's business URL prefix. */
    public String busi() {
        return bank.busiUrl();
    }

    /** Resets the accounts and prints the title and the balances before. */
    public void begin(String title) {
        bank.reset();
        out.println();
        out.println("== " + title);
        List<Integer> b = bank.balances();
        out.printf("   balances before: user 1 = %d, user 2 = %d%n", b.get(0), b.get(1));
    }

    /** Prints what the AP saw. */
    public void ap(String line) {
        out.println("  ap   " + line);
    }

    /** Waits (up to 30 s) until the TM reports a final status, prints it with the branches and balances. */
    public Outcome finish(String gid) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        TransInfo t = dtm.query(gid).orElseThrow(() -> new IllegalStateException("the TM does not know " + gid));
        while (!t.status().isFinal() && Instant.now().isBefore(deadline)) {
            try {
                Thread.sleep(100); // the TM finishes in the background; an example may simply poll
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            t = dtm.query(gid).orElseThrow();
        }
        out.printf("  tm   %s is %s%s%n", gid, t.status(),
                t.rollbackReason().isEmpty() ? "" : " (rollback reason: " + t.rollbackReason() + ")");
        for (TransInfo.Branch b : t.branches()) {
            String data = b.op().equals("action") && t.transType().equals("workflow") && !b.data().isEmpty()
                    ? "  data " + abbreviate(b.data()) : "";
            out.printf("  tm     branch %-3s %-10s %s%s%n", b.branchId(), b.op(), b.status(), data);
        }
        List<Integer> balances = bank.balances();
        out.printf("   balances after:  user 1 = %d, user 2 = %d%n", balances.get(0), balances.get(1));
        return new Outcome(gid, t.status(), t.rollbackReason(), balances);
    }

    /** The request body of a transfer, as JSON text. */
    public static byte[] transferJson(boolean transInFails) {
        return (transInFails ? "{\"amount\":" + AMOUNT + ",\"trans_in_result\":\"FAILURE\"}"
                : "{\"amount\":" + AMOUNT + "}").getBytes(StandardCharsets.UTF_8);
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "…";
    }

    @Override
    public void close() {
        grpcBank.close();
        bank.close();
        grpcDtm.close();
        dtm.close();
    }
}
