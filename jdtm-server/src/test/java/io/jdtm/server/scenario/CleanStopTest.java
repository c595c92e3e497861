package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdtm.server.JdtmServer;
import io.jdtm.server.config.ServerConfig;
import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.scenario.FakeRm.Reply;
import io.jdtm.server.store.Backends;
import io.jdtm.server.store.StoreFactory;
import io.jdtm.server.store.TransGlobal;
import io.jdtm.server.store.TransStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@code jdtm} process stopped by SIGTERM or SIGINT, as an orchestrator stops it: it exits 0 after finishing or
 * handing back the passes in flight, and a second instance on the same store continues a handed-back transaction at
 * once instead of waiting for the first one's lease to run out.
 */
class CleanStopTest {
    /** The first instance's lease: what a second instance would wait without the hand-back. */
    private static final int RETRY_INTERVAL = 60;

    @TempDir
    Path dir;

    private final FakeRm rm = FakeRm.start();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void cleanup() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
        rm.close();
    }

    private StoreConfig store(String engine) {
        if (engine.equals("sqlite")) {
            return StoreConfig.defaults().withDriver("sqlite").withDataDir(dir.resolve("data").toString());
        }
        return Backends.server(engine, "stop");
    }

    /** The environment that points {@code jdtm} at {@code c}. */
    static Map<String, String> env(StoreConfig c) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("STORE_DRIVER", c.driver());
        env.put("STORE_HOST", c.host());
        env.put("STORE_PORT", Integer.toString(c.port()));
        env.put("STORE_USER", c.user());
        env.put("STORE_PASSWORD", c.password());
        env.put("STORE_DB", c.db());
        env.put("STORE_SCHEMA", c.schema());
        env.put("STORE_REDIS_PREFIX", c.redisPrefix());
        env.put("STORE_DATA_DIR", c.dataDir());
        env.put("STORE_MAX_OPEN_CONNS", "8");
        env.put("STORE_MAX_IDLE_CONNS", "2");
        env.values().removeIf(String::isEmpty);
        return env;
    }

    private MainProcess startJdtm(StoreConfig c, Map<String, String> more) {
        Map<String, String> env = env(c);
        env.put("RETRY_INTERVAL", Integer.toString(RETRY_INTERVAL));
        env.put("TIMEOUT_TO_FAIL", Integer.toString(2 * RETRY_INTERVAL));
        env.putAll(more);
        MainProcess p = MainProcess.start(env);
        open.add(p);
        return p;
    }

    private DtmHttp startSecondInstance(StoreConfig c) {
        JdtmServer b = JdtmServer.builder().config(ServerConfig.defaults().withStore(c)).httpPort(0).grpcPort(0)
                .host("127.0.0.1").start();
        open.add(b);
        return new DtmHttp("http://localhost:" + b.httpPort());
    }

    private Map<String, Object> saga(String gid, String... actions) {
        List<Map<String, String>> steps = new ArrayList<>();
        List<String> payloads = new ArrayList<>();
        for (String a : actions) {
            steps.add(Map.of("action", rm.url(a), "compensate", rm.url(a + "Revert")));
            payloads.add("{\"amount\":30}");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gid", gid);
        m.put("trans_type", "saga");
        m.put("steps", steps);
        m.put("payloads", payloads);
        return m;
    }

    private static String status(DtmHttp api, String gid) {
        return api.get("/api/dtmsvr/query?gid=" + gid).json().path("transaction").path("status").asText();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sqlite", "postgres", "mysql", "redis"})
    void sigtermHandsBackASagaInFlightAndASecondInstanceFinishesItAtOnce(String engine) {
        StoreConfig c = store(engine);
        MainProcess a = startJdtm(c, Map.of("SHUTDOWN_GRACE", "20"));
        DtmHttp api = new DtmHttp("http://localhost:" + a.awaitRunning(Duration.ofSeconds(60)));
        String gid = "stop-" + engine + "-" + System.nanoTime();
        Gate<Reply> in = rm.hold("/TransIn");
        assertThat(api.post("/api/dtmsvr/submit", saga(gid, "/TransOut", "/TransIn", "/Ship")).status())
                .isEqualTo(200);
        in.awaitArrival();

        a.stop(); // SIGTERM, while /TransIn is in flight
        a.awaitLine("SIGTERM: stopping jdtm", Duration.ofSeconds(10));
        assertThat(a.isAlive()).as("waits for the branch call in flight").isTrue();
        in.open(Reply.SUCCESS);

        assertThat(a.awaitExit(Duration.ofSeconds(20))).as("exit code; output:\n%s", a.output()).isZero();
        assertThat(a.output()).contains("1 transaction(s) handed back");
        assertThat(rm.calls("/Ship")).as("no branch call started after SIGTERM").isEmpty();

        Instant handedBack = Instant.now();
        DtmHttp b = startSecondInstance(c);
        Awaitility.await().atMost(Duration.ofSeconds(RETRY_INTERVAL / 3)).pollInterval(Duration.ofMillis(100))
                .until(() -> status(b, gid).equals("succeed"));
        assertThat(Duration.between(handedBack, Instant.now())).as("far sooner than the lease (%s s)", RETRY_INTERVAL)
                .isLessThan(Duration.ofSeconds(RETRY_INTERVAL / 3));
        assertThat(rm.pathsFor(gid)).containsExactly("/TransOut", "/TransIn", "/Ship");
        Interleavings.assertNoOverlap(rm, gid);
    }

    @Test
    void aDecisionEarnedBeforeTheStopIsStillWritten() {
        StoreConfig c = store("sqlite");
        MainProcess a = startJdtm(c, Map.of("SHUTDOWN_GRACE", "20"));
        DtmHttp api = new DtmHttp("http://localhost:" + a.awaitRunning(Duration.ofSeconds(60)));
        String gid = "stop-last-" + System.nanoTime();
        Gate<Reply> in = rm.hold("/TransIn");
        assertThat(api.post("/api/dtmsvr/submit", saga(gid, "/TransOut", "/TransIn")).status()).isEqualTo(200);
        in.awaitArrival();

        a.stop();
        a.awaitLine("SIGTERM: stopping jdtm", Duration.ofSeconds(10));
        in.open(Reply.SUCCESS);

        assertThat(a.awaitExit(Duration.ofSeconds(20))).as("exit code; output:\n%s", a.output()).isZero();
        assertThat(a.output()).contains("0 transaction(s) handed back");
        try (TransStore s = StoreFactory.open(c)) {
            assertThat(s.findGlobal(gid).orElseThrow().status().wire()).isEqualTo("succeed");
        }
    }

    @Test
    void aBranchCallOutlastingTheGraceKeepsItsLeaseOnlyUntilTheCallTimesOut() {
        StoreConfig c = store("sqlite");
        MainProcess a = startJdtm(c, Map.of("SHUTDOWN_GRACE", "1", "REQUEST_TIMEOUT", "20"));
        DtmHttp api = new DtmHttp("http://localhost:" + a.awaitRunning(Duration.ofSeconds(60)));
        String gid = "stop-slow-" + System.nanoTime();
        Gate<Reply> in = rm.hold("/TransIn");
        assertThat(api.post("/api/dtmsvr/submit", saga(gid, "/TransOut", "/TransIn")).status()).isEqualTo(200);
        in.awaitArrival();
        Instant called = Instant.now();

        a.stop();

        assertThat(a.awaitExit(Duration.ofSeconds(10))).as("exit code; output:\n%s", a.output()).isZero();
        assertThat(Duration.between(called, Instant.now())).as("the grace, not the call's timeout")
                .isLessThan(Duration.ofSeconds(10));
        assertThat(a.output()).contains("1 pass(es) still in a branch call after the grace period, 1 lease(s) cut");
        try (TransStore s = StoreFactory.open(c)) {
            TransGlobal g = s.findGlobal(gid).orElseThrow();
            assertThat(g.status().wire()).isEqualTo("submitted");
            assertThat(g.nextCronTime()).as("the call's timeout, not the %s s lease", RETRY_INTERVAL)
                    .isBetween(called.plusSeconds(18), called.plusSeconds(23));
        }
        in.open(Reply.SUCCESS);
    }

    @Test
    void aSecondSigtermEndsAStopAtOnce() {
        MainProcess a = startJdtm(store("sqlite"), Map.of("SHUTDOWN_GRACE", "60", "REQUEST_TIMEOUT", "60"));
        DtmHttp api = new DtmHttp("http://localhost:" + a.awaitRunning(Duration.ofSeconds(60)));
        Gate<Reply> in = rm.hold("/TransIn");
        assertThat(api.post("/api/dtmsvr/submit", saga("stop-twice-" + System.nanoTime(), "/TransOut", "/TransIn"))
                .status()).isEqualTo(200);
        in.awaitArrival();
        a.stop();
        a.awaitLine("SIGTERM: stopping jdtm", Duration.ofSeconds(10));

        long t0 = System.nanoTime();
        a.stop();

        assertThat(a.awaitExit(Duration.ofSeconds(5))).as("128 + SIGTERM").isEqualTo(143);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
        assertThat(a.output()).contains("SIGTERM while stopping: exiting now");
        in.open(Reply.SUCCESS);
    }

    @Test
    void sigintStopsAnIdleServerAtOnceWithExitCode0() {
        MainProcess a = startJdtm(store("sqlite"), Map.of());
        DtmHttp api = new DtmHttp("http://localhost:" + a.awaitRunning(Duration.ofSeconds(60)));
        assertThat(api.get("/api/ping").status()).isEqualTo(200);

        long t0 = System.nanoTime();
        a.signal("INT");

        assertThat(a.awaitExit(Duration.ofSeconds(10))).as("exit code; output:\n%s", a.output()).isZero();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("nothing in flight: no grace to wait out")
                .isLessThan(Duration.ofSeconds(3));
        assertThat(a.output()).contains("SIGINT: stopping jdtm", "jdtm stopped in").doesNotContain("\tat ");
    }
}
