package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.jdtm.server.scenario.FakeRm.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The operator's API over real HTTP: a transaction's attempt history ({@code GET /api/dtmsvr/attempts}), the
 * listing's jdtm filters ({@code gidPrefix}, {@code stuck}) and the counts by status ({@code GET /counts}).
 */
class AttemptsScenarioTest extends ScenarioBase {

    /** The attempts of a gid, once the history writer has stored at least {@code n} of them. */
    private List<JsonNode> attempts(String gid, int n) {
        List<JsonNode> out = new ArrayList<>();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> {
            out.clear();
            api.get("/api/dtmsvr/attempts?gid=" + gid).json().path("attempts").forEach(out::add);
            return out.size() >= n;
        });
        return out;
    }

    private static String line(JsonNode a) {
        return a.path("branch_id").asText() + "/" + a.path("op").asText() + "#" + a.path("attempt").asInt() + " "
                + a.path("outcome").asText() + " " + a.path("code").asText();
    }

    @Test
    void aFailingSagasAttemptsShowEachOutcomeStatusAnswerAndTheNextRetry() {
        String gid = gid();
        rm.script("/TransIn", Reply.ERROR, Reply.ERROR, Reply.FAILURE);
        submit(transferSaga(gid));
        List<JsonNode> first = attempts(gid, 2);
        assertThat(status(gid)).isEqualTo("submitted");
        JsonNode err = first.get(1);
        assertThat(line(err)).isEqualTo("02/action#1 ERROR 500");
        assertThat(err.path("answer").asText()).contains("{\"error\":\"boom\"}");
        long start = err.path("start_ms").asLong();
        long next = err.path("next_try_ms").asLong();
        assertThat(next).as("the retry decided after the error").isGreaterThan(start);
        assertThat(err.path("interval_s").asLong()).isPositive();
        assertThat(next - start).isBetween(err.path("interval_s").asLong() * 1000 - 1000,
                err.path("interval_s").asLong() * 1000 + 1000);
        assertThat(err.path("next_try_time").asText()).isNotEmpty();
        assertThat(err.path("latency_ms").asLong()).isNotNegative();
        // the transaction's schedule is the retry the attempt shows
        assertThat(query(gid).path("transaction").path("next_cron_interval").asLong())
                .isEqualTo(err.path("interval_s").asLong());

        clock.advance(Duration.ofHours(1));
        cron(0);
        clock.advance(Duration.ofHours(1));
        cron(0);
        awaitStatus(gid, "failed");

        List<JsonNode> all = attempts(gid, 6);
        assertThat(all).extracting(AttemptsScenarioTest::line).containsExactly(
                "01/action#1 SUCCESS 200",
                "02/action#1 ERROR 500",
                "02/action#2 ERROR 500",
                "02/action#3 FAILURE 409",
                "02/compensate#1 SUCCESS 200",
                "01/compensate#1 SUCCESS 200");
        assertThat(all.get(2).path("interval_s").asLong()).as("backoff doubles")
                .isEqualTo(2 * all.get(1).path("interval_s").asLong());
        JsonNode failure = all.get(3);
        assertThat(failure.path("answer").asText()).contains("Insufficient balance");
        assertThat(failure.has("next_try_ms")).as("a failed saga is not retried").isFalse();
        assertThat(all.get(0).has("next_try_ms")).isFalse();
    }

    @Test
    void queryStaysDtmsShapeAndAttemptsOfAnUnknownGidAreEmpty() {
        String gid = gid();
        submit(with(transferSaga(gid), "wait_result", true));
        attempts(gid, 2);

        JsonNode q = query(gid);
        assertThat(q.fieldNames()).toIterable().containsExactly("transaction", "branches");

        DtmHttp.Res none = api.get("/api/dtmsvr/attempts?gid=no-such-gid");
        assertThat(none.status()).isEqualTo(200);
        assertThat(none.json().path("attempts")).isEmpty();
        DtmHttp.Res missing = api.get("/api/dtmsvr/attempts");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.body()).contains("no gid specified");
    }

    @Test
    void theListingFiltersByGidPrefixAndStuckAndPagesWithoutRepeats() {
        String p = gid() + "-";
        for (int i = 0; i < 5; i++) {
            submit(with(transferSaga(p + "ok" + i), "wait_result", true));
        }
        rm.answer("/TransIn", Reply.ERROR);
        submit(with(transferSaga(p + "stuck"), "wait_result", true));
        // retried with backoff: 10 s -> 20 s -> 40 s -> 80 s
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofHours(1));
            cron(0);
        }

        List<String> seen = new ArrayList<>();
        String position = "";
        do {
            JsonNode page = api.get("/api/dtmsvr/all?limit=2&gidPrefix=" + p + "&position=" + position).json();
            page.path("transactions").forEach(t -> seen.add(t.path("gid").asText()));
            position = page.path("next_position").asText();
        } while (!position.isEmpty());
        assertThat(seen).containsExactly(p + "stuck", p + "ok4", p + "ok3", p + "ok2", p + "ok1", p + "ok0");

        JsonNode stuck = api.get("/api/dtmsvr/all?gidPrefix=" + p + "&stuck=3").json();
        assertThat(stuck.path("transactions")).extracting(t -> t.path("gid").asText()).containsExactly(p + "stuck");
        JsonNode notThatStuck = api.get("/api/dtmsvr/all?gidPrefix=" + p + "&stuck=5").json();
        assertThat(notThatStuck.path("transactions").isNull()).isTrue();
        JsonNode succeeded = api.get("/api/dtmsvr/all?gidPrefix=" + p + "&status=succeed").json();
        assertThat(succeeded.path("transactions")).hasSize(5);

        JsonNode unfinished = api.get("/api/dtmsvr/all?gidPrefix=" + p + "&stuck=0").json();
        assertThat(unfinished.path("transactions")).extracting(t -> t.path("gid").asText())
                .containsExactly(p + "stuck");
        assertThat(api.get("/api/dtmsvr/all?stuck=-1").status()).isEqualTo(400);
        assertThat(api.get("/api/dtmsvr/all?stuck=41").status()).isEqualTo(400);
        assertThat(api.get("/api/dtmsvr/all?stuck=x").status()).isEqualTo(400);

        JsonNode counts = api.get("/api/dtmsvr/counts").json();
        assertThat(counts.path("counts").path("succeed").asLong()).isGreaterThanOrEqualTo(5);
        assertThat(counts.path("counts").path("submitted").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(counts.path("counts").has("prepared")).isTrue();
        assertThat(counts.path("total").asLong()).isGreaterThanOrEqualTo(6);
    }
}
