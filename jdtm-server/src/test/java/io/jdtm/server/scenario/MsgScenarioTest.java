package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jdtm.server.config.ServerConfig;
import io.jdtm.server.scenario.FakeRm.Reply;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MsgScenarioTest extends ScenarioBase {

    @Override
    protected ServerConfig config() {
        return super.config().withAlertWebHook(hookUrl);
    }

    private final FakeRm hook = FakeRm.start();
    private final String hookUrl = hook.url("/alert");

    private Map<String, Object> msg(String gid, String... actions) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gid", gid);
        m.put("trans_type", "msg");
        m.put("steps", java.util.Arrays.stream(actions).map(a -> Map.of("action", a.startsWith("topic://") ? a : url(a))).toList());
        m.put("payloads", java.util.Arrays.stream(actions).map(a -> "{\"amount\":30}").toList());
        m.put("query_prepared", url("/QueryPrepared"));
        return m;
    }

    @Test
    void submittedMsgRunsEveryBranch() {
        String gid = gid();
        assertThat(submit(with(msg(gid, "/TransOut", "/TransIn"), "wait_result", true)).status()).isEqualTo(200);
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(branchStatuses(gid)).containsExactly("succeed", "succeed");
        assertThat(rm.pathsFor(gid)).containsExactly("/TransOut", "/TransIn");
    }

    @Test
    void topicFansOutToEverySubscriber() {
        String gid = gid();
        assertThat(api.get("/api/dtmsvr/subscribe?topic=orders&url=" + url("/A") + "&remark=a").status()).isEqualTo(200);
        assertThat(api.get("/api/dtmsvr/subscribe?topic=orders&url=" + url("/B") + "&remark=b").status()).isEqualTo(200);
        submit(msg(gid, "topic://orders"));
        awaitStatus(gid, "succeed");
        assertThat(query(gid).path("branches")).hasSize(2);
        assertThat(query(gid).path("branches").get(0).path("branch_id").asText()).isEqualTo("01-01");
        assertThat(rm.count("/A")).isEqualTo(1);
        assertThat(rm.count("/B")).isEqualTo(1);
    }

    @Test
    void unknownTopicIsRefused() {
        DtmHttp.Res r = submit(msg(gid(), "topic://nope"));
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.field("message")).contains("topic not found");
    }

    @Test
    void preparedMsgAsksQueryPreparedAfterTimeout() {
        String gid = gid();
        rm.script("/QueryPrepared", Reply.ONGOING);
        rm.script("/TransIn", Reply.ONGOING);
        assertThat(prepare(msg(gid, "/TransOut", "/TransIn")).status()).isEqualTo(200);
        assertThat(prepare(msg(gid, "/TransOut", "/TransIn")).status()).isEqualTo(200); // idempotent
        cron(); // not timed out yet: the 35 s default
        assertThat(rm.count("/QueryPrepared")).isZero();
        clock.advance(Duration.ofSeconds(180));
        cron();
        assertThat(status(gid)).isEqualTo("prepared");
        assertThat(rm.calls("/QueryPrepared").getFirst().method()).isEqualTo("GET");
        assertThat(rm.calls("/QueryPrepared").getFirst().query()).containsEntry("branch_id", "00").containsEntry("op", "msg");
        cron();
        assertThat(status(gid)).isEqualTo("submitted"); // QueryPrepared said yes, TransIn ongoing
        cron();
        assertThat(status(gid)).isEqualTo("succeed");
        DtmHttp.Res late = prepare(msg(gid, "/TransOut", "/TransIn"));
        assertThat(late.status()).isEqualTo(409);
    }

    @Test
    void queryPreparedFailureFailsTheMsg() {
        String gid = gid();
        rm.answer("/QueryPrepared", Reply.FAILURE);
        prepare(msg(gid, "/TransOut"));
        clock.advance(Duration.ofSeconds(60));
        cron();
        assertThat(status(gid)).isEqualTo("failed");
        assertThat(branchStatuses(gid)).containsExactly("prepared");
        assertThat(rm.count("/TransOut")).isZero();
    }

    @Test
    void customTimeoutDelaysTheQuery() {
        String gid = gid();
        prepare(with(msg(gid, "/TransOut"), "timeout_to_fail", 120));
        clock.advance(Duration.ofSeconds(60));
        cron(0);
        assertThat(rm.count("/QueryPrepared")).isZero();
        clock.advance(Duration.ofSeconds(120));
        cron();
        assertThat(status(gid)).isEqualTo("succeed");
    }

    @Test
    void submitAfterPrepareRunsTheStoredBranches() {
        String gid = gid();
        prepare(msg(gid, "/TransOut"));
        assertThat(submit(with(msg(gid, "/TransOut"), "wait_result", true)).status()).isEqualTo(200);
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(rm.count("/TransOut")).isEqualTo(1);
    }

    @Test
    void abortOfAPreparedMsgFailsIt() {
        String gid = gid();
        prepare(msg(gid, "/TransOut"));
        assertThat(api.post("/api/dtmsvr/abort", Map.of("gid", gid, "trans_type", "msg")).status()).isEqualTo(200);
        assertThat(status(gid)).isEqualTo("failed");
        assertThat(rm.count("/TransOut")).isZero();
    }

    @Test
    void concurrentMsgSucceeds() {
        String gid = gid();
        submit(with(msg(gid, "/TransOut", "/TransIn"), "concurrent", true, "wait_result", true));
        assertThat(status(gid)).isEqualTo("succeed");
    }

    @Test
    void branchFailureOfAMsgIsRetriedNotTerminal() {
        String gid = gid();
        rm.script("/TransIn", Reply.FAILURE);
        DtmHttp.Res r = submit(with(msg(gid, "/TransIn"), "wait_result", true));
        assertThat(r.status()).isEqualTo(500);
        assertThat(status(gid)).isEqualTo("submitted");
        cron(3600);
        assertThat(status(gid)).isEqualTo("succeed");
    }

    @Test
    void delayPostponesTheBranches() {
        String gid = gid();
        submit(with(msg(gid, "/TransIn"), "custom_data", "{\"delay\":10}"));
        await().atMost(Duration.ofSeconds(10)).until(() -> query(gid).path("transaction").has("next_cron_time")
                && rm.count("/TransIn") == 0 && cron(0) == 0);
        assertThat(cron(8)).isZero();
        clock.advance(Duration.ofSeconds(12));
        assertThat(cron(0)).isEqualTo(1);
        assertThat(status(gid)).isEqualTo("succeed");
    }

    @Test
    void alertWebhookFiresAfterTheThirdConsecutiveError() {
        String gid = gid();
        rm.answer("/TransIn", Reply.ERROR);
        submit(with(msg(gid, "/TransIn"), "wait_result", true));
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofSeconds(10_000));
            cron(0);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> hook.count("/alert") >= 1);
        assertThat(hook.calls("/alert").getFirst().body()).contains("\"gid\":\"" + gid + "\"").contains("retry_count");
        hook.answer("/alert", Reply.ERROR);
        clock.advance(Duration.ofSeconds(100_000));
        cron(0);
        assertThat(status(gid)).isEqualTo("submitted");
        hook.close();
    }

    @Test
    void subscribeRulesAndTopicDeletion() {
        String base = "/api/dtmsvr/";
        assertThat(api.get(base + "subscribe?topic=t1&url=" + url("/A")).status()).isEqualTo(200);
        assertThat(api.get(base + "subscribe?topic=t1&url=" + url("/A")).field("message")).contains("this url exists");
        assertThat(api.get(base + "subscribe?topic=&url=" + url("/A")).status()).isNotEqualTo(200);
        assertThat(api.get(base + "subscribe?topic=t1&url=").status()).isNotEqualTo(200);
        assertThat(api.get(base + "queryKV?cat=topics&key=t1").json().path("kv")).hasSize(1);
        assertThat(api.get(base + "queryKV?cat=topics&key=none").json().path("kv")).isEmpty();
        assertThat(api.get(base + "unsubscribe?topic=t1&url=" + url("/A")).status()).isEqualTo(200);
        assertThat(api.get(base + "unsubscribe?topic=t1&url=" + url("/A")).status()).isNotEqualTo(200);
        assertThat(api.get(base + "unsubscribe?topic=zz&url=" + url("/A")).status()).isNotEqualTo(200);
        assertThat(api.delete(base + "topic/zz").status()).isNotEqualTo(200);
        assertThat(api.delete(base + "topic/t1").status()).isEqualTo(200);
        assertThat(api.get(base + "queryKV?cat=topics&key=t1").json().path("kv")).isEmpty();
    }

    @Test
    void concurrentSubscribesKeepTheVersionConsistent() throws Exception {
        List<Thread> ts = new java.util.ArrayList<>();
        java.util.Set<String> winners = java.util.concurrent.ConcurrentHashMap.newKeySet();
        api.get("/api/dtmsvr/subscribe?topic=c&url=" + url("/seed"));
        for (int i = 0; i < 20; i++) {
            String u = url("/s" + i);
            ts.add(Thread.startVirtualThread(() -> {
                if (api.get("/api/dtmsvr/subscribe?topic=c&url=" + u).status() == 200) {
                    winners.add(u);
                }
            }));
        }
        for (Thread t : ts) {
            t.join();
        }
        var kv = api.get("/api/dtmsvr/queryKV?cat=topics&key=c").json().path("kv").get(0);
        assertThat(kv.path("version").asLong()).isEqualTo(1 + winners.size());
        for (String u : winners) {
            assertThat(kv.path("v").asText()).contains(u);
        }
    }
}
