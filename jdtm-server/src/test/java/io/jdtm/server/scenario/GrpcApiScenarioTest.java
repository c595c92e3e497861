package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Empty;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import io.jdtm.protocol.DtmJson;
import io.jdtm.protocol.grpc.dtmgimp.DtmBranchRequest;
import io.jdtm.protocol.grpc.dtmgimp.DtmGrpc;
import io.jdtm.protocol.grpc.dtmgimp.DtmProgress;
import io.jdtm.protocol.grpc.dtmgimp.DtmProgressesReply;
import io.jdtm.protocol.grpc.dtmgimp.DtmRequest;
import io.jdtm.protocol.grpc.dtmgimp.DtmTopicRequest;
import io.jdtm.protocol.grpc.dtmgimp.DtmTransOptions;
import io.jdtm.server.config.ServerConfig;
import io.jdtm.server.scenario.FakeRm.Reply;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * DTM's gRPC API (spec §8) over the wire: a grpc-java blocking stub, as DTM's generated stubs call it, against a real
 * server; branches are the fake HTTP RM (HTTP URLs inside a gRPC transaction are called over HTTP, spec §5), and
 * what was stored is read back through the HTTP API.
 */
class GrpcApiScenarioTest extends ScenarioBase {
    private static final String B = "/api/dtmsvr";
    /** Not UTF-8: a payload that went through a String on its way would come out changed. */
    private static final byte[] NOT_UTF8 = {(byte) 0xff, (byte) 0xfe, 0x00};
    private static final byte[] NOT_UTF8_2 = {0x00, (byte) 0xc3, 0x28, (byte) 0x80};
    private static final int MAX_BODY = 64 * 1024;

    private ManagedChannel channel;
    private DtmGrpc.DtmBlockingStub dtm;

    @Override
    protected ServerConfig config() {
        ServerConfig c = super.config();
        // a small message limit so the oversized-message case is cheap
        return c.with("MaxBodyBytes", MAX_BODY);
    }

    @BeforeEach
    void connect() {
        assertThat(server.grpcPort()).isPositive().isNotEqualTo(server.httpPort());
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        dtm = DtmGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    // ---------------------------------------------------------------- the operations

    @Test
    void newGidAnswersFreshGids() {
        String g1 = dtm.newGid(Empty.getDefaultInstance()).getGid();
        String g2 = dtm.newGid(Empty.getDefaultInstance()).getGid();
        assertThat(g1).hasSize(22).isNotEqualTo(g2);
    }

    @Test
    void sagaSubmittedOverGrpcCallsHttpBranchesWithTheExactBytes() {
        String gid = gid();
        dtm.submit(saga(gid).setTransOptions(DtmTransOptions.newBuilder().setWaitResult(true).setRetryInterval(15))
                .build());

        assertThat(rm.pathsFor(gid)).containsExactly("/TransOut", "/TransIn");
        assertThat(rm.calls("/TransOut").getFirst().rawBody()).isEqualTo(NOT_UTF8);
        assertThat(rm.calls("/TransIn").getFirst().rawBody()).isEqualTo(NOT_UTF8_2);
        assertThat(rm.calls("/TransOut").getFirst().query()).containsEntry("op", "action").containsEntry("gid", gid);
        JsonNode t = query(gid).path("transaction");
        assertThat(t.path("status").asText()).isEqualTo("succeed");
        assertThat(t.path("protocol").asText()).isEqualTo("grpc");
        assertThat(t.path("retry_interval").asLong()).isEqualTo(15);
        List<String> binData = new ArrayList<>();
        query(gid).path("branches").forEach(b -> binData.add(b.path("bin_data").asText()));
        Base64.Encoder b64 = Base64.getEncoder();
        assertThat(binData).containsExactly(b64.encodeToString(NOT_UTF8), b64.encodeToString(NOT_UTF8),
                b64.encodeToString(NOT_UTF8_2), b64.encodeToString(NOT_UTF8_2));
        assertThat(api.get("/api/metrics").body())
                .contains("dtm_server_process_total{api=\"submit\",status=\"ok\",type=\"grpc\"} 1.0")
                .contains("grpc_version=\"grpc-java-1.");
    }

    @Test
    void waitResultWithAFailingBranchIsAborted() {
        String gid = gid();
        rm.answer("/TransIn", Reply.FAILURE);
        StatusRuntimeException e = status(Status.Code.ABORTED,
                () -> dtm.submit(saga(gid).setTransOptions(DtmTransOptions.newBuilder().setWaitResult(true)).build()));
        assertThat(e.getStatus().getDescription()).endsWith("FAILURE");
        assertThat(status(gid)).isEqualTo("failed");
        assertThat(rm.pathsFor(gid)).containsExactly("/TransOut", "/TransIn", "/TransInRevert", "/TransOutRevert");
        assertThat(rm.calls("/TransOutRevert").getFirst().rawBody()).isEqualTo(NOT_UTF8);
        assertThat(api.get("/api/metrics").body())
                .contains("dtm_server_process_total{api=\"submit\",status=\"fail\",type=\"grpc\"} 1.0");
    }

    @Test
    void tccPrepareRegisterBranchSubmit() {
        String gid = gid();
        dtm.prepare(DtmRequest.newBuilder().setGid(gid).setTransType("tcc").build());
        dtm.registerBranch(tccBranch(gid, "01", "/TransOut").build());
        dtm.registerBranch(tccBranch(gid, "02", "/TransIn").setBusiPayload(ByteString.copyFrom(NOT_UTF8_2)).build());
        dtm.submit(DtmRequest.newBuilder().setGid(gid).setTransType("tcc")
                .setTransOptions(DtmTransOptions.newBuilder().setWaitResult(true)).build());

        assertThat(rm.pathsFor(gid)).containsExactly("/TransInConfirm", "/TransOutConfirm");
        assertThat(rm.calls("/TransOutConfirm").getFirst().rawBody()).isEqualTo(NOT_UTF8);
        assertThat(rm.calls("/TransInConfirm").getFirst().rawBody()).isEqualTo(NOT_UTF8_2);
        assertThat(rm.calls("/TransInConfirm").getFirst().query()).containsEntry("op", "confirm")
                .containsEntry("branch_id", "02");
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(query(gid).path("transaction").path("protocol").asText()).isEqualTo("grpc");
    }

    @Test
    void aRepeatedRegisterBranchMustBeIdenticalAndNeedsAPreparedGlobal() {
        String gid = gid();
        dtm.prepare(DtmRequest.newBuilder().setGid(gid).setTransType("tcc").build());
        dtm.registerBranch(tccBranch(gid, "01", "/TransOut").build());
        dtm.registerBranch(tccBranch(gid, "01", "/TransOut").build()); // identical: idempotent
        StatusRuntimeException dup = status(Status.Code.ABORTED,
                () -> dtm.registerBranch(tccBranch(gid, "01", "/TransIn").build()));
        assertThat(dup.getStatus().getDescription()).contains("branch 01 of " + gid + " is registered already");
        StatusRuntimeException none = status(Status.Code.ABORTED,
                () -> dtm.registerBranch(tccBranch("no-such-gid", "01", "/TransOut").build()));
        assertThat(none.getStatus().getDescription())
                .isEqualTo("no trans with gid: no-such-gid status: prepared found FAILURE");
        assertThat(query(gid).path("branches")).hasSize(2);
    }

    @Test
    void xaRegisterBranchTakesItsUrlFromData() {
        String gid = gid();
        dtm.prepare(DtmRequest.newBuilder().setGid(gid).setTransType("xa").build());
        dtm.registerBranch(DtmBranchRequest.newBuilder().setGid(gid).setTransType("xa").setBranchID("01")
                .putData("url", url("/TransOutXa")).build());
        dtm.submit(DtmRequest.newBuilder().setGid(gid).setTransType("xa")
                .setTransOptions(DtmTransOptions.newBuilder().setWaitResult(true)).build());
        assertThat(rm.calls("/TransOutXa")).singleElement().satisfies(c -> {
            assertThat(c.method()).isEqualTo("POST");
            assertThat(c.query()).containsEntry("op", "commit");
        });
    }

    @Test
    void msgPrepareThenSubmit() {
        String gid = gid();
        DtmRequest msg = DtmRequest.newBuilder().setGid(gid).setTransType("msg")
                .setSteps(steps(Map.of("action", url("/TransIn"))))
                .addBinPayloads(ByteString.copyFrom(NOT_UTF8))
                .setQueryPrepared(url("/QueryPrepared")).build();
        dtm.prepare(msg);
        dtm.prepare(msg); // idempotent while prepared
        assertThat(status(gid)).isEqualTo("prepared");
        assertThat(rm.pathsFor(gid)).isEmpty();

        dtm.submit(msg.toBuilder().setTransOptions(DtmTransOptions.newBuilder().setWaitResult(true)).build());
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(rm.calls("/TransIn")).singleElement()
                .satisfies(c -> assertThat(c.rawBody()).isEqualTo(NOT_UTF8));
        StatusRuntimeException again = status(Status.Code.ABORTED, () -> dtm.prepare(msg));
        assertThat(again.getStatus().getDescription()).isEqualTo("current status 'succeed', cannot prepare. FAILURE");
    }

    @Test
    void abortCancelsTheRegisteredBranches() {
        String gid = gid();
        dtm.prepare(DtmRequest.newBuilder().setGid(gid).setTransType("tcc").build());
        dtm.registerBranch(tccBranch(gid, "01", "/TransOut").build());
        dtm.abort(DtmRequest.newBuilder().setGid(gid).setTransType("tcc").setRollbackReason("user cancelled")
                .build());
        awaitStatus(gid, "failed");
        assertThat(rm.pathsFor(gid)).containsExactly("/TransOutCancel");
        assertThat(rm.calls("/TransOutCancel").getFirst().rawBody()).isEqualTo(NOT_UTF8);
        assertThat(query(gid).path("transaction").path("rollback_reason").asText()).isEqualTo("user cancelled");

        StatusRuntimeException missing = status(Status.Code.NOT_FOUND,
                () -> dtm.abort(DtmRequest.newBuilder().setGid("no-such-gid").setTransType("tcc").build()));
        assertThat(missing.getStatus().getDescription()).contains("no-such-gid");
        StatusRuntimeException saga = status(Status.Code.ABORTED,
                () -> dtm.abort(DtmRequest.newBuilder().setGid(gid).setTransType("tcc").build()));
        assertThat(saga.getStatus().getDescription()).endsWith("cannot abort. FAILURE");
    }

    @Test
    void prepareWorkflowReturnsTheRecordedProgress() {
        String gid = gid();
        DtmRequest wf = DtmRequest.newBuilder().setGid(gid).setTransType("workflow")
                .setQueryPrepared("localhost:1/workflow.Workflow/Execute")
                .setCustomedData("{\"name\":\"wf\",\"data\":null}").build();
        DtmProgressesReply first = dtm.prepareWorkflow(wf);
        assertThat(first.getTransaction().getGid()).isEqualTo(gid);
        assertThat(first.getTransaction().getStatus()).isEqualTo("prepared");
        assertThat(first.getProgressesList()).isEmpty();

        dtm.registerBranch(DtmBranchRequest.newBuilder().setGid(gid).setTransType("workflow").setBranchID("01")
                .putData("op", "action").putData("status", "succeed")
                .setBusiPayload(ByteString.copyFrom(NOT_UTF8)).build());
        DtmProgressesReply again = dtm.prepareWorkflow(wf);
        assertThat(again.getTransaction().getStatus()).isEqualTo("prepared");
        assertThat(again.getProgressesList()).singleElement().satisfies(p -> {
            assertThat(p.getStatus()).isEqualTo("succeed");
            assertThat(p.getBinData().toByteArray()).isEqualTo(NOT_UTF8);
            assertThat(p.getBranchID()).isEqualTo("01");
            assertThat(p.getOp()).isEqualTo("action");
        });

        String result = Base64.getEncoder().encodeToString("done".getBytes());
        dtm.submit(DtmRequest.newBuilder().setGid(gid).setTransType("workflow").putReqExtra("status", "succeed")
                .putReqExtra("result", result).build());
        assertThat(query(gid).path("transaction").path("result").asText()).isEqualTo(result);
        DtmProgressesReply done = dtm.prepareWorkflow(wf);
        assertThat(done.getTransaction().getStatus()).isEqualTo("succeed");
        assertThat(done.getTransaction().getResult()).as("DTM leaves Result empty over gRPC").isEmpty();
        assertThat(done.getProgressesList()).extracting(DtmProgress::getOp).containsExactly("action");
    }

    @Test
    void topicsSubscribeUnsubscribeDelete() {
        dtm.subscribe(topic("orders", url("/A")).setRemark("a").build());
        dtm.subscribe(topic("orders", url("/B")).build());
        JsonNode kv = api.get(B + "/queryKV?cat=topics&key=orders").json().path("kv");
        assertThat(kv).hasSize(1);
        assertThat(kv.get(0).path("v").asText()).contains(url("/A"), "\"remark\":\"a\"", url("/B"));
        StatusRuntimeException dup =
                status(Status.Code.ABORTED, () -> dtm.subscribe(topic("orders", url("/A")).build()));
        assertThat(dup.getStatus().getDescription()).isEqualTo("this url exists FAILURE");

        String gid = gid();
        dtm.submit(DtmRequest.newBuilder().setGid(gid).setTransType("msg")
                .setSteps(steps(Map.of("action", "topic://orders"))).addBinPayloads(ByteString.copyFrom(NOT_UTF8))
                .setTransOptions(DtmTransOptions.newBuilder().setWaitResult(true)).build());
        assertThat(rm.pathsFor(gid)).containsExactlyInAnyOrder("/A", "/B");

        dtm.unsubscribe(topic("orders", url("/A")).build());
        status(Status.Code.NOT_FOUND, () -> dtm.unsubscribe(topic("orders", url("/A")).build()));
        dtm.deleteTopic(topic("orders", "").build());
        assertThat(api.get(B + "/queryKV?cat=topics&key=orders").json().path("kv")).isEmpty();
        status(Status.Code.NOT_FOUND, () -> dtm.deleteTopic(topic("orders", "").build()));
        StatusRuntimeException empty =
                status(Status.Code.INVALID_ARGUMENT, () -> dtm.subscribe(topic("", url("/A")).build()));
        assertThat(empty.getStatus().getDescription()).contains("topic");
    }

    @Test
    void resubmitIsIdempotentUntilTheTransactionFinishes() {
        String gid = gid();
        rm.answer("/TransIn", Reply.ONGOING);
        DtmRequest saga = saga(gid).build();
        dtm.submit(saga);
        await().until(() -> rm.count("/TransIn") >= 1);
        dtm.submit(saga); // submitted: accepted again, drives the stored branches
        assertThat(status(gid)).isEqualTo("submitted");
        assertThat(query(gid).path("branches")).hasSize(4);
        StatusRuntimeException prepare = status(Status.Code.ABORTED, () -> dtm.prepare(saga));
        assertThat(prepare.getStatus().getDescription())
                .isEqualTo("current status 'submitted', cannot prepare. FAILURE");

        rm.answer("/TransIn", Reply.SUCCESS);
        dtm.submit(saga.toBuilder().setTransOptions(DtmTransOptions.newBuilder().setWaitResult(true)).build());
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(rm.count("/TransOut")).isEqualTo(1);
        StatusRuntimeException done = status(Status.Code.ABORTED, () -> dtm.submit(saga));
        assertThat(done.getStatus().getDescription()).isEqualTo("current status 'succeed', cannot sumbmit. FAILURE");
    }

    // ---------------------------------------------------------------- bad input

    @Test
    void badTransactionsAreRefusedNamingTheFieldAndNothingIsStored() {
        badRequest("gid is required", () -> dtm.submit(saga("").build()));
        badRequest("gid is 129 characters long; at most 128 allowed", () -> dtm.submit(saga("g".repeat(129)).build()));
        badRequest("trans_type is required", () -> dtm.submit(saga(gid()).setTransType("").build()));
        badRequest("unknown trans_type 'sagas'", () -> dtm.submit(saga(gid()).setTransType("sagas").build()));
        badRequest("unknown trans_type 'sagas'", () -> dtm.prepare(saga(gid()).setTransType("sagas").build()));
        badRequest("steps has 2 items but payloads has only 1",
                () -> dtm.submit(saga(gid()).clearBinPayloads().addBinPayloads(ByteString.copyFrom(NOT_UTF8)).build()));
        badRequest("steps has 2 items but payloads has only 0", () -> dtm.prepare(DtmRequest.newBuilder()
                .setGid(gid()).setTransType("msg").setSteps(steps(Map.of("action", url("/A")),
                        Map.of("action", url("/B")))).build()));
        badRequest("Steps is not valid JSON", () -> dtm.submit(saga(gid()).setSteps("[{\"action\":").build()));
        badRequest("Steps must be a JSON array", () -> dtm.submit(saga(gid()).setSteps("{\"action\":\"x\"}").build()));
        badRequest("Steps[0].action must be a string, got a JSON number",
                () -> dtm.submit(saga(gid()).setSteps("[{\"action\":1}]").build()));
        badRequest("must not be negative", () -> dtm.submit(saga(gid())
                .setTransOptions(DtmTransOptions.newBuilder().setTimeoutToFail(-1)).build()));
        badRequest("orders", () -> dtm.submit(saga(gid())
                .setCustomedData("{\"concurrent\":true,\"orders\":{\"7\":[0]}}").build()));
        badRequest("gid is required",
                () -> dtm.prepareWorkflow(DtmRequest.newBuilder().setTransType("workflow").build()));
        badRequest("workflow submit needs req_extra.status", () -> dtm.submit(DtmRequest.newBuilder().setGid(gid())
                .setTransType("workflow").build()));
        badRequest("gid is required", () -> dtm.abort(DtmRequest.newBuilder().setTransType("tcc").build()));

        StatusRuntimeException big = status(Status.Code.RESOURCE_EXHAUSTED, () -> dtm.submit(saga(gid())
                .setBinPayloads(0, ByteString.copyFrom(new byte[MAX_BODY + 1])).build()));
        assertThat(big.getStatus().getDescription()).startsWith("request message is ")
                .endsWith("bytes, larger than the configured MaxBodyBytes (" + MAX_BODY + ")");

        assertNothingStoredAndServerUp();
        assertThat(rm.calls()).isEmpty();
        assertThat(api.get("/api/metrics").body())
                .contains("dtm_server_process_total{api=\"submit\",status=\"fail\",type=\"grpc\"}");
    }

    @Test
    void badBranchesAreRefusedNamingTheField() {
        String gid = gid();
        dtm.prepare(DtmRequest.newBuilder().setGid(gid).setTransType("tcc").build());
        badRequest("gid is required", () -> dtm.registerBranch(tccBranch("", "01", "/A").build()));
        badRequest("registerBranch needs a branch_id", () -> dtm.registerBranch(tccBranch(gid, "", "/A").build()));
        badRequest("unknow trans type: saga", () -> dtm.registerBranch(tccBranch(gid, "01", "/A")
                .setTransType("saga").build()));
        badRequest("registerBranch of a workflow needs an op", () -> dtm.registerBranch(DtmBranchRequest.newBuilder()
                .setGid(gid).setTransType("workflow").setBranchID("01").putData("status", "succeed").build()));
        badRequest("registerBranch of a workflow: ", () -> dtm.registerBranch(DtmBranchRequest.newBuilder()
                .setGid(gid).setTransType("workflow").setBranchID("01").putData("op", "action")
                .putData("status", "done").build()));
        status(Status.Code.RESOURCE_EXHAUSTED, () -> dtm.registerBranch(tccBranch(gid, "01", "/A")
                .setBusiPayload(ByteString.copyFrom(new byte[MAX_BODY])).build()));
        assertThat(query(gid).path("branches")).isEmpty();
        assertThat(dtm.newGid(Empty.getDefaultInstance()).getGid()).isNotEmpty();
    }

    @Test
    void messagesOverTheTransportLimitAreRefusedUnread() {
        StatusRuntimeException e = status(Status.Code.RESOURCE_EXHAUSTED, () -> dtm.submit(saga(gid())
                .setBinPayloads(0, ByteString.copyFrom(new byte[64 * 1024 * 1024])).build()));
        assertThat(e.getStatus().getDescription()).contains("exceeds maximum size 67108864");
        assertNothingStoredAndServerUp();
    }

    // ---------------------------------------------------------------- reflection and health

    @Test
    void reflectionListsTheDtmService() throws Exception {
        ServerReflectionResponse list = reflect(ServerReflectionRequest.newBuilder().setListServices("").build());
        Set<String> services = new HashSet<>();
        for (ServiceResponse s : list.getListServicesResponse().getServiceList()) {
            services.add(s.getName());
        }
        assertThat(services).contains("dtmgimp.Dtm", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection");

        ServerReflectionResponse file = reflect(ServerReflectionRequest.newBuilder()
                .setFileContainingSymbol("dtmgimp.Dtm").build());
        FileDescriptorProto proto = FileDescriptorProto.parseFrom(
                file.getFileDescriptorResponse().getFileDescriptorProto(0));
        assertThat(proto.getPackage()).isEqualTo("dtmgimp");
        assertThat(proto.getService(0).getMethodList()).extracting(m -> m.getName())
                .containsExactly("NewGid", "Submit", "Prepare", "Abort", "RegisterBranch", "PrepareWorkflow",
                        "Subscribe", "Unsubscribe", "DeleteTopic");
    }

    @Test
    @SuppressWarnings("deprecation")
    void olderReflectionClientsAreServedToo() throws Exception {
        var stub = io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(channel);
        CompletableFuture<io.grpc.reflection.v1alpha.ServerReflectionResponse> answer = new CompletableFuture<>();
        StreamObserver<io.grpc.reflection.v1alpha.ServerReflectionRequest> requests =
                stub.serverReflectionInfo(collect(answer));
        requests.onNext(io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder().setListServices("").build());
        requests.onCompleted();
        assertThat(answer.get(20, TimeUnit.SECONDS).getListServicesResponse().getServiceList())
                .extracting(s -> s.getName()).contains("dtmgimp.Dtm");
    }

    @Test
    void healthAnswersServing() {
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
        assertThat(health.check(HealthCheckRequest.newBuilder().setService("").build()).getStatus())
                .isEqualTo(ServingStatus.SERVING);
        assertThat(health.check(HealthCheckRequest.newBuilder().setService("dtmgimp.Dtm").build()).getStatus())
                .isEqualTo(ServingStatus.SERVING);
    }

    // ---------------------------------------------------------------- helpers

    /** The two-step transfer saga with payloads that are not UTF-8. */
    private DtmRequest.Builder saga(String gid) {
        return DtmRequest.newBuilder().setGid(gid).setTransType("saga")
                .setSteps(steps(Map.of("action", url("/TransOut"), "compensate", url("/TransOutRevert")),
                        Map.of("action", url("/TransIn"), "compensate", url("/TransInRevert"))))
                .addBinPayloads(ByteString.copyFrom(NOT_UTF8))
                .addBinPayloads(ByteString.copyFrom(NOT_UTF8_2));
    }

    @SafeVarargs
    private static String steps(Map<String, String>... steps) {
        List<Map<String, String>> l = new ArrayList<>();
        for (Map<String, String> s : steps) {
            l.add(new LinkedHashMap<>(s));
        }
        return DtmJson.write(l);
    }

    private DtmBranchRequest.Builder tccBranch(String gid, String branchId, String name) {
        return DtmBranchRequest.newBuilder().setGid(gid).setTransType("tcc").setBranchID(branchId)
                .putData("confirm", url(name + "Confirm")).putData("cancel", url(name + "Cancel"))
                .setBusiPayload(ByteString.copyFrom(NOT_UTF8));
    }

    private static DtmTopicRequest.Builder topic(String topic, String url) {
        return DtmTopicRequest.newBuilder().setTopic(topic).setURL(url);
    }

    /** The call fails with {@code code}; its message is for people: no stack trace, no Java class name. */
    private static StatusRuntimeException status(Status.Code code, ThrowingCallable call) {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call);
        assertThat(e).as("the call should have failed with " + code).isNotNull();
        assertThat(e.getStatus().getCode()).as(String.valueOf(e.getStatus().getDescription())).isEqualTo(code);
        assertThat(e.getStatus().getDescription()).isNotBlank()
                .doesNotContain("Exception", "java.", "io.jdtm", "\tat ");
        return e;
    }

    private static void badRequest(String message, ThrowingCallable call) {
        assertThat(status(Status.Code.INVALID_ARGUMENT, call).getStatus().getDescription()).contains(message);
    }

    private void assertNothingStoredAndServerUp() {
        assertThat(api.get(B + "/all").json().path("transactions").isNull()).as("no transaction stored").isTrue();
        assertThat(dtm.newGid(Empty.getDefaultInstance()).getGid()).isNotEmpty();
        assertThat(api.get("/api/ping").status()).isEqualTo(200);
    }

    private ServerReflectionResponse reflect(ServerReflectionRequest request) throws Exception {
        CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests =
                ServerReflectionGrpc.newStub(channel).serverReflectionInfo(collect(answer));
        requests.onNext(request);
        requests.onCompleted();
        return answer.get(20, TimeUnit.SECONDS);
    }

    private static <T> StreamObserver<T> collect(CompletableFuture<T> first) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                first.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                first.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                first.completeExceptionally(new AssertionError("the stream ended without an answer"));
            }
        };
    }
}
