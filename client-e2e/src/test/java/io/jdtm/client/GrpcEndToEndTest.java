package io.jdtm.client;

import static io.jdtm.protocol.BranchStatus.FAILED;
import static io.jdtm.protocol.BranchStatus.PREPARED;
import static io.jdtm.protocol.BranchStatus.SUCCEED;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Empty;
import com.zaxxer.hikari.HikariDataSource;
import io.jdtm.client.testing.Backends;
import io.jdtm.client.testing.GrpcBankRm;
import io.jdtm.client.testing.grpc.BusiReply;
import io.jdtm.client.testing.grpc.BusiReq;
import io.jdtm.protocol.TransStatus;
import io.jdtm.testing.JdtmTest;
import io.jdtm.testing.JdtmTestServer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every mode end to end over gRPC: the SDK → the real jdtm server's gRPC API ({@code dtmgimp.Dtm}, in-process) → a
 * real RM over gRPC ({@link GrpcBankRm}) whose methods move money in PostgreSQL behind the barrier built from the
 * {@code dtm-*} metadata. The TM calls the branches over gRPC because the transactions were started over gRPC. Each
 * test asserts the TM's final state (queried over HTTP, which DTM's gRPC API lacks), the balances and the calls.
 */
@JdtmTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GrpcEndToEndTest {
    private static final BusiReq REQ = BusiReq.newBuilder().setAmount(30).build();
    private static final TransactionOptions WAIT = TransactionOptions.builder().waitResult(true).build();

    private HikariDataSource ds;
    private GrpcBankRm bank;
    /** Set by {@link JdtmTest}: the real jdtm server, in-process. */
    private JdtmTestServer tm;
    private DtmClient dtm;
    private DtmClient grpcOnly;
    private Workflows workflows;
    private final AtomicInteger workflowRuns = new AtomicInteger();

    @BeforeAll
    void start() {
        ds = Backends.postgres();
        bank = new GrpcBankRm(ds, BarrierDialect.POSTGRES);
        dtm = DtmClient.builder().grpcTarget(tm.grpcTarget()).serverUrl(tm.dtmUrl()).build();
        grpcOnly = DtmClient.builder().grpcTarget(tm.grpcTarget()).build();

        // the application's gRPC server serves the workflow callback (here: the bank's server)
        workflows = dtm.workflows(bank.target());
        bank.addService(workflows.grpcService());
        workflows.register("transfer", (wf, input) -> {
            workflowRuns.incrementAndGet();
            BusiReq req = BusiReq.parseFrom(input);
            wf.newBranch().onRollback(bb -> wf.grpc(bank.url("TransOutRevert"), req, Empty.getDefaultInstance()));
            wf.grpc(bank.url("TransOut"), req, Empty.getDefaultInstance());
            wf.newBranch().onRollback(bb -> wf.grpc(bank.url("TransInRevert"), req, Empty.getDefaultInstance()));
            wf.grpc(bank.url("TransIn"), req, Empty.getDefaultInstance());
            return "transferred".getBytes(UTF_8);
        });
        workflows.register("tcc", (wf, input) -> {
            wf.newBranch()
                    .onCommit(bb -> wf.grpc(bank.url("TransOutConfirm"), REQ, Empty.getDefaultInstance()))
                    .onRollback(bb -> wf.grpc(bank.url("TransOutCancel"), REQ, Empty.getDefaultInstance()));
            BusiReply r = wf.grpc(bank.url("TransOutTry"), REQ, BusiReply.getDefaultInstance());
            return r.getMessage().getBytes(UTF_8);
        });
    }

    @AfterAll
    void stop() {
        if (dtm != null) {
            dtm.close();
            grpcOnly.close();
            bank.close();
            ds.close();
        }
    }

    @BeforeEach
    void resetBank() {
        bank.reset();
        workflowRuns.set(0);
    }


    /** Runs poller rounds (everything due within a minute counts as due) until {@code gid} is final. */
    private TransInfo cronUntilFinal(String gid) {
        return await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    tm.runPoller(Duration.ofSeconds(60));
                    return dtm.query(gid).orElseThrow();
                }, t -> t.status().isFinal());
    }

    @Test
    void sagaSucceeds() {
        String gid = dtm.newGid();
        dtm.saga(gid)
                .add(bank.url("TransOut"), bank.url("TransOutRevert"), REQ)
                .add(bank.url("TransIn"), bank.url("TransInRevert"), REQ)
                .waitResult(true)
                .submit();
        TransInfo t = dtm.query(gid).orElseThrow();
        assertThat(t.status()).isEqualTo(TransStatus.SUCCEED);
        assertThat(t.branchStatuses()).containsExactly(PREPARED, SUCCEED, PREPARED, SUCCEED);
        assertThat(bank.balances()).containsExactly(70, 130);
        assertThat(bank.callsOf(gid)).containsExactly("TransOut:action", "TransIn:action");
    }

    @Test
    void sagaRollsBackWhenAnActionAnswersAborted() {
        bank.fail("TransIn");
        String gid = dtm.newGid();
        Saga saga = dtm.saga(gid)
                .add(bank.url("TransOut"), bank.url("TransOutRevert"), REQ)
                .add(bank.url("TransIn"), bank.url("TransInRevert"), REQ)
                .waitResult(true);
        assertThatThrownBy(saga::submit).isInstanceOf(DtmFailureException.class)
                .hasMessageContaining("Insufficient balance")
                .satisfies(e -> assertThat(((DtmException) e).gid()).contains(gid));
        TransInfo t = dtm.query(gid).orElseThrow();
        assertThat(t.status()).isEqualTo(TransStatus.FAILED);
        assertThat(t.branchStatuses()).containsExactly(SUCCEED, SUCCEED, SUCCEED, FAILED);
        assertThat(bank.balances()).containsExactly(100, 100);
        // the failed action's compensation is called too; the barrier makes it a null compensation
        assertThat(bank.callsOf(gid)).containsExactly("TransOut:action", "TransIn:action",
                "TransInRevert:compensate", "TransOutRevert:compensate");
    }

    @Test
    void aGrpcOnlyClientTellsARollbackFromItsMessage() {
        String gid = grpcOnly.newGid();
        BusiReq refused = REQ.toBuilder().setTransInResult("FAILURE").build();
        Saga saga = grpcOnly.saga(gid)
                .add(bank.url("TransOut"), bank.url("TransOutRevert"), refused)
                .add(bank.url("TransIn"), bank.url("TransInRevert"), refused)
                .waitResult(true);
        assertThatThrownBy(saga::submit).isInstanceOf(DtmFailureException.class)
                .hasMessageContaining("Insufficient balance");
        assertThatThrownBy(() -> grpcOnly.query(gid)).isInstanceOf(UnsupportedOperationException.class);
        tm.awaitStatus(gid, TransStatus.FAILED);
        assertThat(bank.balances()).containsExactly(100, 100);
    }

    @Test
    void sagaWithoutWaitResultFinishesInTheBackground() {
        String gid = dtm.newGid();
        dtm.saga(gid).add(bank.url("TransOut"), bank.url("TransOutRevert"), REQ)
                .add(bank.url("TransIn"), bank.url("TransInRevert"), REQ).submit();
        tm.awaitStatus(gid, TransStatus.SUCCEED);
        assertThat(bank.balances()).containsExactly(70, 130);
    }

    @Test
    void msgDoAndSubmitDbDeliversAfterTheLocalCommit() {
        String gid = dtm.newGid();
        dtm.msg(gid).add(bank.url("TransIn"), REQ)
                .doAndSubmitDb(bank.url("QueryPrepared"), ds, bank.barrierTable(), tx -> bank.debit(tx, 30));
        tm.awaitStatus(gid, TransStatus.SUCCEED);
        assertThat(bank.balances()).containsExactly(70, 130);
        assertThat(bank.callsOf(gid)).containsExactly("TransIn:action");
    }

    @Test
    void msgWhoseLocalTransactionRefusedIsAborted() {
        String gid = dtm.newGid();
        Msg msg = dtm.msg(gid).add(bank.url("TransIn"), REQ);
        assertThatThrownBy(() -> msg.doAndSubmitDb(bank.url("QueryPrepared"), ds, bank.barrierTable(), tx -> {
            throw new DtmFailureException("Insufficient balance");
        })).isInstanceOf(DtmFailureException.class);
        assertThat(dtm.query(gid).orElseThrow().status()).isEqualTo(TransStatus.FAILED);
        assertThat(bank.callsOf(gid)).isEmpty();
        assertThat(bank.balances()).containsExactly(100, 100);
    }

    @Test
    void thePrepareOfAnApThatVanishedIsResolvedByTheTmAskingGrpcQueryPrepared() {
        // committed locally, then the AP died before submit: the TM asks QueryPrepared and delivers
        String committed = dtm.newGid();
        dtm.msg(committed).add(bank.url("TransIn"), REQ).timeoutToFail(Duration.ofSeconds(1))
                .prepare(bank.url("QueryPrepared"));
        BranchBarrier.of("msg", committed, "00", "msg").withTable(bank.barrierTable())
                .callWithDataSource(ds, tx -> bank.debit(tx, 30));
        // never committed locally: the TM's question rolls it back
        String lost = dtm.newGid();
        dtm.msg(lost).add(bank.url("TransIn"), REQ).timeoutToFail(Duration.ofSeconds(1))
                .prepare(bank.url("QueryPrepared"));

        assertThat(cronUntilFinal(committed).status()).isEqualTo(TransStatus.SUCCEED);
        assertThat(cronUntilFinal(lost).status()).isEqualTo(TransStatus.FAILED);
        assertThat(bank.callsOf(committed)).containsExactly("QueryPrepared:msg", "TransIn:action");
        assertThat(bank.callsOf(lost)).containsExactly("QueryPrepared:msg");
        assertThat(bank.balances()).containsExactly(70, 130);
    }

    @Test
    void tccConfirmsWhenEveryTrySucceeded() {
        String gid = dtm.newGid();
        dtm.tcc(gid, WAIT, tcc -> {
            BusiReply r = tcc.callBranch(REQ, bank.url("TransOutTry"), bank.url("TransOutConfirm"),
                    bank.url("TransOutCancel"), BusiReply.getDefaultInstance());
            assertThat(r.getMessage()).isEqualTo("TransOutTry of 01");
            tcc.callBranch(REQ, bank.url("TransInTry"), bank.url("TransInConfirm"), bank.url("TransInCancel"),
                    BusiReply.getDefaultInstance());
        });
        tm.awaitStatus(gid, TransStatus.SUCCEED);
        assertThat(bank.balances()).containsExactly(70, 130);
        assertThat(bank.callsOf(gid)).containsExactlyInAnyOrder("TransOutTry:try", "TransInTry:try",
                "TransOutConfirm:confirm", "TransInConfirm:confirm");
    }

    @Test
    void tccCancelsWhenATryRefuses() {
        bank.fail("TransInTry");
        String gid = dtm.newGid();
        assertThatThrownBy(() -> dtm.tcc(gid, WAIT, tcc -> {
            tcc.callBranch(REQ, bank.url("TransOutTry"), bank.url("TransOutConfirm"), bank.url("TransOutCancel"),
                    BusiReply.getDefaultInstance());
            tcc.callBranch(REQ, bank.url("TransInTry"), bank.url("TransInConfirm"), bank.url("TransInCancel"),
                    BusiReply.getDefaultInstance());
        })).isInstanceOf(DtmFailureException.class).hasMessageContaining("Insufficient balance");
        TransInfo t = tm.awaitStatus(gid, TransStatus.FAILED);
        assertThat(t.rollbackReason()).contains("Insufficient balance");
        assertThat(bank.balances()).containsExactly(100, 100);
        assertThat(bank.callsOf(gid)).contains("TransOutCancel:cancel", "TransInCancel:cancel");
    }

    @Test
    void aNestedTccBranchRegistersOverGrpcFromInsideTheRm() {
        // an RM-side handler would do this with BranchContext.current().toQuery(); here the AP plays it
        String gid = dtm.newGid();
        dtm.tcc(gid, WAIT, tcc -> {
            tcc.callBranch(REQ, bank.url("TransOutTry"), bank.url("TransOutConfirm"), bank.url("TransOutCancel"),
                    BusiReply.getDefaultInstance());
            Tcc nested = dtm.tccFromQuery(java.util.Map.of("dtm", tm.grpcTarget(), "gid", gid, "branch_id", "01"));
            nested.callBranch(REQ, bank.url("TransInTry"), bank.url("TransInConfirm"), bank.url("TransInCancel"),
                    BusiReply.getDefaultInstance());
        });
        tm.awaitStatus(gid, TransStatus.SUCCEED);
        assertThat(bank.calls()).filteredOn(c -> c.context().gid().equals(gid) && c.method().equals("TransInConfirm"))
                .singleElement().satisfies(c -> assertThat(c.context().branchId()).isEqualTo("0101"));
        assertThat(bank.balances()).containsExactly(70, 130);
    }

    @Test
    void workflowOverGrpcSucceeds() {
        String gid = dtm.newGid();
        byte[] result = workflows.execute("transfer", gid, REQ.toByteArray());
        assertThat(new String(result, UTF_8)).isEqualTo("transferred");
        TransInfo t = dtm.query(gid).orElseThrow();
        assertThat(t.status()).isEqualTo(TransStatus.SUCCEED);
        assertThat(bank.balances()).containsExactly(70, 130);
        assertThat(bank.callsOf(gid)).containsExactly("TransOut:action", "TransIn:action");
        // finished: executing again runs nothing and returns the stored result (queried over HTTP)
        assertThat(new String(workflows.execute("transfer", gid, REQ.toByteArray()), UTF_8))
                .isEqualTo("transferred");
        assertThat(workflowRuns).hasValue(1);
    }

    @Test
    void workflowOverGrpcRollsBackWhenAStepAnswersAborted() {
        String gid = dtm.newGid();
        BusiReq refused = REQ.toBuilder().setTransInResult("FAILURE").build();
        assertThatThrownBy(() -> workflows.execute("transfer", gid, refused.toByteArray()))
                .isInstanceOf(DtmFailureException.class).hasMessageContaining("Insufficient balance");
        TransInfo t = dtm.query(gid).orElseThrow();
        assertThat(t.status()).isEqualTo(TransStatus.FAILED);
        assertThat(bank.balances()).containsExactly(100, 100);
        // the refused step's own rollback is skipped (compensateErrorBranch is off)
        assertThat(bank.callsOf(gid)).containsExactly("TransOut:action", "TransIn:action", "TransOutRevert:rollback");
    }

    @Test
    void anOngoingWorkflowIsResumedByTheTmCallingWorkflowExecuteOverGrpc() {
        bank.ongoing("TransIn");
        String gid = dtm.newGid();
        assertThatThrownBy(() -> workflows.execute("transfer", gid, REQ.toByteArray()))
                .isInstanceOf(DtmOngoingException.class);
        assertThat(dtm.query(gid).orElseThrow().status()).isEqualTo(TransStatus.PREPARED);
        bank.heal();

        // the TM calls <bank>/workflow.Workflow/Execute with the input
        assertThat(cronUntilFinal(gid).status()).isEqualTo(TransStatus.SUCCEED);
        assertThat(workflowRuns).hasValue(2);
        assertThat(bank.balances()).containsExactly(70, 130);
        // the recorded TransOut was replayed, not sent again
        assertThat(bank.callsOf(gid)).containsExactly("TransOut:action", "TransIn:action", "TransIn:action");
    }

    @Test
    void aTccStyleWorkflowCommitsOverGrpc() {
        String gid = dtm.newGid();
        assertThat(new String(workflows.execute("tcc", gid, new byte[0]), UTF_8)).isEqualTo("TransOutTry of 01");
        assertThat(dtm.query(gid).orElseThrow().status()).isEqualTo(TransStatus.SUCCEED);
        assertThat(bank.callsOf(gid)).containsExactly("TransOutTry:action", "TransOutConfirm:commit");
        assertThat(bank.balances()).containsExactly(70, 100);
    }
}
