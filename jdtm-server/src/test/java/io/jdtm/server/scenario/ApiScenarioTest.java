package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jdtm.server.config.ServerConfig;
import io.jdtm.server.scenario.FakeRm.Reply;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The endpoints beyond the transaction modes, DTM's response shapes, and bad input (spec §3, §14 "API"). */
class ApiScenarioTest extends ScenarioBase {
    private static final String B = "/api/dtmsvr";

    @Override
    protected ServerConfig config() {
        ServerConfig c = super.config();
        // a small body limit so the oversized-body case is cheap
        return c.with("MaxBodyBytes", 64 * 1024);
    }

    @Test
    void versionNewGidPingAndMetrics() {
        assertThat(api.get(B + "/version").field("version")).startsWith("v");
        DtmHttp.Res g1 = api.get(B + "/newGid");
        DtmHttp.Res g2 = api.get(B + "/newGid");
        assertThat(g1.field("dtm_result")).isEqualTo("SUCCESS");
        assertThat(g1.field("gid")).hasSize(22).isNotEqualTo(g2.field("gid"));
        assertThat(api.get("/api/ping").body()).isEqualTo("{\"msg\":\"pong\"}");
        assertThat(api.post("/api/ping", "").status()).isEqualTo(200);
        submit(with(transferSaga(gid()), "wait_result", true));
        DtmHttp.Res m = api.get("/api/metrics");
        assertThat(m.status()).isEqualTo(200);
        assertThat(m.body()).contains("dtm_server_process_total{api=\"submit\",status=\"ok\",type=\"http\"}")
                .contains("dtm_transaction_process_total{model=\"saga\",status=\"ok\"}")
                .contains("dtm_branch_process_total").contains("dtm_server_response_duration_bucket");
        if (System.getProperty("jdtm.test.store", "sqlite").startsWith("redis")) {
            assertThat(m.body()).as("Redis has no group commit").doesNotContain("jdtm_store_writer");
        } else {
            assertThat(Interleavings.metric(api, "jdtm_store_writer_lanes")).isBetween(1.0, 2.0);
            double batches = Interleavings.metric(api, "jdtm_store_writer_batches_total");
            assertThat(batches).as("the saga's writes ran in batches").isPositive();
            assertThat(Interleavings.metric(api, "jdtm_store_writer_writes_total"))
                    .as("a saga is at least three writes").isGreaterThanOrEqualTo(Math.max(3, batches));
            assertThat(Interleavings.metric(api, "jdtm_store_writer_busy_seconds_total")).isPositive();
            assertThat(m.body()).contains("jdtm_store_retries_total");
        }
    }

    @Test
    void queryShapes() {
        assertThat(api.get(B + "/query?gid=").status()).isEqualTo(400); // DTM: 500
        JsonNode missing = api.get(B + "/query?gid=nope").json();
        assertThat(missing.path("transaction").isNull()).isTrue();
        assertThat(missing.path("branches").isArray()).isTrue();
        assertThat(missing.path("branches")).isEmpty();
        String gid = gid();
        submit(with(transferSaga(gid), "wait_result", true, "retry_interval", 15));
        JsonNode t = query(gid).path("transaction");
        assertThat(t.path("gid").asText()).isEqualTo(gid);
        assertThat(t.path("trans_type").asText()).isEqualTo("saga");
        assertThat(t.path("protocol").asText()).isEqualTo("http");
        assertThat(t.path("options").asText()).isEqualTo("{\"wait_result\":true,\"retry_interval\":15,\"concurrent\":false}");
        assertThat(t.path("retry_interval").asLong()).isEqualTo(15);
        assertThat(t.path("concurrent").isBoolean()).isTrue();
        assertThat(t.path("next_cron_interval").asLong()).isEqualTo(15);
        Instant created = Instant.from(java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(t.path("create_time").asText()));
        assertThat(Duration.between(created, Instant.now()).abs()).isLessThan(Duration.ofMinutes(1));
        assertThat(t.path("finish_time").isTextual()).isTrue();
        JsonNode b = query(gid).path("branches").get(1);
        assertThat(b.path("op").asText()).isEqualTo("action");
        assertThat(b.path("bin_data").asText()).isEqualTo(java.util.Base64.getEncoder().encodeToString("{\"amount\":30}".getBytes()));
    }

    @Test
    void allPagesThroughEveryTransaction() {
        Set<String> gids = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            String g = gid();
            gids.add(g);
            submit(with(transferSaga(g), "wait_result", true));
        }
        Set<String> seen = new HashSet<>();
        String pos = "";
        int pages = 0;
        do {
            JsonNode page = api.get(B + "/all?limit=2&position=" + pos).json();
            for (JsonNode t : page.path("transactions")) {
                assertThat(seen.add(t.path("gid").asText())).isTrue();
            }
            pos = page.path("next_position").asText();
            pages++;
        } while (!pos.isEmpty() && pages < 10);
        assertThat(seen).isEqualTo(gids);
        String one = gids.iterator().next();
        assertThat(api.get(B + "/all?gid=" + one).json().path("transactions")).hasSize(1);
        assertThat(api.get(B + "/all?gid=none").json().path("transactions").isNull()).isTrue();
        long now = System.currentTimeMillis();
        JsonNode filtered = api.get(B + "/all?status=succeed&transType=saga&createTimeStart=" + (now - 60_000)
                + "&createTimeEnd=" + (now + 60_000)).json();
        assertThat(filtered.path("transactions")).hasSize(5);
        assertThat(filtered.path("next_position").asText()).isEmpty();
        JsonNode past = api.get(B + "/all?createTimeStart=" + (now - 600_000) + "&createTimeEnd=" + (now - 300_000)).json();
        assertThat(past.path("transactions").isNull()).isTrue();
        assertThat(api.get(B + "/all?limit=abc").status()).isEqualTo(400);
        assertThat(api.get(B + "/all?limit=abc").field("message")).contains("limit");
        assertThat(api.get(B + "/all?position=abc").status()).isEqualTo(400);
        assertThat(api.get(B + "/all?position=abc").field("message")).contains("abc");
        assertThat(api.get(B + "/scanKV?cat=topics&position=zz").status()).isEqualTo(400);
        assertThat(api.get(B + "/all?status=done").status()).isEqualTo(400);
    }

    @Test
    void forceStopAndResetNextCronTime() {
        String gid = gid();
        rm.answer("/TransOut", Reply.ONGOING);
        submit(with(transferSaga(gid), "wait_result", true));
        assertThat(api.post(B + "/resetNextCronTime", Map.of("gid", gid)).status()).isEqualTo(200);
        JsonNode t = query(gid).path("transaction");
        assertThat(t.path("next_cron_time").asText()).isEqualTo(t.path("update_time").asText());
        assertThat(cron(0)).isEqualTo(1);
        assertThat(api.post(B + "/forceStop", Map.of("gid", gid)).status()).isEqualTo(200);
        assertThat(status(gid)).isEqualTo("failed");
        DtmHttp.Res again = api.post(B + "/forceStop", Map.of("gid", gid));
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.field("message")).endsWith("FAILURE");
        assertThat(api.post(B + "/forceStop", Map.of("gid", "nope")).status()).isEqualTo(404);
        assertThat(api.post(B + "/resetNextCronTime", Map.of("gid", "nope")).status()).isEqualTo(404);
    }

    @Test
    void resetCronTimePullsBackLongBackoffs() {
        String gid = gid();
        rm.script("/TransOut", Reply.ERROR);
        submit(with(transferSaga(gid), "retry_interval", 1000, "wait_result", true)); // next retry in 2000 s
        JsonNode r = api.get(B + "/resetCronTime?timeout=100&limit=10").json();
        assertThat(r.path("succeed_count").asInt()).isEqualTo(1);
        assertThat(r.path("has_remaining").asBoolean()).isFalse();
        assertThat(cron(2)).isEqualTo(1);
        assertThat(status(gid)).isEqualTo("succeed");
    }

    @Test
    void retentionDeletesOnlyOldFinishedTransactions() {
        String done = gid();
        String running = gid();
        submit(with(transferSaga(done), "wait_result", true));
        rm.answer("/TransOut", Reply.ONGOING);
        submit(with(transferSaga(running), "wait_result", true));
        assertThat(server.housekeeper().runOnce()).isZero(); // nothing is old yet
        clock.advance(Duration.ofSeconds(server.config().store().retention() + 60));
        assertThat(server.housekeeper().runOnce()).isEqualTo(1);
        assertThat(query(done).path("transaction").isNull()).isTrue();
        assertThat(query(done).path("branches")).isEmpty();
        assertThat(status(running)).isEqualTo("submitted");
    }

    @Test
    void badInputGetsAClearErrorAndNothingIsStored() {
        String gid = gid();
        DtmHttp.Res malformed = api.post(B + "/submit", "{\"gid\":");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.field("message")).contains("malformed JSON");
        assertThat(malformed.body()).doesNotContain("at io.");

        assertThat(api.post(B + "/submit", "").field("message")).contains("empty");
        DtmHttp.Res noGid = submit(Map.of("trans_type", "saga"));
        assertThat(noGid.status()).isEqualTo(400);
        assertThat(noGid.field("message")).contains("gid");
        DtmHttp.Res longGid = submit(with(transferSaga("x".repeat(200)), "wait_result", true));
        assertThat(longGid.status()).isEqualTo(400);
        assertThat(longGid.field("message")).contains("200 characters");
        DtmHttp.Res badType = submit(Map.of("gid", gid, "trans_type", "sagaa"));
        assertThat(badType.status()).isEqualTo(400);
        assertThat(badType.field("message")).contains("sagaa");
        DtmHttp.Res mismatch = submit(with(transferSaga(gid), "payloads", java.util.List.of("{}")));
        assertThat(mismatch.status()).isEqualTo(400);
        assertThat(mismatch.field("message")).contains("steps has 2 items but payloads has only 1");
        DtmHttp.Res badOrders = submit(with(transferSaga(gid), "custom_data", "{\"orders\":{\"7\":[0]}}"));
        assertThat(badOrders.status()).isEqualTo(400);
        assertThat(badOrders.field("message")).contains("out of range");
        DtmHttp.Res wrongTypeField = api.post(B + "/submit", "{\"gid\":\"" + gid + "\",\"trans_type\":\"saga\",\"steps\":\"x\"}");
        assertThat(wrongTypeField.status()).isEqualTo(400);
        assertThat(wrongTypeField.field("message")).isEqualTo("malformed JSON body: field 'steps' has the wrong type"
                + " (expected an array)");
        DtmHttp.Res array = api.post(B + "/submit", "[]");
        assertThat(array.status()).isEqualTo(400);
        assertThat(array.field("message")).isEqualTo("malformed JSON body: the body has the wrong type (expected an object)");
        DtmHttp.Res nestedWrong = api.post(B + "/submit", "{\"gid\":\"" + gid + "\",\"trans_type\":\"saga\",\"steps\":[{\"action\":[1]}]}");
        assertThat(nestedWrong.field("message")).isEqualTo("malformed JSON body: field 'steps[0].action' has the wrong type"
                + " (expected a string)");
        for (DtmHttp.Res r : java.util.List.of(malformed, wrongTypeField, array, nestedWrong)) {
            assertThat(r.body()).doesNotContain("io.jdtm").doesNotContain("java.").doesNotContain("Exception");
        }
        DtmHttp.Res huge = submit(with(transferSaga(gid), "payloads", java.util.List.of("x".repeat(100_000), "{}")));
        assertThat(huge.status()).isEqualTo(413);
        assertThat(huge.field("message")).contains("MaxBodyBytes");
        assertThat(api.post(B + "/abort", Map.of("gid", gid, "trans_type", "tcc")).status()).isEqualTo(404);
        assertThat(query(gid).path("transaction").isNull()).isTrue(); // nothing stored half-way
        assertThat(api.get("/api/ping").status()).isEqualTo(200); // still up
    }

    @Test
    void successBodiesNeverContainFailure() {
        String gid = gid();
        rm.answer("/TransOut", Reply.of(200, "FAILURE is a word in this business payload"));
        submit(with(transferSaga(gid), "wait_result", true));
        assertThat(status(gid)).isEqualTo("failed"); // DTM's substring rule: the body said FAILURE
        for (String p : new String[] {"/version", "/newGid", "/query?gid=" + gid, "/all"}) {
            DtmHttp.Res r = api.get(B + p);
            if (r.status() == 200 && !p.startsWith("/query") && !p.startsWith("/all")) {
                assertThat(r.body()).doesNotContain("FAILURE");
            }
        }
        assertThat(submit(with(transferSaga(gid()), "wait_result", false)).body()).isEqualTo("{\"dtm_result\":\"SUCCESS\"}");
    }

    @Test
    void jsonRpcEndpoint() {
        String rpc = "/api/json-rpc";
        DtmHttp.Res g = api.post(rpc, "{\"jsonrpc\":\"2.0\",\"id\":\"no-use\",\"method\":\"newGid\",\"params\":{}}");
        assertThat(g.status()).isEqualTo(200);
        assertThat(g.json().path("error").isNull()).isTrue();
        assertThat(g.json().path("result").path("gid").asText()).hasSize(22);
        assertThat(api.post(rpc, "{bad").json().path("error").path("code").asInt()).isEqualTo(-32700);
        assertThat(api.post(rpc, "{\"jsonrpc\":\"1.0\",\"id\":\"1\",\"method\":\"newGid\"}").json().path("error").path("code").asInt()).isEqualTo(-32600);
        assertThat(api.post(rpc, "{\"jsonrpc\":\"2.0\",\"id\":\"1\",\"method\":\"nope\"}").json().path("error").path("code").asInt()).isEqualTo(-32601);
        assertThat(api.post(rpc, "{\"jsonrpc\":\"2.0\",\"id\":\"1\",\"method\":\"registerBranch\",\"params\":{\"gid\":\"x\",\"trans_type\":\"zz\",\"branch_id\":\"01\"}}")
                .json().path("error").path("code").asInt()).isEqualTo(-32603);
        String gid = gid();
        Map<String, Object> body = with(transferSaga(gid), "wait_result", true);
        DtmHttp.Res sub = api.post(rpc, Map.of("jsonrpc", "2.0", "id", "1", "method", "submit", "params", body));
        assertThat(sub.json().path("error").isNull()).as(sub.body()).isTrue();
        assertThat(status(gid)).isEqualTo("succeed");
        DtmHttp.Res again = api.post(rpc, Map.of("jsonrpc", "2.0", "id", "1", "method", "submit", "params", body));
        assertThat(again.json().path("error").path("code").asInt()).isEqualTo(-32901);
    }

    @Test
    void jsonRpcBranchesAreCalledInJsonRpcStyle() {
        String gid = gid();
        Map<String, Object> body = Map.of("gid", gid, "trans_type", "msg", "protocol", "json-rpc", "wait_result", true,
                "steps", java.util.List.of(Map.of("action", url("/rpc?method=TransIn"))), "payloads", java.util.List.of("{\"amount\":30}"));
        rm.script("/rpc", Reply.of(200, "{\"jsonrpc\":\"2.0\",\"id\":\"1\",\"error\":{\"code\":-32902,\"message\":\"wait\"}}"));
        submit(body);
        assertThat(status(gid)).isEqualTo("submitted");
        JsonNode sent = parse(rm.calls("/rpc").getFirst().body());
        assertThat(sent.path("method").asText()).isEqualTo("TransIn");
        assertThat(sent.path("params").path("amount").asInt()).isEqualTo(30);
        assertThat(sent.path("params").path("gid").asText()).isEqualTo(gid);
        cron();
        assertThat(status(gid)).isEqualTo("succeed");
    }

    private static JsonNode parse(String s) {
        try {
            return io.jdtm.protocol.DtmJson.mapper().readTree(s);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
