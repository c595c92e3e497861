package io.jdtm.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.jdtm.client.testing.RecordingServer;
import io.jdtm.protocol.DtmJson;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The workflow's requests byte for byte as spec §7.2 describes them, against a recording fake TM. */
class WorkflowWireTest {
    private final RecordingServer tm = new RecordingServer();
    private final RecordingServer rm = new RecordingServer();
    private final DtmClient dtm = DtmClient.builder().serverUrl(tm.url() + "/api/dtmsvr").build();
    private final Workflows workflows = dtm.workflows("http://app.example/wf");

    @AfterEach
    void close() {
        dtm.close();
        tm.close();
        rm.close();
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(UTF_8));
    }

    private static JsonNode json(String s) throws Exception {
        return DtmJson.mapper().readTree(s);
    }

    private void tmAnswersPrepareWorkflow(String json) {
        tm.answer("/api/dtmsvr/prepareWorkflow", new RmResponse(200, json));
    }

    @Test
    void prepareReplayRecordAndSubmitOnTheWire() throws Exception {
        tmAnswersPrepareWorkflow("{\"transaction\":{\"gid\":\"g1\",\"status\":\"prepared\"},\"progresses\":["
                + "{\"branch_id\":\"01\",\"op\":\"action\",\"status\":\"succeed\",\"bin_data\":\"" + b64("stored")
                + "\"}]}");
        rm.answer("/TransIn", new RmResponse(200, "{\"ok\":1}"));
        AtomicInteger ran = new AtomicInteger();
        workflows.register("wire", (wf, in) -> {
            byte[] replayed = wf.newBranch().doStep(bb -> {
                ran.incrementAndGet();
                return "fresh".getBytes(UTF_8);
            });
            BranchResponse r = wf.newBranch().post(rm.url() + "/TransIn", Map.of("amount", 30));
            return (new String(replayed, UTF_8) + "+" + r.body()).getBytes(UTF_8);
        });

        assertThat(workflows.execute("wire", "g1", "in")).isEqualTo("stored+{\"ok\":1}");
        assertThat(ran).hasValue(0);

        assertThat(tm.paths()).containsExactly("/api/dtmsvr/prepareWorkflow", "/api/dtmsvr/registerBranch",
                "/api/dtmsvr/submit");
        JsonNode prepare = json(tm.requests().get(0).body());
        assertThat(prepare.path("gid").asText()).isEqualTo("g1");
        assertThat(prepare.path("trans_type").asText()).isEqualTo("workflow");
        assertThat(prepare.path("protocol").asText()).isEqualTo("http");
        assertThat(prepare.path("query_prepared").asText()).isEqualTo("http://app.example/wf");
        assertThat(prepare.path("custom_data").asText()).isEqualTo("{\"data\":\"" + b64("in") + "\",\"name\":\"wire\"}");

        JsonNode reg = json(tm.requests().get(1).body());
        assertThat(reg.path("gid").asText()).isEqualTo("g1");
        assertThat(reg.path("trans_type").asText()).isEqualTo("workflow");
        assertThat(reg.path("branch_id").asText()).isEqualTo("02");
        assertThat(reg.path("op").asText()).isEqualTo("action");
        assertThat(reg.path("status").asText()).isEqualTo("succeed");
        assertThat(reg.path("data").asText()).isEqualTo("{\"ok\":1}");

        JsonNode submit = json(tm.requests().get(2).body());
        assertThat(submit.path("trans_type").asText()).isEqualTo("workflow");
        assertThat(submit.path("req_extra").path("status").asText()).isEqualTo("succeed");
        assertThat(submit.path("req_extra").path("rollback_reason").asText()).isEmpty();
        assertThat(submit.path("req_extra").path("result").asText()).isEqualTo(b64("stored+{\"ok\":1}"));

        RecordingServer.Request call = rm.requests("/TransIn").getFirst();
        assertThat(call.query()).isEqualTo(Map.of("gid", "g1", "trans_type", "workflow", "branch_id", "02",
                "op", "action"));
        assertThat(call.body()).isEqualTo("{\"amount\":30}");
    }

    @Test
    void statusCodesAloneClassifyWorkflowCalls() {
        tmAnswersPrepareWorkflow("{\"transaction\":{\"status\":\"prepared\"},\"progresses\":[]}");
        // a 200 whose body says FAILURE is a success for the workflow client (unlike dtmcli)
        rm.answer("/Odd", new RmResponse(200, "{\"dtm_result\":\"FAILURE\"}"));
        rm.answer("/Refuse", new RmResponse(409, "no money"));
        workflows.register("codes", (wf, in) -> {
            assertThat(wf.newBranch().post(rm.url() + "/Odd", Map.of()).body()).contains("FAILURE");
            wf.newBranch().post(rm.url() + "/Refuse", Map.of());
            return in;
        });

        assertThatThrownBy(() -> workflows.execute("codes", "g2", new byte[0]))
                .isInstanceOf(DtmFailureException.class).hasMessage("no money");

        List<String> statuses = tm.requests("/api/dtmsvr/registerBranch").stream()
                .map(r -> r.body().replaceAll(".*\"branch_id\":\"(\\d+)\".*\"status\":\"(\\w+)\".*", "$1:$2"))
                .toList();
        assertThat(statuses).containsExactly("01:succeed", "02:failed", "00:succeed");
        assertThat(tm.requests("/api/dtmsvr/submit").getFirst().body())
                .contains("\"status\":\"failed\"").contains("\"rollback_reason\":\"no money\"");
        // an empty input travels as null, so the TM's callback is a GET without a body
        assertThat(tm.requests("/api/dtmsvr/prepareWorkflow").getFirst().body())
                .contains("\\\"data\\\":null");
    }

    @Test
    void finishedWorkflowsAnswerFromTheTmAlone() {
        tmAnswersPrepareWorkflow("{\"transaction\":{\"status\":\"succeed\",\"result\":\"" + b64("r") + "\"},"
                + "\"progresses\":[]}");
        workflows.register("done", (wf, in) -> {
            throw new AssertionError("must not run");
        });
        assertThat(workflows.execute("done", "g3", "x")).isEqualTo("r");
        RmResponse viaCallback = workflows.handleCallback(Map.of("gid", "g3", "op", "done",
                "branch_id", "00", "trans_type", "workflow"), null);
        assertThat(viaCallback.status()).isEqualTo(200);

        tmAnswersPrepareWorkflow("{\"transaction\":{\"status\":\"failed\",\"rollback_reason\":\"why\"},"
                + "\"progresses\":[]}");
        assertThatThrownBy(() -> workflows.execute("done", "g4", "x")).isInstanceOf(DtmFailureException.class)
                .hasMessage("why");
        assertThat(workflows.handleCallback(Map.of("gid", "g4", "op", "done"), new byte[0]).status()).isEqualTo(409);
        assertThat(workflows.handleCallback(Map.of("op", "done"), new byte[0]).status()).isEqualTo(500);
        assertThat(tm.paths()).doesNotContain("/api/dtmsvr/submit", "/api/dtmsvr/registerBranch");
    }
}
