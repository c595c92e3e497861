package io.jdtm.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jdtm.client.testing.RecordingServer;
import io.jdtm.protocol.DtmJson;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The bodies the SDK sends are exactly the examples of spec §4.2 (as DTM's Go HTTP client sends them). */
class WireGoldenTest {

    private final RecordingServer tm = new RecordingServer();
    private final DtmClient dtm = DtmClient.builder().serverUrl(tm.url() + "/api/dtmsvr").build();

    @AfterEach
    void close() {
        dtm.close();
        tm.close();
    }

    private static JsonNode json(String s) throws Exception {
        return DtmJson.mapper().readTree(s);
    }

    private static JsonNode json(Object request) throws Exception {
        return json(DtmJson.write(request));
    }

    private static final Map<String, Integer> AMOUNT = Map.of("amount", 30);

    @Test
    void sagaSubmitMatchesSpecExample() throws Exception {
        Saga saga = dtm.saga("g1")
                .add("http://svc/api/TransOut", "http://svc/api/TransOutRevert", AMOUNT)
                .add("http://svc/api/TransIn", "http://svc/api/TransInRevert", AMOUNT);
        assertThat(json(saga.request())).isEqualTo(json("""
                {"gid":"g1","trans_type":"saga","concurrent":false,"protocol":"",
                 "steps":[{"action":"http://svc/api/TransOut","compensate":"http://svc/api/TransOutRevert"},
                          {"action":"http://svc/api/TransIn","compensate":"http://svc/api/TransInRevert"}],
                 "payloads":["{\\"amount\\":30}","{\\"amount\\":30}"]}"""));
    }

    @Test
    void concurrentSagaWithOrderCarriesCustomData() throws Exception {
        Saga saga = dtm.saga("g1")
                .add("http://svc/a", "http://svc/c", AMOUNT)
                .add("http://svc/b", "http://svc/d", AMOUNT)
                .concurrent()
                .addBranchOrder(1, 0);
        JsonNode body = json(saga.request());
        assertThat(body.get("concurrent").asBoolean()).isTrue();
        assertThat(json(body.get("custom_data").asText())).isEqualTo(json("{\"concurrent\":true,\"orders\":{\"1\":[0]}}"));
    }

    @Test
    void sagaOptionsUseGoNamesAndOmitZeros() throws Exception {
        JsonNode body = json(dtm.saga("g1").add("http://svc/a", "", AMOUNT)
                .waitResult(true).retryLimit(3).timeoutToFail(Duration.ofSeconds(1800))
                .retryInterval(Duration.ofSeconds(150)).requestTimeout(Duration.ofSeconds(6))
                .branchHeader("X-Trace", "t1").request());
        assertThat(body.get("wait_result").asBoolean()).isTrue();
        assertThat(body.get("retry_limit").asLong()).isEqualTo(3);
        assertThat(body.get("timeout_to_fail").asLong()).isEqualTo(1800);
        assertThat(body.get("retry_interval").asLong()).isEqualTo(150);
        assertThat(body.get("request_timeout").asLong()).isEqualTo(6);
        assertThat(body.get("branch_headers")).isEqualTo(json("{\"X-Trace\":\"t1\"}"));
        assertThat(body.get("steps").get(0).get("compensate").asText()).isEmpty();
        assertThat(json(dtm.saga("g2").add("http://svc/a", "", AMOUNT).request()).has("wait_result")).isFalse();
    }

    @Test
    void msgPrepareMatchesSpecExampleAndSubmitAddsDelay() throws Exception {
        Msg msg = dtm.msg("m1").addTopic("orders", AMOUNT).add("http://svc/api/TransIn", AMOUNT)
                .delay(Duration.ofSeconds(10));
        msg.prepare("http://svc/api/QueryPrepared").submit();
        List<RecordingServer.Request> sent = tm.requests();
        assertThat(sent).extracting(RecordingServer.Request::path)
                .containsExactly("/api/dtmsvr/prepare", "/api/dtmsvr/submit");
        assertThat(json(sent.get(0).body())).isEqualTo(json("""
                {"gid":"m1","trans_type":"msg","concurrent":false,"protocol":"",
                 "steps":[{"action":"topic://orders"},{"action":"http://svc/api/TransIn"}],
                 "payloads":["{\\"amount\\":30}","{\\"amount\\":30}"],
                 "query_prepared":"http://svc/api/QueryPrepared"}"""));
        JsonNode submit = json(sent.get(1).body());
        assertThat(json(submit.get("custom_data").asText())).isEqualTo(json("{\"delay\":10}"));
        assertThat(submit.get("query_prepared").asText()).isEqualTo("http://svc/api/QueryPrepared");
    }

    @Test
    void tccSendsPrepareRegisterTryAndSubmitLikeGoClient() throws Exception {
        try (RecordingServer rm = new RecordingServer()) {
            dtm.tcc("t1", tcc -> tcc.callBranch(AMOUNT, rm.url() + "/TransInTry", "http://svc/TransInConfirm",
                    "http://svc/TransInRevert"));

            assertThat(tm.paths()).containsExactly("/api/dtmsvr/prepare", "/api/dtmsvr/registerBranch",
                    "/api/dtmsvr/submit");
            assertThat(json(tm.requests().get(0).body()))
                    .isEqualTo(json("{\"gid\":\"t1\",\"trans_type\":\"tcc\",\"concurrent\":false,\"protocol\":\"\"}"));
            assertThat(json(tm.requests().get(1).body())).isEqualTo(json("""
                    {"gid":"t1","trans_type":"tcc","branch_id":"01","data":"{\\"amount\\":30}",
                     "confirm":"http://svc/TransInConfirm","cancel":"http://svc/TransInRevert"}"""));
            assertThat(json(tm.requests().get(2).body())).isEqualTo(json(tm.requests().get(0).body()));

            RecordingServer.Request tryCall = rm.requests().get(0);
            assertThat(tryCall.method()).isEqualTo("POST");
            assertThat(tryCall.query()).containsExactlyInAnyOrderEntriesOf(Map.of("dtm", dtm.serverUrl(), "gid", "t1",
                    "branch_id", "01", "trans_type", "tcc", "op", "try"));
            assertThat(json(tryCall.body())).isEqualTo(json("{\"amount\":30}"));
        }
    }

    @Test
    void tccAbortCarriesTheRollbackReason() throws Exception {
        try (RecordingServer rm = new RecordingServer()) {
            rm.answer("/TransInTry", RmResponses.failure("Insufficient balance"));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> dtm.tcc("t2", tcc -> tcc.callBranch(AMOUNT,
                    rm.url() + "/TransInTry", "http://svc/c", "http://svc/x")))
                    .isInstanceOf(DtmFailureException.class);
            assertThat(tm.paths()).containsExactly("/api/dtmsvr/prepare", "/api/dtmsvr/registerBranch",
                    "/api/dtmsvr/abort");
            JsonNode abort = json(tm.requests().get(2).body());
            assertThat(abort.get("trans_type").asText()).isEqualTo("tcc");
            assertThat(abort.get("rollback_reason").asText()).contains("Insufficient balance");
        }
    }

    @Test
    void xaCallsBranchWithPhase2UrlAndAbortsWithoutReason() throws Exception {
        try (RecordingServer rm = new RecordingServer()) {
            String url = rm.url() + "/TransInXa";
            dtm.xa("x1", xa -> xa.callBranch(AMOUNT, url));
            assertThat(tm.paths()).containsExactly("/api/dtmsvr/prepare", "/api/dtmsvr/submit");
            assertThat(json(tm.requests().get(0).body()))
                    .isEqualTo(json("{\"gid\":\"x1\",\"trans_type\":\"xa\",\"concurrent\":false,\"protocol\":\"\"}"));
            assertThat(rm.requests().get(0).query()).containsExactlyInAnyOrderEntriesOf(Map.of("dtm", dtm.serverUrl(),
                    "gid", "x1", "branch_id", "01", "trans_type", "xa", "op", "action", "phase2_url", url));

            rm.answer("/TransInXa", RmResponses.failure("no"));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> dtm.xa("x2", xa -> xa.callBranch(AMOUNT, url)))
                    .isInstanceOf(DtmFailureException.class);
            JsonNode abort = json(tm.requests("/api/dtmsvr/abort").get(0).body());
            assertThat(abort.has("rollback_reason")).isFalse();
        }
    }

    @Test
    void newGidAndQueryAreDecoded() {
        tm.answer("/api/dtmsvr/newGid", new RmResponse(200, "{\"gid\":\"abc\",\"dtm_result\":\"SUCCESS\"}"));
        tm.answer("/api/dtmsvr/query", new RmResponse(200, """
                {"transaction":{"id":1,"gid":"g1","trans_type":"saga","status":"failed",
                  "rollback_reason":"url:http://svc/TransIn return failed: Insufficient balance FAILURE",
                  "create_time":"2024-05-01T10:00:00+08:00","concurrent":false},
                 "branches":[{"gid":"g1","branch_id":"01","op":"compensate","status":"succeed","url":"http://c",
                              "bin_data":"eyJhbW91bnQiOjMwfQ=="},
                             {"gid":"g1","branch_id":"01","op":"action","status":"failed","url":"http://a"}]}"""));
        assertThat(dtm.newGid()).isEqualTo("abc");
        TransInfo info = dtm.query("g1").orElseThrow();
        assertThat(info.status()).isEqualTo(io.jdtm.protocol.TransStatus.FAILED);
        assertThat(info.rollbackReason()).contains("Insufficient balance");
        assertThat(info.branchStatuses()).containsExactly(io.jdtm.protocol.BranchStatus.SUCCEED,
                io.jdtm.protocol.BranchStatus.FAILED);
        assertThat(info.branches().get(0).data()).isEqualTo("{\"amount\":30}");
        assertThat(info.createTime()).isPresent();
        assertThat(tm.requests("/api/dtmsvr/query").get(0).query()).containsEntry("gid", "g1");

        tm.answer("/api/dtmsvr/query", new RmResponse(200, "{\"transaction\":null,\"branches\":[]}"));
        assertThat(dtm.query("nope")).isEmpty();
    }
}
