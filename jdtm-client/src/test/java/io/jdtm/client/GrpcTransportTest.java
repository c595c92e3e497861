package io.jdtm.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import io.grpc.Status;
import io.jdtm.client.testing.FakeDtmServer;
import io.jdtm.client.testing.grpc.BusiReply;
import io.jdtm.client.testing.grpc.BusiReq;
import io.jdtm.protocol.grpc.dtmgimp.DtmBranchRequest;
import io.jdtm.protocol.grpc.dtmgimp.DtmProgress;
import io.jdtm.protocol.grpc.dtmgimp.DtmProgressesReply;
import io.jdtm.protocol.grpc.dtmgimp.DtmRequest;
import io.jdtm.protocol.grpc.dtmgimp.DtmTransOptions;
import io.jdtm.protocol.grpc.dtmgimp.DtmTransaction;
import io.jdtm.server.scenario.FakeGrpcRm;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The SDK over gRPC against a fake TM ({@code dtmgimp.Dtm}) that records every request: each operation sends exactly
 * the {@code DtmRequest}/{@code DtmBranchRequest} DTM's Go client sends (spec §4.3, §8), the AP's own branch calls
 * carry DTM's metadata (spec §5.2, §12.8), statuses map to the SDK's exceptions by spec §2.3, and every call has a
 * deadline.
 */
class GrpcTransportTest {
    private static final BusiReq REQ = BusiReq.newBuilder().setAmount(30).build();

    private final FakeDtmServer tm = new FakeDtmServer();
    private final FakeGrpcRm rm = FakeGrpcRm.start();
    private final DtmClient dtm = DtmClient.builder().grpcTarget(tm.target()).build();

    @AfterEach
    void close() {
        dtm.close();
        rm.close();
        tm.close();
    }

    private String busi(String method) {
        return rm.url("busi.Busi/" + method);
    }

    private static String steps(String... actionCompensate) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < actionCompensate.length; i += 2) {
            sb.append(i == 0 ? "" : ",").append("{\"action\":\"").append(actionCompensate[i]).append('"');
            if (actionCompensate[i + 1] != null) {
                sb.append(",\"compensate\":\"").append(actionCompensate[i + 1]).append('"');
            }
            sb.append('}');
        }
        return sb.append(']').toString();
    }

    @Test
    void newGidAsksTheTmOverGrpc() {
        assertThat(dtm.newGid()).isEqualTo(FakeDtmServer.GID);
        assertThat(tm.rpcs()).containsExactly("NewGid");
        assertThat(dtm.serverUrl()).isEqualTo(tm.target());
        assertThat(dtm.protocol()).isEqualTo("grpc");
    }

    @Test
    void sagaSubmitIsTheDtmRequestOfDtmsGoClient() {
        dtm.saga("g1")
                .add(busi("TransOut"), busi("TransOutRevert"), REQ)
                .add(busi("TransIn"), busi("TransInRevert"), REQ)
                .submit();
        DtmRequest expected = DtmRequest.newBuilder()
                .setGid("g1")
                .setTransType("saga")
                .setTransOptions(DtmTransOptions.getDefaultInstance())
                .setSteps(steps(busi("TransOut"), busi("TransOutRevert"), busi("TransIn"), busi("TransInRevert")))
                .addBinPayloads(REQ.toByteString())
                .addBinPayloads(REQ.toByteString())
                .build();
        assertThat(tm.last("Submit", DtmRequest.class)).isEqualTo(expected);
        assertThat(tm.rpcs()).containsExactly("Submit");
    }

    @Test
    void sagaOptionsTravelInTransOptionsAndCustomedData() {
        dtm.saga("g2")
                .add(busi("TransOut"), "", REQ)
                .add(busi("TransIn"), busi("TransInRevert"), REQ)
                .concurrent().addBranchOrder(1, 0)
                .waitResult(true)
                .timeoutToFail(Duration.ofSeconds(60))
                .retryInterval(Duration.ofSeconds(15))
                .requestTimeout(Duration.ofSeconds(5))
                .retryLimit(2)
                .branchHeader("X-Trace", "t1")
                .submit();
        DtmRequest r = tm.last("Submit", DtmRequest.class);
        assertThat(r.getTransOptions()).isEqualTo(DtmTransOptions.newBuilder()
                .setWaitResult(true).setTimeoutToFail(60).setRetryInterval(15).setRequestTimeout(5).setRetryLimit(2)
                .putBranchHeaders("X-Trace", "t1").build());
        assertThat(r.getCustomedData()).isEqualTo("{\"concurrent\":true,\"orders\":{\"1\":[0]}}");
        assertThat(r.getSteps()).isEqualTo(steps(busi("TransOut"), "", busi("TransIn"), busi("TransInRevert")));
    }

    @Test
    void jsonPayloadsOfHttpBranchesTravelAsTheirUtf8Bytes() {
        dtm.saga("g3").add("http://svc/api/TransOut", "http://svc/api/TransOutRevert", Map.of("amount", 30))
                .addRaw(busi("TransIn"), "", "").submit();
        DtmRequest r = tm.last("Submit", DtmRequest.class);
        assertThat(r.getBinPayloadsList()).containsExactly(ByteString.copyFromUtf8("{\"amount\":30}"),
                ByteString.EMPTY);
    }

    @Test
    void msgPrepareThenSubmitWithDelay() {
        Msg m = dtm.msg("m1").add(busi("TransIn"), REQ).addBinary(busi("TransOut"), REQ.toByteArray())
                .delay(Duration.ofSeconds(10));
        Msg prepared = m.prepare(busi("QueryPrepared"));
        prepared.submit();
        DtmRequest prepare = tm.last("Prepare", DtmRequest.class);
        assertThat(prepare).isEqualTo(DtmRequest.newBuilder()
                .setGid("m1").setTransType("msg").setTransOptions(DtmTransOptions.getDefaultInstance())
                .setSteps(steps(busi("TransIn"), null, busi("TransOut"), null))
                .addBinPayloads(REQ.toByteString()).addBinPayloads(REQ.toByteString())
                .setQueryPrepared(busi("QueryPrepared"))
                .build());
        assertThat(tm.last("Submit", DtmRequest.class)).isEqualTo(prepare.toBuilder()
                .setCustomedData("{\"delay\":10}").build());
    }

    @Test
    void msgDoAndSubmitAsksItsGrpcQueryPreparedWhenTheBusinessFailedUnexpectedly() {
        Msg m = dtm.msg("m2").add(busi("TransIn"), REQ);
        assertThatThrownBy(() -> m.doAndSubmit(busi("QueryPrepared"), bb -> {
            throw new IllegalStateException("connection reset while committing");
        })).isInstanceOf(IllegalStateException.class);
        FakeGrpcRm.Call q = rm.calls("busi.Busi/QueryPrepared").get(0);
        assertThat(q.metadata()).containsEntry("dtm-gid", "m2").containsEntry("dtm-trans_type", "msg")
                .containsEntry("dtm-branch_id", "00").containsEntry("dtm-op", "msg")
                .containsEntry("dtm-dtm", tm.target());
        assertThat(q.request()).isEmpty();
        assertThat(tm.rpcs()).containsExactly("Prepare", "Submit"); // QueryPrepared said committed

        rm.answer("busi.Busi/QueryPrepared", FakeGrpcRm.Reply.FAILURE);
        Msg m3 = dtm.msg("m3").add(busi("TransIn"), REQ);
        assertThatThrownBy(() -> m3.doAndSubmit(busi("QueryPrepared"), bb -> {
            throw new IllegalStateException("timeout");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(tm.rpcs()).containsExactly("Prepare", "Submit", "Prepare", "Abort");
        assertThat(tm.last("Abort", DtmRequest.class).getSteps()).isEqualTo("null");
    }

    @Test
    void tccRegistersOverGrpcAndCallsTheTryWithDtmMetadata() {
        dtm.tcc("t1", tcc -> {
            BusiReply r = tcc.callBranch(REQ, busi("TransOutTry"), busi("TransOutConfirm"), busi("TransOutCancel"),
                    BusiReply.getDefaultInstance());
            assertThat(r).isEqualTo(BusiReply.getDefaultInstance());
        });
        assertThat(tm.rpcs()).containsExactly("Prepare", "RegisterBranch", "Submit");
        DtmRequest simple = DtmRequest.newBuilder().setGid("t1").setTransType("tcc")
                .setTransOptions(DtmTransOptions.getDefaultInstance()).setSteps("null").build();
        assertThat(tm.last("Prepare", DtmRequest.class)).isEqualTo(simple);
        assertThat(tm.last("Submit", DtmRequest.class)).isEqualTo(simple);
        assertThat(tm.last("RegisterBranch", DtmBranchRequest.class)).isEqualTo(DtmBranchRequest.newBuilder()
                .setGid("t1").setTransType("tcc").setBranchID("01")
                .putData("confirm", busi("TransOutConfirm")).putData("cancel", busi("TransOutCancel"))
                .setBusiPayload(REQ.toByteString())
                .build());
        FakeGrpcRm.Call t = rm.calls("busi.Busi/TransOutTry").get(0);
        assertThat(t.metadata()).containsEntry("dtm-gid", "t1").containsEntry("dtm-trans_type", "tcc")
                .containsEntry("dtm-branch_id", "01").containsEntry("dtm-op", "try")
                .containsEntry("dtm-dtm", tm.target());
        assertThat(t.request()).isEqualTo(REQ.toByteArray());
    }

    @Test
    void tccAbortsWithTheRefusingTrysMessage() {
        rm.answer("busi.Busi/TransInTry", FakeGrpcRm.Reply.FAILURE);
        assertThatThrownBy(() -> dtm.tcc("t2", tcc -> {
            tcc.callBranch(REQ, busi("TransOutTry"), busi("TransOutConfirm"), busi("TransOutCancel"),
                    Empty.getDefaultInstance());
            tcc.callBranch(REQ, busi("TransInTry"), busi("TransInConfirm"), busi("TransInCancel"),
                    Empty.getDefaultInstance());
        })).isInstanceOf(DtmFailureException.class).hasMessageContaining("Insufficient balance")
                .satisfies(e -> assertThat(((DtmException) e).gid()).contains("t2"));
        assertThat(tm.rpcs()).containsExactly("Prepare", "RegisterBranch", "RegisterBranch", "Abort");
        assertThat(tm.last("Abort", DtmRequest.class).getRollbackReason()).contains("Insufficient balance");
        assertThat(tm.last("RegisterBranch", DtmBranchRequest.class).getBranchID()).isEqualTo("02");
    }

    @Test
    void xaCallsTheBranchWithItsPhase2Url() {
        dtm.xa("x1", xa -> xa.callBranch(REQ, busi("TransOutXa"), Empty.getDefaultInstance()));
        assertThat(tm.rpcs()).containsExactly("Prepare", "Submit");
        FakeGrpcRm.Call c = rm.calls("busi.Busi/TransOutXa").get(0);
        assertThat(c.metadata()).containsEntry("dtm-gid", "x1").containsEntry("dtm-trans_type", "xa")
                .containsEntry("dtm-branch_id", "01").containsEntry("dtm-op", "action")
                .containsEntry("dtm-dtm", tm.target()).containsEntry("dtm-phase2_url", busi("TransOutXa"));
        assertThat(c.request()).isEqualTo(REQ.toByteArray());
    }

    @Test
    void workflowOverGrpcPreparesRecordsAndSubmitsAsDtmsGrpcWorkflow() {
        Workflows workflows = dtm.workflows("127.0.0.1:5555");
        assertThat(workflows.callbackUrl()).isEqualTo("127.0.0.1:5555/workflow.Workflow/Execute");
        workflows.register("transfer", (wf, input) -> {
            wf.newBranch().onRollback(bb -> wf.grpc(busi("TransOutRevert"), REQ, Empty.getDefaultInstance()));
            wf.grpc(busi("TransOut"), REQ, Empty.getDefaultInstance());
            return "ok".getBytes(UTF_8);
        });
        assertThat(workflows.execute("transfer", "w1", "in".getBytes(UTF_8))).isEqualTo("ok".getBytes(UTF_8));

        assertThat(tm.rpcs()).containsExactly("PrepareWorkflow", "RegisterBranch", "Submit");
        assertThat(tm.last("PrepareWorkflow", DtmRequest.class)).isEqualTo(DtmRequest.newBuilder()
                .setGid("w1").setTransType("workflow").setTransOptions(DtmTransOptions.getDefaultInstance())
                .setQueryPrepared("127.0.0.1:5555/workflow.Workflow/Execute")
                .setCustomedData("{\"data\":\"" + Base64.getEncoder().encodeToString("in".getBytes(UTF_8))
                        + "\",\"name\":\"transfer\"}")
                .setSteps("null")
                .build());
        assertThat(tm.last("RegisterBranch", DtmBranchRequest.class)).isEqualTo(DtmBranchRequest.newBuilder()
                .setGid("w1").setTransType("workflow").setBranchID("01")
                .putData("op", "action").putData("status", "succeed")
                .setBusiPayload(Empty.getDefaultInstance().toByteString())
                .build());
        assertThat(tm.last("Submit", DtmRequest.class).getReqExtraMap()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "status", "succeed", "rollback_reason", "", "result",
                Base64.getEncoder().encodeToString("ok".getBytes(UTF_8))));
        FakeGrpcRm.Call c = rm.calls("busi.Busi/TransOut").get(0);
        assertThat(c.metadata()).containsEntry("dtm-gid", "w1").containsEntry("dtm-trans_type", "workflow")
                .containsEntry("dtm-branch_id", "01").containsEntry("dtm-op", "action")
                .containsEntry("dtm-dtm", tm.target());
    }

    @Test
    void workflowReplaysARecordedGrpcReplyWithoutCallingAgain() {
        BusiReply recorded = BusiReply.newBuilder().setMessage("recorded").build();
        tm.progresses(DtmProgressesReply.newBuilder()
                .setTransaction(DtmTransaction.newBuilder().setGid("w2").setStatus("prepared"))
                .addProgresses(DtmProgress.newBuilder().setStatus("succeed").setBinData(recorded.toByteString())
                        .setBranchID("01").setOp("action"))
                .build());
        Workflows workflows = dtm.workflows("127.0.0.1:5555");
        workflows.register("replay", (wf, input) -> {
            BusiReply r = wf.newBranch().grpc(busi("TransOutTry"), REQ, BusiReply.getDefaultInstance());
            return r.getMessage().getBytes(UTF_8);
        });
        assertThat(workflows.execute("replay", "w2", "")).isEqualTo("recorded");
        assertThat(rm.calls()).isEmpty();
        assertThat(tm.rpcs()).containsExactly("PrepareWorkflow", "Submit");
    }

    @Test
    void aFinishedWorkflowOverGrpcReturnsAnEmptyResultWithoutAnHttpAddress() {
        tm.progresses(DtmProgressesReply.newBuilder()
                .setTransaction(DtmTransaction.newBuilder().setGid("w3").setStatus("succeed")).build());
        Workflows workflows = dtm.workflows("127.0.0.1:5555");
        workflows.register("done", (wf, input) -> {
            throw new AssertionError("a finished workflow must not run");
        });
        assertThat(workflows.execute("done", "w3", "x")).isEmpty(); // DTM's gRPC reply has no Result (spec §7.2)
        assertThat(tm.rpcs()).containsExactly("PrepareWorkflow");
    }

    @Test
    void queryIsNotPartOfDtmsGrpcApi() {
        assertThatThrownBy(() -> dtm.query("g")).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("serverUrl");
        assertThat(tm.rpcs()).isEmpty();
    }

    static Stream<Arguments> statuses() {
        return Stream.of(
                Arguments.of(Status.ABORTED.withDescription("Insufficient balance FAILURE"), DtmFailureException.class),
                Arguments.of(Status.ABORTED.withDescription("ONGOING"), DtmOngoingException.class),
                Arguments.of(Status.FAILED_PRECONDITION.withDescription("ONGOING"), DtmOngoingException.class),
                Arguments.of(Status.UNAVAILABLE.withDescription("store down"), DtmUnknownException.class),
                Arguments.of(Status.INTERNAL.withDescription("panic"), DtmUnknownException.class),
                Arguments.of(Status.UNKNOWN.withDescription("storage error"), DtmUnknownException.class),
                Arguments.of(Status.INVALID_ARGUMENT.withDescription("Steps is not valid JSON"),
                        DtmUnknownException.class));
    }

    @ParameterizedTest
    @MethodSource("statuses")
    void everyRpcMapsItsStatusBySpec23AndCarriesTheGid(Status status, Class<? extends DtmException> expected) {
        Map<String, Consumer<String>> ops = Map.of(
                "Submit", gid -> dtm.saga(gid).add(busi("TransOut"), "", REQ).submit(),
                "Prepare", gid -> dtm.msg(gid).add(busi("TransIn"), REQ).prepare(busi("QueryPrepared")),
                "Abort", gid -> dtm.tcc(gid, tcc -> {
                    throw new DtmFailureException("refused");
                }),
                "RegisterBranch", gid -> dtm.tcc(gid, tcc -> tcc.callBranch(REQ, busi("TransOutTry"),
                        busi("TransOutConfirm"), busi("TransOutCancel"), Empty.getDefaultInstance())),
                "PrepareWorkflow", gid -> {
                    Workflows w = dtm.workflows("127.0.0.1:5555");
                    w.register("wf", (wf, in) -> in);
                    w.execute("wf", gid, "x");
                });
        ops.forEach((rpc, op) -> {
            tm.script(rpc, status);
            String gid = "gid-" + rpc;
            assertThatThrownBy(() -> op.accept(gid)).as(rpc)
                    .satisfies(e -> {
                        // the body's own FAILURE comes first for Abort: the TM's answer is attached to it
                        DtmException d = rpc.equals("Abort") ? (DtmException) e.getSuppressed()[0] : (DtmException) e;
                        assertThat(d).as(rpc).isInstanceOf(expected);
                        assertThat(d.gid()).as(rpc).contains(gid);
                        assertThat(d.getMessage()).as(rpc).contains(rpc).contains(status.getDescription());
                    });
        });
        tm.script("NewGid", status);
        assertThatThrownBy(dtm::newGid).isInstanceOf(expected).hasMessageContaining("NewGid");
    }

    @Test
    void aWaitResultFailureWithoutQueryIsTakenFromTheTmsMessage() {
        Saga saga = dtm.saga("g4").add(busi("TransOut"), busi("TransOutRevert"), REQ).waitResult(true);
        tm.script("Submit", Status.ABORTED.withDescription("wait result not return success: FAILURE"));
        assertThatThrownBy(saga::submit).isInstanceOf(DtmOngoingException.class)
                .hasMessageContaining("not finished");
        tm.script("Submit", Status.ABORTED.withDescription("Insufficient balance FAILURE"));
        assertThatThrownBy(saga::submit).isInstanceOf(DtmFailureException.class)
                .hasMessageContaining("Insufficient balance");
    }

    @Test
    void anUnreachableTmIsAnUnknownOutcome() {
        try (DtmClient down = DtmClient.builder().grpcTarget("127.0.0.1:1")
                .requestTimeout(Duration.ofSeconds(2)).build()) {
            assertThatThrownBy(() -> down.saga("g5").add(busi("TransOut"), "", REQ).submit())
                    .isInstanceOf(DtmUnknownException.class).hasMessageContaining("UNAVAILABLE")
                    .satisfies(e -> assertThat(((DtmException) e).isRetryable()).isTrue());
        }
    }

    @Test
    void everyCallHasTheRequestTimeoutAsDeadline() {
        try (DtmClient c = DtmClient.builder().grpcTarget(tm.target()).requestTimeout(Duration.ofSeconds(3)).build()) {
            c.newGid();
            c.saga("g6").add(busi("TransOut"), "", REQ).requestTimeout(Duration.ofSeconds(7)).submit();
            c.tcc("g7", tcc -> tcc.callBranch(REQ, busi("TransOutTry"), busi("TransOutConfirm"),
                    busi("TransOutCancel"), Empty.getDefaultInstance()));
        }
        List<FakeDtmServer.Received> r = tm.received();
        assertThat(r).extracting(FakeDtmServer.Received::rpc)
                .containsExactly("NewGid", "Submit", "Prepare", "RegisterBranch", "Submit");
        assertThat(r.get(0).deadline()).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(3));  // client default
        assertThat(r.get(1).deadline()).isBetween(Duration.ofSeconds(6), Duration.ofSeconds(7));  // the saga's own
        assertThat(r.get(3).deadline()).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(3));
    }

    @Test
    void aTmSlowerThanTheDeadlineIsAnUnknownOutcomeInTime() {
        tm.delay("Submit", Duration.ofSeconds(3));
        Instant start = Instant.now();
        assertThatThrownBy(() -> dtm.saga("g8").add(busi("TransOut"), "", REQ).requestTimeout(Duration.ofSeconds(1))
                .submit()).isInstanceOf(DtmUnknownException.class).hasMessageContaining("DEADLINE_EXCEEDED");
        assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofMillis(2500));
    }

    @Test
    void grpcBranchesNeedTheGrpcTransportAndSayHow() {
        try (DtmClient http = DtmClient.builder().serverUrl("http://127.0.0.1:1/api/dtmsvr").build()) {
            assertThatThrownBy(() -> http.saga("g").add(busi("TransOut"), "", Map.of("amount", 30)).submit())
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("grpcTarget");
            assertThatThrownBy(() -> http.saga("g").add("http://svc/a", "", REQ).submit())
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("protobuf");
            assertThatThrownBy(() -> http.msg("g").add("http://svc/a", Map.of()).prepare(busi("QueryPrepared")))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("QueryPrepared");
            Tcc tcc = http.tccFromQuery(Map.of("dtm", "http://127.0.0.1:1/api/dtmsvr", "gid", "g"));
            assertThatThrownBy(() -> tcc.callBranch(REQ, busi("TransOutTry"), busi("TransOutConfirm"),
                    busi("TransOutCancel"), Empty.getDefaultInstance()))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("grpcTarget");
            assertThatThrownBy(() -> tcc.callBranch(REQ, "http://a", "http://b", "http://c"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ReplyType");
        }
        assertThatThrownBy(() -> DtmClient.builder().grpcTarget("http://localhost:36790"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host:port");
        assertThatThrownBy(() -> DtmClient.builder().grpcTarget("localhost:36790").transport(new Unused()).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not both");
        assertThatThrownBy(() -> dtm.workflows("http://app/resume")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host:port");
    }

    @Test
    void aNestedTccInsideAGrpcRmRegistersOverGrpcAtTheDtmAddressItWasGiven() {
        Tcc nested = dtm.tccFromQuery(Map.of("dtm", tm.target(), "gid", "t3", "branch_id", "02"));
        nested.callBranch(REQ, busi("TransInTry"), busi("TransInConfirm"), busi("TransInCancel"),
                Empty.getDefaultInstance());
        assertThat(tm.last("RegisterBranch", DtmBranchRequest.class).getBranchID()).isEqualTo("0201");
        assertThat(rm.calls("busi.Busi/TransInTry").get(0).branchId()).isEqualTo("0201");
    }

    /** A transport that is never called. */
    private static final class Unused implements Transport {
        @Override
        public String serverAddress() {
            return "unused";
        }

        @Override
        public String newGid() {
            throw new AssertionError();
        }

        @Override
        public void prepare(io.jdtm.protocol.TransRequest r, List<byte[]> b) {
            throw new AssertionError();
        }

        @Override
        public void submit(io.jdtm.protocol.TransRequest r, List<byte[]> b) {
            throw new AssertionError();
        }

        @Override
        public void abort(io.jdtm.protocol.TransRequest r) {
            throw new AssertionError();
        }

        @Override
        public void registerBranch(Map<String, String> branch, byte[] data) {
            throw new AssertionError();
        }

        @Override
        public com.fasterxml.jackson.databind.JsonNode prepareWorkflow(io.jdtm.protocol.TransRequest r) {
            throw new AssertionError();
        }

        @Override
        public com.fasterxml.jackson.databind.JsonNode query(String gid) {
            throw new AssertionError();
        }
    }
}
