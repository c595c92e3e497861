package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import io.jdtm.protocol.grpc.workflow.WorkflowData;
import io.jdtm.server.scenario.FakeGrpcRm.Reply;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Msg, TCC, XA and the workflow callback with gRPC branches (spec §5.2, §6.8–6.11, §7.3). */
class GrpcModesScenarioTest extends GrpcScenarioBase {

    // ---------------------------------------------------------------- msg

    private Map<String, Object> grpcMsg(String gid, String... actions) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gid", gid);
        m.put("trans_type", "msg");
        m.put("protocol", "grpc");
        m.put("steps", Arrays.stream(actions).map(a -> Map.of("action", a.contains("/") ? a : g(a))).toList());
        m.put("payloads", Arrays.stream(actions).map(a -> "{\"amount\":30}").toList());
        m.put("query_prepared", g("QueryPrepared"));
        return m;
    }

    @Test
    void preparedMsgAsksQueryPreparedOverGrpcThenRunsItsBranches() {
        String gid = gid();
        assertThat(prepare(grpcMsg(gid, "TransOut", "TransIn")).status()).isEqualTo(200);
        clock.advance(Duration.ofSeconds(60)); // past the 35 s default timeout
        assertThat(cron()).isEqualTo(1);
        assertThat(status(gid)).isEqualTo("succeed");
        FakeGrpcRm.Call q = grpcRm.calls(m("QueryPrepared")).getFirst();
        assertThat(q.request()).isEmpty();
        assertThat(q.metadata()).containsEntry("dtm-gid", gid).containsEntry("dtm-trans_type", "msg")
                .containsEntry("dtm-branch_id", "00").containsEntry("dtm-op", "msg");
        assertThat(grpcRm.methodsFor(gid)).containsExactly(m("QueryPrepared"), m("TransOut"), m("TransIn"));
        assertThat(grpcRm.calls(m("TransIn")).getFirst().body()).isEqualTo("{\"amount\":30}");
    }

    @Test
    void queryPreparedAbortedFailsTheMsg() {
        String gid = gid();
        grpcRm.answer(m("QueryPrepared"), Reply.FAILURE);
        prepare(grpcMsg(gid, "TransOut"));
        clock.advance(Duration.ofSeconds(60));
        cron();
        assertThat(status(gid)).isEqualTo("failed");
        assertThat(grpcRm.count(m("TransOut"))).isZero();
    }

    @Test
    void queryPreparedOngoingKeepsAskingAtTheBaseInterval() {
        String gid = gid();
        grpcRm.script(m("QueryPrepared"), Reply.ONGOING, Reply.LEGACY_ONGOING);
        prepare(grpcMsg(gid, "TransOut"));
        clock.advance(Duration.ofSeconds(60));
        cron();
        assertThat(status(gid)).isEqualTo("prepared");
        assertThat(nextCronInterval(gid)).isEqualTo(10);
        cron();
        assertThat(status(gid)).isEqualTo("prepared");
        cron();
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(grpcRm.count(m("QueryPrepared"))).isEqualTo(3);
    }

    @Test
    void submittedMsgRetriesAFailingBranchAsAnError() {
        String gid = gid();
        grpcRm.script(m("TransIn"), Reply.FAILURE); // a msg branch cannot fail the msg: retried
        DtmHttp.Res r = submit(with(grpcMsg(gid, "TransOut", "TransIn"), "wait_result", true));
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.field("message")).contains("ABORTED").contains("Insufficient balance");
        assertThat(status(gid)).isEqualTo("submitted");
        cron(3600);
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(grpcRm.count(m("TransOut"))).isEqualTo(1);
    }

    @Test
    void topicFansOutToGrpcSubscribers() {
        String gid = gid();
        subscribe("orders", g("A"));
        subscribe("orders", g("B"));
        DtmHttp.Res r = submit(with(grpcMsg(gid, "topic://orders"), "wait_result", true));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(grpcRm.calls(m("A")).getFirst().branchId()).isEqualTo("01-01");
        assertThat(grpcRm.calls(m("B")).getFirst().branchId()).isEqualTo("01-02");
        assertThat(grpcRm.calls(m("B")).getFirst().body()).isEqualTo("{\"amount\":30}");
    }

    private void subscribe(String topic, String url) {
        DtmHttp.Res r = api.get("/api/dtmsvr/subscribe?topic=" + topic + "&url="
                + URLEncoder.encode(url, StandardCharsets.UTF_8) + "&remark=r");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    @Test
    void schemeUrlIsRefusedAtSubmitNamingTheStepAndTheUrl() {
        String gid = gid();
        String etcd = "etcd://127.0.0.1:2379/busi/busi.Busi/TransOut";
        DtmHttp.Res r = submit(with(grpcMsg(gid, etcd), "wait_result", true));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.field("message")).startsWith("steps[0].action: '" + etcd + "'")
                .contains("service-discovery driver");
        assertThat(query(gid).path("transaction").isNull()).isTrue();
    }

    @Test
    void deadlineExceededIsAnErrorSaysSoAndIsRetried() {
        String gid = gid();
        Gate<FakeGrpcRm.Reply> held = grpcRm.hold(m("TransOut"));
        DtmHttp.Res r = submit(with(grpcMsg(gid, "TransOut"), "request_timeout", 1, "wait_result", true));
        held.open(Reply.OK);
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.field("message")).contains("DEADLINE_EXCEEDED");
        assertThat(status(gid)).isEqualTo("submitted");
        cron(3600);
        assertThat(status(gid)).isEqualTo("succeed");
    }

    // ---------------------------------------------------------------- tcc

    private void registerTcc(String gid, String branchId, String name) {
        DtmHttp.Res r = api.post("/api/dtmsvr/registerBranch", Map.of("gid", gid, "trans_type", "tcc", "branch_id",
                branchId, "data", "{\"amount\":30}", "confirm", g(name + "Confirm"), "cancel", g(name + "Cancel")));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    @Test
    void tccConfirmsOverGrpcLastToFirst() {
        String gid = gid();
        prepare(Map.of("gid", gid, "trans_type", "tcc", "protocol", "grpc"));
        registerTcc(gid, "01", "TransOut");
        registerTcc(gid, "02", "TransIn");
        assertThat(submit(Map.of("gid", gid, "trans_type", "tcc", "wait_result", true)).status()).isEqualTo(200);
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(grpcRm.methodsFor(gid)).containsExactly(m("TransInConfirm"), m("TransOutConfirm"));
        FakeGrpcRm.Call c = grpcRm.calls(m("TransInConfirm")).getFirst();
        assertThat(c.body()).isEqualTo("{\"amount\":30}");
        assertThat(c.metadata()).containsEntry("dtm-trans_type", "tcc").containsEntry("dtm-branch_id", "02")
                .containsEntry("dtm-op", "confirm");
    }

    @Test
    void tccAbortCancelsOverGrpcRetryingUntilDone() {
        String gid = gid();
        // the stored wait_result makes abort drive the rollback before it answers
        prepare(Map.of("gid", gid, "trans_type", "tcc", "protocol", "grpc", "wait_result", true));
        registerTcc(gid, "01", "TransOut");
        registerTcc(gid, "02", "TransIn");
        grpcRm.script(m("TransOutCancel"), Reply.ONGOING);
        DtmHttp.Res r = api.post("/api/dtmsvr/abort", Map.of("gid", gid, "trans_type", "tcc", "wait_result", true));
        assertThat(r.status()).isNotEqualTo(200);
        assertThat(status(gid)).isEqualTo("aborting");
        cron();
        assertThat(status(gid)).isEqualTo("failed");
        assertThat(grpcRm.methodsFor(gid)).containsExactly(m("TransInCancel"), m("TransOutCancel"),
                m("TransOutCancel"));
        assertThat(grpcRm.calls(m("TransInCancel")).getFirst().op()).isEqualTo("cancel");
    }

    // ---------------------------------------------------------------- xa

    private void registerXa(String gid, String branchId, String name, String data) {
        Map<String, String> body = new LinkedHashMap<>(Map.of("gid", gid, "trans_type", "xa", "branch_id", branchId,
                "url", g(name)));
        if (data != null) {
            body.put("data", data);
        }
        DtmHttp.Res r = api.post("/api/dtmsvr/registerBranch", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    @Test
    void xaCommitsOverGrpcFirstToLastSendingTheStoredPayload() {
        String gid = gid();
        prepare(Map.of("gid", gid, "trans_type", "xa", "protocol", "grpc"));
        registerXa(gid, "01", "TransOutXa", null); // as DTM's gRPC XA client registers: no BusiPayload
        registerXa(gid, "02", "TransInXa", "stored-bytes");
        assertThat(submit(Map.of("gid", gid, "trans_type", "xa", "wait_result", true)).status()).isEqualTo(200);
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(branchStatuses(gid)).containsExactly("prepared", "succeed", "prepared", "succeed");
        assertThat(grpcRm.methodsFor(gid)).containsExactly(m("TransOutXa"), m("TransInXa"));
        FakeGrpcRm.Call out = grpcRm.calls(m("TransOutXa")).getFirst();
        assertThat(out.request()).isEmpty();
        assertThat(out.metadata()).containsEntry("dtm-trans_type", "xa").containsEntry("dtm-op", "commit");
        // DTM sends an XA branch's bin_data unchanged over gRPC (only HTTP phase 2 is an empty POST)
        assertThat(grpcRm.calls(m("TransInXa")).getFirst().body()).isEqualTo("stored-bytes");
    }

    @Test
    void xaAbortRollsBackAndARollbackFailureIsRetried() {
        String gid = gid();
        prepare(Map.of("gid", gid, "trans_type", "xa", "protocol", "grpc", "wait_result", true));
        registerXa(gid, "01", "TransOutXa", null);
        grpcRm.script(m("TransOutXa"), Reply.FAILURE); // phase 2 must not fail: an error, retried
        DtmHttp.Res r = api.post("/api/dtmsvr/abort", Map.of("gid", gid, "trans_type", "xa", "wait_result", true));
        assertThat(r.status()).isEqualTo(500);
        assertThat(status(gid)).isEqualTo("aborting");
        cron(3600);
        assertThat(status(gid)).isEqualTo("failed");
        assertThat(grpcRm.calls(m("TransOutXa"))).hasSize(2).allSatisfy(c -> assertThat(c.op()).isEqualTo("rollback"));
    }

    // ---------------------------------------------------------------- workflow

    private Map<String, Object> grpcWorkflow(String gid, String input) {
        String data = input == null ? "null"
                : "\"" + Base64.getEncoder().encodeToString(input.getBytes(StandardCharsets.UTF_8)) + "\"";
        return Map.of("gid", gid, "trans_type", "workflow", "protocol", "grpc",
                "query_prepared", grpcRm.url("workflow.Workflow/Execute"),
                "custom_data", "{\"data\":" + data + ",\"name\":\"transfer\"}");
    }

    @Test
    void grpcWorkflowIsResumedThroughExecuteWithItsInputInWorkflowData() throws InvalidProtocolBufferException {
        String gid = gid();
        grpcRm.answer("workflow.Workflow/Execute", Reply.FAILURE); // not interpreted
        assertThat(api.post("/api/dtmsvr/prepareWorkflow", grpcWorkflow(gid, "{\"amount\":30}")).status())
                .isEqualTo(200);
        assertThat(cron()).isEqualTo(1);
        FakeGrpcRm.Call c = grpcRm.calls("workflow.Workflow/Execute").getFirst();
        assertThat(WorkflowData.parseFrom(c.request()).getData().toStringUtf8()).isEqualTo("{\"amount\":30}");
        assertThat(c.metadata()).containsEntry("dtm-gid", gid).containsEntry("dtm-trans_type", "workflow")
                .containsEntry("dtm-branch_id", "00").containsEntry("dtm-op", "transfer");
        assertThat(status(gid)).isEqualTo("prepared");
        clock.advance(Duration.ofSeconds(60));
        cron();
        assertThat(grpcRm.count("workflow.Workflow/Execute")).isEqualTo(2);
    }

    @Test
    void grpcWorkflowWithoutInputSendsAnEmptyWorkflowData() throws InvalidProtocolBufferException {
        String gid = gid();
        api.post("/api/dtmsvr/prepareWorkflow", grpcWorkflow(gid, null));
        cron();
        byte[] req = grpcRm.calls("workflow.Workflow/Execute").getFirst().request();
        assertThat(req).isEqualTo(WorkflowData.getDefaultInstance().toByteArray());
        assertThat(WorkflowData.parseFrom(req).getData().isEmpty()).isTrue();
        submit(Map.of("gid", gid, "trans_type", "workflow", "req_extra", Map.of("status", "succeed")));
        cron();
        assertThat(grpcRm.count("workflow.Workflow/Execute")).isEqualTo(1);
    }
}
