package io.jdtm.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.jdtm.client.testing.Backends;
import io.jdtm.client.testing.BankRm;
import io.jdtm.client.testing.RecordingServer;
import io.jdtm.protocol.BranchStatus;
import io.jdtm.protocol.TransStatus;
import io.jdtm.testing.JdtmTest;
import io.jdtm.testing.JdtmTestServer;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Workflow end to end (spec §7): the SDK → the real jdtm server (in-process) → a bank RM over HTTP whose handlers
 * move money in PostgreSQL behind the barrier. The workflow callback URL is served by the same HTTP server and wired
 * to {@link Workflows#handleCallback}, so a poller round of the TM really resumes workflows.
 */
@JdtmTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkflowTest {
    private static final Map<String, Integer> AMOUNT = Map.of("amount", 30);

    private HikariDataSource ds;
    private BankRm bank;
    /** Set by {@link JdtmTest}: the real jdtm server, in-process. */
    private JdtmTestServer tm;
    private DtmClient dtm;
    private Workflows workflows;
    private final AtomicInteger localSteps = new AtomicInteger();
    private final AtomicBoolean crashInCancel = new AtomicBoolean();

    @BeforeAll
    void start() {
        ds = Backends.postgres();
        bank = new BankRm(ds, BarrierDialect.POSTGRES);
        dtm = tm.client();
        workflows = dtm.workflows(bank.http.url() + "/api/wf/resume");
        bank.http.on("/api/wf/resume", r -> workflows.handleCallback(r.query(), r.body().getBytes(UTF_8)));
        String svc = bank.url();

        workflows.register("saga", (wf, input) -> {
            wf.newBranch().onRollback(bb -> wf.post(svc + "/TransOutRevert", AMOUNT));
            wf.post(svc + "/TransOut", AMOUNT);
            wf.newBranch().onRollback(bb -> wf.post(svc + "/TransInRevert", AMOUNT));
            wf.post(svc + "/TransIn", AMOUNT);
            return ("done:" + new String(input, UTF_8)).getBytes(UTF_8);
        });
        workflows.register("saga-compensate-errors", WorkflowOptions.builder().compensateErrorBranch(true).build(),
                (wf, input) -> {
                    wf.newBranch().onRollback(bb -> wf.post(svc + "/TransOutRevert", AMOUNT));
                    wf.post(svc + "/TransOut", AMOUNT);
                    wf.newBranch().onRollback(bb -> wf.post(svc + "/TransInRevert", AMOUNT));
                    wf.post(svc + "/TransIn", AMOUNT);
                    return null;
                });
        workflows.register("tcc", (wf, input) -> {
            wf.newBranch()
                    .onCommit(bb -> wf.post(svc + "/TransOutConfirm", AMOUNT))
                    .onRollback(bb -> wf.post(svc + "/TransOutCancel", AMOUNT));
            wf.post(svc + "/TransOutTry", AMOUNT);
            wf.newBranch()
                    .onCommit(bb -> wf.post(svc + "/TransInConfirm", AMOUNT))
                    .onRollback(bb -> wf.post(svc + "/TransInCancel", AMOUNT));
            wf.post(svc + "/TransInTry", AMOUNT);
            return "tcc-ok".getBytes(UTF_8);
        });
        workflows.register("local-then-http", (wf, input) -> {
            byte[] local = wf.newBranch().doStep(bb -> {
                localSteps.incrementAndGet();
                return ("local of " + bb.gid()).getBytes(UTF_8);
            });
            wf.newBranch().onRollback(bb -> wf.post(svc + "/TransInRevert", AMOUNT));
            wf.post(svc + "/TransIn", AMOUNT);
            return local;
        });
        // A handler that turns an unknown Try outcome into FAILURE, and a Cancel that "crashes" once after it ran.
        workflows.register("tcc-crash", (wf, input) -> {
            wf.newBranch().onRollback(bb -> {
                wf.post(svc + "/TransOutCancel", AMOUNT);
                if (crashInCancel.getAndSet(false)) {
                    throw new IllegalStateException("process crashed after the cancel");
                }
            });
            try {
                wf.post(svc + "/TransOutTry", AMOUNT);
            } catch (DtmUnknownException e) {
                throw new DtmFailureException("try of branch 01 did not answer: " + e.getMessage());
            }
            wf.newBranch().onRollback(bb -> wf.post(svc + "/TransInCancel", AMOUNT));
            wf.post(svc + "/TransInTry", AMOUNT);
            return "crash-ok".getBytes(UTF_8);
        });
    }

    @AfterAll
    void stop() {
        if (bank != null) {
            bank.close();
            ds.close();
        }
    }

    @BeforeEach
    void resetBank() {
        bank.reset();
        localSteps.set(0);
        crashInCancel.set(false);
    }

    /** "TransOut:action", … for the business calls of one gid, in arrival order. */
    private List<String> callsOf(String gid) {
        return bank.http.requests().stream()
                .filter(r -> gid.equals(r.query().get("gid")) && !r.path().equals("/api/wf/resume"))
                .map(r -> r.path().substring("/api/".length()) + ":" + r.query().get("op")).toList();
    }

    private TransInfo info(String gid) {
        return dtm.query(gid).orElseThrow();
    }

    private List<String> progress(String gid) {
        return info(gid).branches().stream().map(b -> b.branchId() + "-" + b.op() + ":" + b.status()).toList();
    }

    @Test
    void sagaStyleWorkflowSucceeds() {
        String gid = dtm.newGid();

        String result = workflows.execute("saga", gid, "in");

        assertThat(result).isEqualTo("done:in");
        TransInfo t = info(gid);
        assertThat(t.status()).isEqualTo(TransStatus.SUCCEED);
        assertThat(t.transType()).isEqualTo("workflow");
        assertThat(new String(Base64.getDecoder().decode(t.result()), UTF_8)).isEqualTo("done:in");
        assertThat(progress(gid)).containsExactly("01-action:succeed", "02-action:succeed");
        assertThat(callsOf(gid)).containsExactly("TransOut:action", "TransIn:action");
        assertThat(bank.balances()).containsExactly(70, 130);
        // the calls carry the workflow's query parameters
        RecordingServer.Request in = bank.http.requests("/api/TransIn").getLast();
        assertThat(in.query()).containsEntry("trans_type", "workflow").containsEntry("branch_id", "02");
    }

    @Test
    void sagaStyleWorkflowRollsBackWithoutCompensatingTheRefusedBranch() {
        String gid = dtm.newGid();
        bank.fail("/api/TransIn");

        assertThatThrownBy(() -> workflows.execute("saga", gid, "in"))
                .isInstanceOf(DtmFailureException.class).hasMessageContaining("Insufficient balance");

        TransInfo t = info(gid);
        assertThat(t.status()).isEqualTo(TransStatus.FAILED);
        assertThat(t.rollbackReason()).contains("Insufficient balance");
        assertThat(callsOf(gid)).containsExactly("TransOut:action", "TransIn:action", "TransOutRevert:rollback");
        assertThat(progress(gid)).containsExactly("01-action:succeed", "02-action:failed", "00-rollback:succeed",
                "01-rollback:succeed");
        assertThat(bank.balances()).containsExactly(100, 100);
    }

    @Test
    void compensateErrorBranchRunsEveryRollbackInReverseOrder() {
        String gid = dtm.newGid();
        bank.fail("/api/TransIn");

        assertThatThrownBy(() -> workflows.execute("saga-compensate-errors", gid, new byte[0]))
                .isInstanceOf(DtmFailureException.class);

        assertThat(callsOf(gid)).containsExactly("TransOut:action", "TransIn:action", "TransInRevert:rollback",
                "TransOutRevert:rollback");
        // TransIn never took effect: its revert is a null compensation for the barrier, the balances are restored
        assertThat(bank.balances()).containsExactly(100, 100);
        assertThat(info(gid).status()).isEqualTo(TransStatus.FAILED);
    }

    @Test
    void tccStyleWorkflowConfirmsInReverseOrder() {
        String gid = dtm.newGid();

        assertThat(workflows.execute("tcc", gid, "x")).isEqualTo("tcc-ok");

        assertThat(callsOf(gid)).containsExactly("TransOutTry:action", "TransInTry:action", "TransInConfirm:commit",
                "TransOutConfirm:commit");
        assertThat(progress(gid)).containsExactly("01-action:succeed", "02-action:succeed", "02-commit:succeed",
                "01-commit:succeed");
        assertThat(bank.balances()).containsExactly(70, 130);
    }

    @Test
    void tccStyleWorkflowCancelsTheTriedBranches() {
        String gid = dtm.newGid();
        bank.fail("/api/TransInTry");

        assertThatThrownBy(() -> workflows.execute("tcc", gid, "x")).isInstanceOf(DtmFailureException.class);

        assertThat(callsOf(gid)).containsExactly("TransOutTry:action", "TransInTry:action", "TransOutCancel:rollback");
        assertThat(bank.balances()).containsExactly(100, 100);
        assertThat(info(gid).status()).isEqualTo(TransStatus.FAILED);
    }

    @Test
    void anErroringBranchIsResumedByTheServerCallbackWithoutRerunningRecordedSteps() {
        String gid = dtm.newGid();
        bank.error("/api/TransIn");

        assertThatThrownBy(() -> workflows.execute("local-then-http", gid, "input"))
                .isInstanceOf(DtmUnknownException.class).hasMessageContaining("500");
        assertThat(info(gid).status()).isEqualTo(TransStatus.PREPARED); // no phase 2, no submit
        assertThat(progress(gid)).containsExactly("01-action:succeed");
        assertThat(localSteps).hasValue(1);

        bank.heal();
        assertThat(tm.runPoller(Duration.ofSeconds(1000))).isEqualTo(1);

        RecordingServer.Request callback = bank.http.requests("/api/wf/resume").getLast();
        assertThat(callback.query()).containsEntry("gid", gid).containsEntry("op", "local-then-http")
                .containsEntry("branch_id", "00");
        assertThat(callback.body()).isEqualTo("input");
        TransInfo t = info(gid);
        assertThat(t.status()).isEqualTo(TransStatus.SUCCEED);
        assertThat(localSteps).as("the recorded local step is replayed, not run again").hasValue(1);
        assertThat(callsOf(gid)).containsExactly("TransIn:action", "TransIn:action");
        assertThat(bank.balances()).containsExactly(100, 130);
        assertThat(new String(Base64.getDecoder().decode(t.result()), UTF_8)).isEqualTo("local of " + gid);
    }

    @Test
    void anOngoingBranchStopsWithoutADecision() {
        String gid = dtm.newGid();
        bank.inject("/api/TransOutTry", RmResponses.ongoing());

        assertThatThrownBy(() -> workflows.execute("tcc", gid, "x")).isInstanceOf(DtmOngoingException.class);

        assertThat(info(gid).status()).isEqualTo(TransStatus.PREPARED);
        assertThat(info(gid).branches()).isEmpty();
        assertThat(callsOf(gid)).containsExactly("TransOutTry:action");
    }

    @Test
    void aFinishedGidReturnsItsStoredOutcomeWithoutRunningAgain() {
        String ok = dtm.newGid();
        assertThat(workflows.execute("saga", ok, "first")).isEqualTo("done:first");
        String failed = dtm.newGid();
        bank.fail("/api/TransOut");
        assertThatThrownBy(() -> workflows.execute("saga", failed, "x")).isInstanceOf(DtmFailureException.class);
        int calls = bank.http.requests().size();

        assertThat(workflows.execute("saga", ok, "second")).isEqualTo("done:first");
        assertThatThrownBy(() -> workflows.execute("saga", failed, "x"))
                .isInstanceOf(DtmFailureException.class).hasMessageContaining("Insufficient balance");
        assertThat(bank.http.requests()).hasSize(calls);
    }

    /**
     * USERS.md U15 (DTM issue 453): the first run rolls back and compensates branch 01, whose Try never ran (the
     * Cancel is a null compensation and blocks the Try), then crashes before submit. The re-run must not send the Try
     * again: the barrier would make it answer 200 without doing anything, and recording that as a success would
     * credit branch 02 with money never debited.
     */
    @Test
    void rollbackIsStickyAfterACrashSoABarrierBlockedTryIsNeverTakenForSuccess() {
        String gid = dtm.newGid();
        bank.error("/api/TransOutTry");
        crashInCancel.set(true);

        assertThatThrownBy(() -> workflows.execute("tcc-crash", gid, "x"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("crashed");
        assertThat(info(gid).status()).isEqualTo(TransStatus.PREPARED);

        bank.heal(); // the RM works again: a re-sent Try would now reach the barrier and answer 200
        assertThat(tm.runPoller(Duration.ofSeconds(1000))).isEqualTo(1);

        TransInfo t = info(gid);
        assertThat(t.status()).isEqualTo(TransStatus.FAILED);
        assertThat(t.rollbackReason()).contains("try of branch 01 did not answer");
        assertThat(callsOf(gid)).containsExactly("TransOutTry:action", "TransOutCancel:rollback",
                "TransOutCancel:rollback");
        assertThat(bank.http.requests("/api/TransInTry")).isEmpty();
        assertThat(bank.balances()).containsExactly(100, 100);
        assertThat(t.branches()).extracting(TransInfo.Branch::status)
                .doesNotContain(BranchStatus.PREPARED);
    }

    @Test
    void misuseFailsFast() {
        assertThatThrownBy(() -> workflows.register("saga", (wf, in) -> in))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("saga");
        assertThatThrownBy(() -> workflows.execute("nope", dtm.newGid(), new byte[0]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope");
        assertThat(workflows.handleCallback(Map.of("gid", "g1", "op", "nope"), null).status()).isEqualTo(500);

        workflows.register("misuse", (wf, in) -> {
            assertThatThrownBy(() -> wf.doStep(bb -> in)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("newBranch");
            wf.newBranch().onCommit(bb -> assertThatThrownBy(wf::newBranch)
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("commit callback"));
            wf.doStep(bb -> in);
            assertThatThrownBy(() -> wf.doStep(bb -> in)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already has a forward step");
            assertThatThrownBy(() -> wf.onCommit(bb -> { })).isInstanceOf(IllegalStateException.class);
            return in;
        });
        String gid = dtm.newGid();
        assertThat(workflows.execute("misuse", gid, "m")).isEqualTo("m");
        assertThat(progress(gid)).containsExactly("01-action:succeed", "01-commit:succeed");
    }
}
