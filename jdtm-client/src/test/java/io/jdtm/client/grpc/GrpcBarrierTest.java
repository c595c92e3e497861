package io.jdtm.client.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Empty;
import com.zaxxer.hikari.HikariDataSource;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.jdtm.client.BarrierDialect;
import io.jdtm.client.BranchBarrier;
import io.jdtm.client.DtmDuplicatedException;
import io.jdtm.client.DtmFailureException;
import io.jdtm.client.DtmOngoingException;
import io.jdtm.client.DtmUnknownException;
import io.jdtm.client.testing.Backends;
import io.jdtm.client.testing.GrpcBankRm;
import io.jdtm.client.testing.grpc.BusiGrpc;
import io.jdtm.client.testing.grpc.BusiReply;
import io.jdtm.client.testing.grpc.BusiReq;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The RM side of gRPC branches on real PostgreSQL: a grpc-java service wrapped with {@link BranchContextInterceptor},
 * whose methods build the {@link BranchBarrier} from {@link BranchContext#current()} and answer with
 * {@link RmStatuses}. The test plays the TM, calling the methods with DTM's metadata as the TM sends it (spec §5.2),
 * and checks the barrier's three guarantees (spec §9.2) and the status mapping (spec §2.3) on the real rows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GrpcBarrierTest {
    private static final BusiReq REQ = BusiReq.newBuilder().setAmount(30).build();

    private HikariDataSource ds;
    private GrpcBankRm bank;
    private ManagedChannel channel;
    private String gid;

    @BeforeAll
    void start() {
        ds = Backends.postgres();
        bank = new GrpcBankRm(ds, BarrierDialect.POSTGRES);
        channel = NettyChannelBuilder.forTarget(bank.target()).usePlaintext().build();
    }

    @AfterAll
    void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            bank.close();
            ds.close();
        }
    }

    @BeforeEach
    void reset() {
        bank.reset();
        gid = "ggid-" + UUID.randomUUID();
    }

    /** The metadata the TM sends (spec §5.2); {@code null} values are left out. */
    private static Metadata md(String gid, String transType, String branchId, String op) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("dtm-gid", gid);
        m.put("dtm-trans_type", transType);
        m.put("dtm-branch_id", branchId);
        m.put("dtm-op", op);
        m.put("dtm-dtm", "");
        Metadata md = new Metadata();
        m.forEach((k, v) -> {
            if (v != null) {
                md.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v);
            }
        });
        return md;
    }

    private BusiGrpc.BusiBlockingStub stub(Metadata md) {
        return BusiGrpc.newBlockingStub(ClientInterceptors.intercept(channel,
                MetadataUtils.newAttachHeadersInterceptor(md))).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    /** Calls {@code method} as the TM would and returns the status it ended with. */
    private Status call(Function<BusiGrpc.BusiBlockingStub, Object> method, String transType, String branchId,
            String op) {
        try {
            method.apply(stub(md(gid, transType, branchId, op)));
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    @Test
    void aRepeatedActionRunsTheBusinessOnce() {
        assertThat(call(s -> s.transOut(REQ), "saga", "01", "action").getCode()).isEqualTo(Status.Code.OK);
        assertThat(call(s -> s.transOut(REQ), "saga", "01", "action").getCode()).isEqualTo(Status.Code.OK);
        assertThat(bank.runs("TransOut")).isEqualTo(1);
        assertThat(bank.balances()).containsExactly(70, 100);
    }

    @Test
    void aCompensationWithoutItsActionIsNullAndTheLateActionHangsHarmlessly() {
        // the TM compensates a branch whose action never arrived
        assertThat(call(s -> s.transOutRevert(REQ), "saga", "01", "compensate").getCode()).isEqualTo(Status.Code.OK);
        assertThat(bank.runs("TransOutRevert")).isZero();
        // the action arrives after its compensation: answered OK, nothing done
        assertThat(call(s -> s.transOut(REQ), "saga", "01", "action").getCode()).isEqualTo(Status.Code.OK);
        assertThat(bank.runs("TransOut")).isZero();
        assertThat(bank.balances()).containsExactly(100, 100);
    }

    @Test
    void tccTryRepliesItsMessageAndCancelUndoesIt() {
        BusiReply reply = stub(md(gid, "tcc", "01", "try")).transOutTry(REQ);
        assertThat(reply.getMessage()).isEqualTo("TransOutTry of 01");
        assertThat(bank.balances()).containsExactly(70, 100);
        assertThat(call(s -> s.transOutCancel(REQ), "tcc", "01", "cancel").getCode()).isEqualTo(Status.Code.OK);
        assertThat(call(s -> s.transOutCancel(REQ), "tcc", "01", "cancel").getCode()).isEqualTo(Status.Code.OK);
        assertThat(bank.balances()).containsExactly(100, 100);
    }

    @Test
    void aCancelBeforeItsTryBlocksTheTry() {
        assertThat(call(s -> s.transInCancel(REQ), "tcc", "02", "cancel").getCode()).isEqualTo(Status.Code.OK);
        assertThat(call(s -> s.transInTry(REQ), "tcc", "02", "try").getCode()).isEqualTo(Status.Code.OK);
        assertThat(bank.runs("TransInTry")).isZero();
        assertThat(bank.runs("TransInCancel")).isZero();
        assertThat(bank.balances()).containsExactly(100, 100);
    }

    @Test
    void failureIsAbortedWithTheMessageAndLeavesNoBarrierRowSoARetryRuns() {
        bank.fail("TransIn");
        Status s = call(x -> x.transIn(REQ), "saga", "02", "action");
        assertThat(s.getCode()).isEqualTo(Status.Code.ABORTED);
        assertThat(s.getDescription()).isEqualTo("Insufficient balance");
        bank.heal();
        assertThat(call(x -> x.transIn(REQ), "saga", "02", "action").getCode()).isEqualTo(Status.Code.OK);
        assertThat(bank.runs("TransIn")).isEqualTo(1);
        assertThat(bank.balances()).containsExactly(100, 130);
    }

    @Test
    void ongoingIsFailedPrecondition() {
        bank.ongoing("TransOut");
        assertThat(call(s -> s.transOut(REQ), "saga", "01", "action").getCode())
                .isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(bank.balances()).containsExactly(100, 100);
    }

    @Test
    void anErrorBeforeTheDatabaseKeepsItsOwnStatus() {
        bank.error("TransOut", Status.UNAVAILABLE.withDescription("db pool exhausted"));
        assertThat(call(s -> s.transOut(REQ), "saga", "01", "action").getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void missingMetadataIsInvalidArgumentNamingIt() {
        Status s;
        try {
            stub(md(gid, "saga", null, "action")).transOut(REQ);
            s = Status.OK;
        } catch (StatusRuntimeException e) {
            s = e.getStatus();
        }
        assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(s.getDescription()).contains("branch_id");
        assertThat(bank.balances()).containsExactly(100, 100);
    }

    @Test
    void queryPreparedOverGrpcSaysRollbackBeforeTheLocalCommitAndBlocksIt() {
        Status s = call(x -> x.queryPrepared(REQ), "msg", "00", "msg");
        assertThat(s.getCode()).isEqualTo(Status.Code.ABORTED);
        BranchBarrier msg = BranchBarrier.of("msg", gid, "00", "msg").withTable(bank.barrierTable());
        assertThatThrownBy(() -> msg.callWithDataSource(ds, tx -> bank.debit(tx, 30)))
                .isInstanceOf(DtmDuplicatedException.class);
        assertThat(bank.balances()).containsExactly(100, 100);
    }

    @Test
    void queryPreparedOverGrpcSaysCommittedAfterTheLocalCommit() {
        BranchBarrier.of("msg", gid, "00", "msg").withTable(bank.barrierTable())
                .callWithDataSource(ds, tx -> bank.debit(tx, 30));
        BusiReply r = stub(md(gid, "msg", "00", "msg")).queryPrepared(REQ);
        assertThat(r.getMessage()).isEqualTo("committed");
    }

    @Test
    void theContextIsReadFromMetadataAndOffersTheHttpQueryForm() {
        Metadata md = md("g1", "xa", "01", "action");
        md.put(Metadata.Key.of("dtm-phase2_url", Metadata.ASCII_STRING_MARSHALLER), "bank:1/busi.Busi/TransOutXa");
        md.put(Metadata.Key.of("dtm-dtm", Metadata.ASCII_STRING_MARSHALLER), "localhost:36790");
        BranchContext c = BranchContext.from(md);
        assertThat(c).isEqualTo(new BranchContext("g1", "xa", "01", "action", "localhost:36790",
                "bank:1/busi.Busi/TransOutXa"));
        assertThat(c.toQuery()).containsExactly(Map.entry("gid", "g1"), Map.entry("trans_type", "xa"),
                Map.entry("branch_id", "01"), Map.entry("op", "action"), Map.entry("dtm", "localhost:36790"),
                Map.entry("phase2_url", "bank:1/busi.Busi/TransOutXa"));
        assertThat(c.barrier().toString()).contains("xa g1 01 action");
        assertThat(BranchContext.from(new Metadata())).isEqualTo(new BranchContext("", "", "", "", "", ""));
        assertThatThrownBy(BranchContext::current).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("BranchContextInterceptor");
    }

    @Test
    void outcomesMapToDtmsStatusesAndBack() {
        assertThat(RmStatuses.statusOf(new DtmFailureException("no money")).getCode()).isEqualTo(Status.Code.ABORTED);
        assertThat(RmStatuses.statusOf(new DtmFailureException("no money")).getDescription()).isEqualTo("no money");
        assertThat(RmStatuses.statusOf(new DtmOngoingException("later")).getCode())
                .isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(RmStatuses.statusOf(new IllegalArgumentException("bad")).getCode())
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(RmStatuses.statusOf(new IllegalStateException("db down")).getCode())
                .isEqualTo(Status.Code.UNKNOWN);
        assertThat(RmStatuses.statusOf(Status.UNAVAILABLE.asRuntimeException()).getCode())
                .isEqualTo(Status.Code.UNAVAILABLE);

        assertThat(RmStatuses.toException(Status.OK, "g")).isEmpty();
        assertThat(RmStatuses.toException(Status.ABORTED.withDescription("x"), "g")).get()
                .isInstanceOf(DtmFailureException.class);
        assertThat(RmStatuses.toException(Status.ABORTED.withDescription("ONGOING"), "g")).get()
                .isInstanceOf(DtmOngoingException.class);
        assertThat(RmStatuses.toException(Status.FAILED_PRECONDITION, "g")).get()
                .isInstanceOf(DtmOngoingException.class);
        assertThat(RmStatuses.toException(Status.DEADLINE_EXCEEDED, "g")).get()
                .isInstanceOf(DtmUnknownException.class);

        CollectingObserver<Empty> ok = new CollectingObserver<>();
        RmStatuses.handle(ok, () -> { });
        assertThat(ok.values).containsExactly(Empty.getDefaultInstance());
        assertThat(ok.completed).isTrue();
        CollectingObserver<Empty> refused = new CollectingObserver<>();
        RmStatuses.handle(refused, () -> {
            throw new DtmFailureException("Insufficient balance");
        });
        assertThat(Status.fromThrowable(refused.error).getCode()).isEqualTo(Status.Code.ABORTED);
        assertThat(refused.values).isEmpty();
    }

    private static final class CollectingObserver<T> implements io.grpc.stub.StreamObserver<T> {
        final java.util.List<T> values = new java.util.ArrayList<>();
        Throwable error;
        boolean completed;

        @Override
        public void onNext(T value) {
            values.add(value);
        }

        @Override
        public void onError(Throwable t) {
            error = t;
        }

        @Override
        public void onCompleted() {
            completed = true;
        }
    }
}
