package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdtm.server.JdtmServer;
import io.jdtm.server.config.StoreConfig;

import io.jdtm.server.scenario.FakeRm.Reply;
import io.jdtm.server.store.Backends;
import io.jdtm.server.store.StoreFactory;
import io.jdtm.server.store.TransStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two TM instances on one PostgreSQL, MariaDB or Redis store (each with its own store connections and its own
 * in-process state, as two processes have; one clock, so the test decides when leases run out). While instance A
 * drives a transaction, everything B is asked to do to it — a poller round with a look-ahead, a re-submit, a
 * {@code wait_result} re-submit, {@code resetNextCronTime} — leaves A's pass alone; B's waiting caller gets A's
 * outcome; after A released the transaction, B's poller drives it from the stored state.
 */
class TwoInstanceLeaseTest {
    private final FakeRm rm = FakeRm.start();
    private final MovableClock clock = new MovableClock();
    private final List<JdtmServer> servers = new ArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(JdtmServer::close);
        rm.close();
    }

    private DtmHttp start(StoreConfig cfg) {
        JdtmServer s = JdtmServer.builder().store(cfg).httpPort(0).grpcPort(0).clock(clock).poller(false)
                .host("127.0.0.1").start();
        servers.add(s);
        return new DtmHttp("http://localhost:" + s.httpPort());
    }

    private Map<String, Object> saga(String gid) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gid", gid);
        m.put("trans_type", "saga");
        m.put("steps", List.of(Map.of("action", rm.url("/TransOut"), "compensate", rm.url("/TransOutRevert")),
                Map.of("action", rm.url("/TransIn"), "compensate", rm.url("/TransInRevert"))));
        m.put("payloads", List.of("{\"amount\":30}", "{\"amount\":30}"));
        return m;
    }

    private static String status(DtmHttp api, String gid) {
        return api.get("/api/dtmsvr/query?gid=" + gid).json().path("transaction").path("status").asText();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"postgres", "mysql", "redis"})
    void whileOneInstanceDrivesATransactionTheOtherLeavesItAlone(String engine) throws Exception {
        StoreConfig cfg = Backends.server(engine, "lease2");
        try (TransStore s = StoreFactory.open(cfg)) {
            s.reset();
        }
        DtmHttp a = start(cfg);
        DtmHttp b = start(cfg);
        String gid = "two-" + engine + "-" + System.nanoTime();

        Gate<Reply> in = rm.hold("/TransIn");
        assertThat(a.post("/api/dtmsvr/submit", saga(gid)).status()).isEqualTo(200);
        in.awaitArrival();

        assertThat(servers.get(1).poller().runOnce(Duration.ofSeconds(180))).as("B's look-ahead round").isZero();
        assertThat(b.post("/api/dtmsvr/submit", saga(gid)).status()).as("B's re-submit").isEqualTo(200);
        assertThat(b.post("/api/dtmsvr/resetNextCronTime", Map.of("gid", gid)).status()).isEqualTo(200);
        assertThat(servers.get(1).poller().runOnce(Duration.ZERO)).as("B's round after the reset").isZero();
        Map<String, Object> waiting = new LinkedHashMap<>(saga(gid));
        waiting.put("wait_result", true);
        CompletableFuture<DtmHttp.Res> bWaits = Interleavings.async(() -> b.post("/api/dtmsvr/submit", waiting));
        in.open(Reply.FAILURE);

        DtmHttp.Res r = bWaits.get(30, TimeUnit.SECONDS);
        assertThat(r.status()).as("B's waiting caller gets A's outcome: %s", r.body()).isEqualTo(409);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> "failed".equals(status(a, gid)));
        assertThat(rm.pathsFor(gid)).containsExactly("/TransOut", "/TransIn", "/TransInRevert", "/TransOutRevert");
        Interleavings.assertNoOverlap(rm, gid);
        Interleavings.assertSagaBalanced(rm, gid, status(b, gid));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"postgres", "mysql", "redis"})
    void afterOneInstanceReleasedATransactionTheOthersPollerDrivesItFromTheStoredState(String engine) {
        StoreConfig cfg = Backends.server(engine, "lease2");
        try (TransStore s = StoreFactory.open(cfg)) {
            s.reset();
        }
        DtmHttp a = start(cfg);
        start(cfg);
        String gid = "two-" + engine + "-" + System.nanoTime();

        // A's pass: /TransOut applied, /TransIn errors; A releases the lease with its retry schedule
        rm.script("/TransIn", Reply.ERROR);
        assertThat(a.post("/api/dtmsvr/submit", saga(gid)).status()).isEqualTo(200);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> a.get("/api/dtmsvr/query?gid=" + gid).json()
                .path("transaction").path("owner").asText("").startsWith("lease:") == false);

        // B's poller once the schedule is due: /TransIn now fails for good, so B rolls back both steps
        rm.answer("/TransIn", Reply.FAILURE);
        clock.advance(Duration.ofSeconds(60));
        assertThat(servers.get(1).poller().runOnce(Duration.ZERO)).isEqualTo(1);

        assertThat(status(a, gid)).isEqualTo("failed");
        assertThat(rm.pathsFor(gid))
                .containsExactly("/TransOut", "/TransIn", "/TransIn", "/TransInRevert", "/TransOutRevert");
        Interleavings.assertNoOverlap(rm, gid);
        Interleavings.assertSagaBalanced(rm, gid, "failed");
    }
}
