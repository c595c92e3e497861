package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The server's side of the workflow protocol (spec §7): progress storage, the resume callback, the final submit. */
class WorkflowScenarioTest extends ScenarioBase {

    private Map<String, Object> wf(String gid, String input) {
        String data = input == null ? "null" : "\"" + Base64.getEncoder().encodeToString(input.getBytes(StandardCharsets.UTF_8)) + "\"";
        return Map.of("gid", gid, "trans_type", "workflow", "protocol", "http", "query_prepared", url("/wf/resume"),
                "custom_data", "{\"data\":" + data + ",\"name\":\"transfer\"}");
    }

    @Test
    void progressIsRecordedAndReturnedOnResume() {
        String gid = gid();
        DtmHttp.Res first = api.post("/api/dtmsvr/prepareWorkflow", wf(gid, "{\"amount\":30}"));
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.json().path("transaction").path("status").asText()).isEqualTo("prepared");
        assertThat(first.json().path("progresses")).isEmpty();
        String result = Base64.getEncoder().encodeToString("ok".getBytes());
        assertThat(api.post("/api/dtmsvr/registerBranch", Map.of("gid", gid, "trans_type", "workflow", "branch_id", "01",
                "op", "action", "status", "succeed", "data", "out-result")).status()).isEqualTo(200);
        DtmHttp.Res again = api.post("/api/dtmsvr/prepareWorkflow", wf(gid, "{\"amount\":30}"));
        JsonNode p = again.json().path("progresses").get(0);
        assertThat(p.path("branch_id").asText()).isEqualTo("01");
        assertThat(p.path("op").asText()).isEqualTo("action");
        assertThat(p.path("status").asText()).isEqualTo("succeed");
        assertThat(new String(Base64.getDecoder().decode(p.path("bin_data").asText()))).isEqualTo("out-result");

        DtmHttp.Res dup = api.post("/api/dtmsvr/registerBranch", Map.of("gid", gid, "trans_type", "workflow",
                "branch_id", "01", "op", "action", "status", "succeed"));
        assertThat(dup.status()).isNotEqualTo(200);

        DtmHttp.Res done = submit(Map.of("gid", gid, "trans_type", "workflow", "req_extra",
                Map.of("status", "succeed", "rollback_reason", "", "result", result)));
        assertThat(done.status()).isEqualTo(200);
        JsonNode t = query(gid).path("transaction");
        assertThat(t.path("status").asText()).isEqualTo("succeed");
        assertThat(t.path("result").asText()).isEqualTo(result);
        assertThat(submit(Map.of("gid", gid, "trans_type", "workflow", "req_extra", Map.of("status", "succeed")))
                .status()).isEqualTo(200); // a repeated submit with the same outcome
        DtmHttp.Res flip = submit(Map.of("gid", gid, "trans_type", "workflow", "req_extra", Map.of("status", "failed")));
        assertThat(flip.status()).isEqualTo(409);
        assertThat(flip.field("message")).contains("is succeed already");
        assertThat(api.post("/api/dtmsvr/prepareWorkflow", wf(gid, "x")).json().path("transaction").path("status")
                .asText()).isEqualTo("succeed");
    }

    @Test
    void unfinishedWorkflowIsCalledBackWithItsNameAndInput() {
        String gid = gid();
        api.post("/api/dtmsvr/prepareWorkflow", wf(gid, "{\"amount\":30}"));
        assertThat(cron()).isEqualTo(1);
        FakeRm.Call c = rm.calls("/wf/resume").getFirst();
        assertThat(c.method()).isEqualTo("POST");
        assertThat(c.query()).containsEntry("gid", gid).containsEntry("trans_type", "workflow")
                .containsEntry("branch_id", "00").containsEntry("op", "transfer");
        assertThat(c.body()).isEqualTo("{\"amount\":30}");
        assertThat(status(gid)).isEqualTo("prepared"); // the callback's answer is not interpreted
    }

    @Test
    void failedWorkflowKeepsItsReason() {
        String gid = gid();
        api.post("/api/dtmsvr/prepareWorkflow", wf(gid, null));
        submit(Map.of("gid", gid, "trans_type", "workflow", "req_extra", Map.of("status", "failed",
                "rollback_reason", "insufficient balance")));
        assertThat(status(gid)).isEqualTo("failed");
        assertThat(query(gid).path("transaction").path("rollback_reason").asText()).isEqualTo("insufficient balance");
        cron();
        assertThat(rm.count("/wf/resume")).isZero();
    }
}
