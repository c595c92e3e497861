package io.jdtm.client;

import static io.jdtm.protocol.BranchStatus.FAILED;
import static io.jdtm.protocol.BranchStatus.PREPARED;
import static io.jdtm.protocol.BranchStatus.SUCCEED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import io.jdtm.client.testing.Backends;
import io.jdtm.client.testing.BankRm;
import io.jdtm.protocol.TransStatus;
import io.jdtm.testing.JdtmTest;
import io.jdtm.testing.JdtmTestServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every mode end to end: SDK → the real jdtm server (in-process, HTTP) → a real RM over HTTP whose handlers move
 * money in PostgreSQL behind the barrier. Each test asserts the TM's final state and the balances.
 */
@JdtmTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EndToEndTest {
    private static final Map<String, Integer> AMOUNT = Map.of("amount", 30);

    private HikariDataSource ds;
    private BankRm bank;
    /** Set by {@link JdtmTest}: the real jdtm server, in-process. */
    private JdtmTestServer tm;
    private DtmClient dtm;

    @BeforeAll
    void start() {
        ds = Backends.postgres();
        bank = new BankRm(ds, BarrierDialect.POSTGRES);
        dtm = tm.client();
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
    }


    private List<String> callsOf(String gid) {
        return bank.http.requests().stream().filter(r -> gid.equals(r.query().get("gid")))
                .map(r -> r.path().substring("/api/".length()) + ":" + r.query().get("op")).toList();
    }

    @Test
    void sagaSucceeds() {
        String gid = dtm.newGid();
        dtm.saga(gid)
                .add(bank.url() + "/TransOut", bank.url() + "/TransOutRevert", AMOUNT)
                .add(bank.url() + "/TransIn", bank.url() + "/TransInRevert", AMOUNT)
                .waitResult(true)
                .submit();
        TransInfo t = dtm.query(gid).orElseThrow();
        assertThat(t.status()).isEqualTo(TransStatus.SUCCEED);
        assertThat(t.branchStatuses()).containsExactly(PREPARED, SUCCEED, PREPARED, SUCCEED);
        assertThat(bank.balances()).containsExactly(70, 130);
        assertThat(callsOf(gid)).containsExactly("TransOut:action", "TransIn:action");
    }

    @Test
    void sagaRollsBackWhenAnActionFails() {
        bank.fail("/api/TransIn");
        String gid = dtm.newGid();
        Saga saga = dtm.saga(gid)
                .add(bank.url() + "/TransOut", bank.url() + "/TransOutRevert", AMOUNT)
                .add(bank.url() + "/TransIn", bank.url() + "/TransInRevert", AMOUNT)
                .waitResult(true);
        assertThatThrownBy(saga::submit).isInstanceOf(DtmFailureException.class)
                .hasMessageContaining("Insufficient balance")
                .satisfies(e -> assertThat(((DtmException) e).gid()).contains(gid));
        TransInfo t = dtm.query(gid).orElseThrow();
        assertThat(t.status()).isEqualTo(TransStatus.FAILED);
        assertThat(t.branchStatuses()).containsExactly(SUCCEED, SUCCEED, SUCCEED, FAILED);
        assertThat(t.rollbackReason()).contains("Insufficient balance");
        assertThat(bank.balances()).containsExactly(100, 100);
        // the failed action's compensation is called too; the barrier makes it a null compensation
        assertThat(callsOf(gid)).containsExactly("TransOut:action", "TransIn:action", "TransInRevert:compensate",
                "TransOutRevert:compensate");
    }

    @Test
    void sagaWithoutWaitResultFinishesInTheBackground() {
        String gid = dtm.newGid();
        dtm.saga(gid).add(bank.url() + "/TransOut", bank.url() + "/TransOutRevert", AMOUNT)
                .add(bank.url() + "/TransIn", bank.url() + "/TransInRevert", AMOUNT).submit();
        tm.awaitStatus(gid, TransStatus.SUCCEED);
        assertThat(bank.balances()).containsExactly(70, 130);
    }

    @Test
    void concurrentSagaWithOrderSucceeds() {
        String gid = dtm.newGid();
        dtm.saga(gid).add(bank.url() + "/TransOut", bank.url() + "/TransOutRevert", AMOUNT)
                .add(bank.url() + "/TransIn", bank.url() + "/TransInRevert", AMOUNT)
                .concurrent().addBranchOrder(1, 0).waitResult(true).submit();
        assertThat(dtm.query(gid).orElseThrow().status()).isEqualTo(TransStatus.SUCCEED);
        assertThat(callsOf(gid)).containsExactly("TransOut:action", "TransIn:action");
        assertThat(bank.balances()).containsExactly(70, 130);
    }

    @Test
    void msgDoAndSubmitDbCommitsLocallyThenDeliversTheBranch() {
        String gid = dtm.newGid();
        dtm.msg(gid).add(bank.url() + "/TransIn", AMOUNT)
                .doAndSubmitDb(bank.url() + "/QueryPrepared", ds, bank.barrierTable(), tx -> bank.debit(tx, 30));
        TransInfo t = tm.awaitStatus(gid, TransStatus.SUCCEED);
        assertThat(t.branchStatuses()).containsExactly(SUCCEED);
        assertThat(bank.balances()).containsExactly(70, 130);
    }

    @Test
    void msgDoAndSubmitDbAbortsWhenTheLocalBusinessFails() {
        String gid = dtm.newGid();
        Msg msg = dtm.msg(gid).add(bank.url() + "/TransIn", AMOUNT);
        assertThatThrownBy(() -> msg.doAndSubmitDb(bank.url() + "/QueryPrepared", ds, bank.barrierTable(), tx -> {
            bank.debit(tx, 30);
            throw new DtmFailureException("Insufficient balance");
        })).isInstanceOf(DtmFailureException.class);
        assertThat(dtm.query(gid).orElseThrow().status()).isEqualTo(TransStatus.FAILED);
        assertThat(bank.balances()).containsExactly(100, 100);
        assertThat(callsOf(gid)).isEmpty();
    }

    @Test
    void preparedMsgWhoseApVanishedIsRolledBackThroughQueryPrepared() {
        String gid = dtm.newGid();
        dtm.msg(gid).add(bank.url() + "/TransIn", AMOUNT).timeoutToFail(Duration.ofSeconds(1))
                .prepare(bank.url() + "/QueryPrepared");
        // the AP "crashed" before its local transaction: the TM asks QueryPrepared once the timeout passed
        TransInfo t = await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    tm.runPoller(Duration.ofSeconds(60));
                    return dtm.query(gid).orElseThrow();
                }, x -> x.status().isFinal());
        assertThat(t.status()).isEqualTo(TransStatus.FAILED);
        assertThat(callsOf(gid)).containsExactly("QueryPrepared:msg");
        assertThat(bank.balances()).containsExactly(100, 100);
    }

    @Test
    void preparedMsgWhoseLocalTransactionCommittedIsDeliveredThroughQueryPrepared() {
        String gid = dtm.newGid();
        Msg msg = dtm.msg(gid).add(bank.url() + "/TransIn", AMOUNT).timeoutToFail(Duration.ofSeconds(1))
                .prepare(bank.url() + "/QueryPrepared");
        // the local transaction committed, then the AP "crashed" before submit
        BranchBarrier.of("msg", gid, "00", "msg").withTable(bank.barrierTable())
                .callWithDataSource(ds, tx -> bank.debit(tx, 30));
        assertThat(msg.gid()).isEqualTo(gid);
        TransInfo t = await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    tm.runPoller(Duration.ofSeconds(60));
                    return dtm.query(gid).orElseThrow();
                }, x -> x.status().isFinal());
        assertThat(t.status()).isEqualTo(TransStatus.SUCCEED);
        assertThat(callsOf(gid)).containsExactly("QueryPrepared:msg", "TransIn:action");
        assertThat(bank.balances()).containsExactly(70, 130);
    }

    @Test
    void tccConfirmsWhenEveryTrySucceeds() {
        String gid = dtm.newGid();
        dtm.tcc(gid, tcc -> {
            tcc.callBranch(AMOUNT, bank.url() + "/TransOutTry", bank.url() + "/TransOutConfirm",
                    bank.url() + "/TransOutCancel");
            tcc.callBranch(AMOUNT, bank.url() + "/TransInTry", bank.url() + "/TransInConfirm",
                    bank.url() + "/TransInCancel");
        });
        TransInfo t = tm.awaitStatus(gid, TransStatus.SUCCEED);
        assertThat(t.branchStatuses()).containsExactly(PREPARED, SUCCEED, PREPARED, SUCCEED);
        assertThat(bank.balances()).containsExactly(70, 130);
        assertThat(callsOf(gid)).containsExactly("TransOutTry:try", "TransInTry:try", "TransInConfirm:confirm",
                "TransOutConfirm:confirm");
    }

    @Test
    void tccCancelsWhenATryFails() {
        bank.fail("/api/TransInTry");
        String gid = dtm.newGid();
        assertThatThrownBy(() -> dtm.tcc(gid, tcc -> {
            tcc.callBranch(AMOUNT, bank.url() + "/TransOutTry", bank.url() + "/TransOutConfirm",
                    bank.url() + "/TransOutCancel");
            tcc.callBranch(AMOUNT, bank.url() + "/TransInTry", bank.url() + "/TransInConfirm",
                    bank.url() + "/TransInCancel");
        })).isInstanceOf(DtmFailureException.class).hasMessageContaining("Insufficient balance");
        TransInfo t = tm.awaitStatus(gid, TransStatus.FAILED);
        assertThat(t.branchStatuses()).containsExactly(SUCCEED, PREPARED, SUCCEED, PREPARED);
        assertThat(t.rollbackReason()).contains("Insufficient balance");
        assertThat(bank.balances()).containsExactly(100, 100);
    }

    @Test
    void nestedTccRegistersSubBranchesFromInsideAnRm() {
        bank.http.on("/api/NestedTry", r -> RmResponses.handle(() -> dtm.tccFromQuery(r.query())
                .callBranch(AMOUNT, bank.url() + "/TransInTry", bank.url() + "/TransInConfirm",
                        bank.url() + "/TransInCancel")));
        String gid = dtm.newGid();
        dtm.tcc(gid, tcc -> {
            tcc.callBranch(AMOUNT, bank.url() + "/TransOutTry", bank.url() + "/TransOutConfirm",
                    bank.url() + "/TransOutCancel");
            tcc.callBranch(AMOUNT, bank.url() + "/NestedTry", bank.url() + "/TransInConfirm",
                    bank.url() + "/TransInCancel");
        });
        TransInfo t = tm.awaitStatus(gid, TransStatus.SUCCEED);
        assertThat(t.branches()).extracting(TransInfo.Branch::branchId)
                .containsExactly("01", "01", "02", "02", "0201", "0201");
        assertThat(t.branchStatuses()).containsExactly(PREPARED, SUCCEED, PREPARED, SUCCEED, PREPARED, SUCCEED);
    }

    @Test
    void resubmittingAFinishedSagaNeverRunsItTwice() {
        String gid = dtm.newGid();
        Saga saga = dtm.saga(gid).add(bank.url() + "/TransOut", bank.url() + "/TransOutRevert", AMOUNT);
        saga.waitResult(true).submit();
        // plain submit: DTM's answer, a non-retryable conflict naming the status
        assertThatThrownBy(saga::submit).isInstanceOf(DtmFailureException.class)
                .hasMessageContaining("succeed")
                .satisfies(e -> assertThat(((DtmException) e).isRetryable()).isFalse());
        // with waitResult the question is "did this gid succeed?": yes, so a retried submit returns normally
        saga.waitResult(true).submit();
        assertThat(dtm.query(gid).orElseThrow().status()).isEqualTo(TransStatus.SUCCEED);
        assertThat(callsOf(gid)).containsExactly("TransOut:action");
        assertThat(bank.balances()).containsExactly(70, 100);
    }
}
