package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.jdtm.server.JdtmServer;
import io.jdtm.server.config.ServerConfig;
import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.Backends;
import io.jdtm.server.store.TransStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real server on a free port over a real store, a real fake RM, and the DTM test vocabulary: "cron +N" is one
 * synchronous poller round with an N-second look-ahead, "now +N" moves the server's clock. The background poller
 * is off so each test decides when the TM retries.
 */
abstract class ScenarioBase {
    private static final AtomicInteger SEQ = new AtomicInteger();

    @TempDir
    Path dir;

    protected JdtmServer server;
    protected FakeRm rm;
    protected DtmHttp api;
    protected MovableClock clock;
    private String testName;

    @BeforeEach
    void startServer(TestInfo info) {
        testName = info.getTestMethod().map(m -> m.getName()).orElse("t");
        clock = new MovableClock();
        rm = FakeRm.start();
        StoreConfig store = storeConfig(dir);
        // a server engine's schema/prefix is shared by the whole run: emptied before each test
        server = JdtmServer.builder().config(config()).store(store).resetStore(!store.isEmbedded()).clock(clock)
                .poller(false).host("127.0.0.1").storeWrapper(this::wrapStore).start();
        api = new DtmHttp("http://localhost:" + server.httpPort());
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
        if (rm != null) {
            rm.close();
        }
    }

    /**
     * The store the scenarios run on: the embedded engine by default; {@code -Djdtm.test.store=postgres|mysql|redis}
     * runs the same scenarios on that real server (one schema/prefix per JVM run), {@code redis-cluster} on a local
     * 3+3 Redis Cluster the JVM starts (io.jdtm.server.store.LocalRedisCluster).
     */
    static StoreConfig storeConfig(Path dir) {
        String engine = System.getProperty("jdtm.test.store", "sqlite");
        return engine.equals("sqlite")
                ? StoreConfig.defaults().withDataDir(dir.resolve("data").toString())
                : Backends.server(engine, "scenario");
    }

    /** What the server runs on instead of the store it opened; override to watch the store's calls. */
    protected TransStore wrapStore(TransStore store) {
        return store;
    }

    /** The server configuration of this test class; override to change keys. */
    protected ServerConfig config() {
        return ServerConfig.defaults().withHttpPort(0).withGrpcPort(0);
    }

    protected String gid() {
        return testName + "-" + SEQ.incrementAndGet();
    }

    // ---- the API

    protected DtmHttp.Res submit(Map<String, Object> body) {
        return api.post("/api/dtmsvr/submit", body);
    }

    protected DtmHttp.Res prepare(Map<String, Object> body) {
        return api.post("/api/dtmsvr/prepare", body);
    }

    protected JsonNode query(String gid) {
        return api.get("/api/dtmsvr/query?gid=" + gid).json();
    }

    protected String status(String gid) {
        return query(gid).path("transaction").path("status").asText("");
    }

    protected List<String> branchStatuses(String gid) {
        List<String> out = new ArrayList<>();
        for (JsonNode b : query(gid).path("branches")) {
            out.add(b.path("status").asText());
        }
        return out;
    }

    protected void awaitStatus(String gid, String status) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> status.equals(status(gid)));
    }

    /** One poller round that may claim work due within {@code lookaheadSeconds}; returns how many it drove. */
    protected int cron(long lookaheadSeconds) {
        return server.poller().runOnce(Duration.ofSeconds(lookaheadSeconds));
    }

    /** DTM's tests' default cron look-ahead of 180 s. */
    protected int cron() {
        return cron(180);
    }

    // ---- request bodies

    protected Map<String, Object> saga(String gid, String... actionCompensatePairs) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gid", gid);
        m.put("trans_type", "saga");
        List<Map<String, String>> steps = new ArrayList<>();
        List<String> payloads = new ArrayList<>();
        for (int i = 0; i < actionCompensatePairs.length; i += 2) {
            steps.add(Map.of("action", url(actionCompensatePairs[i]), "compensate", url(actionCompensatePairs[i + 1])));
            payloads.add("{\"amount\":30}");
        }
        m.put("steps", steps);
        m.put("payloads", payloads);
        return m;
    }

    /** The standard two-step transfer saga of DTM's tests. */
    protected Map<String, Object> transferSaga(String gid) {
        return saga(gid, "/TransOut", "/TransOutRevert", "/TransIn", "/TransInRevert");
    }

    /**
     * Prepares TCC transaction {@code gid} and registers the transfer's two branches, 01 TransOut and 02 TransIn
     * (confirm /TransOutConfirm, cancel /TransOutCancel and so on), each answered 200; submitting it is the test's.
     */
    protected void prepareTccTransfer(String gid) {
        assertThat(prepare(Map.of("gid", gid, "trans_type", "tcc")).status()).isEqualTo(200);
        for (String[] b : List.of(new String[] {"01", "TransOut"}, new String[] {"02", "TransIn"})) {
            DtmHttp.Res reg = api.post("/api/dtmsvr/registerBranch", Map.of("gid", gid, "trans_type", "tcc",
                    "branch_id", b[0], "confirm", url("/" + b[1] + "Confirm"), "cancel", url("/" + b[1] + "Cancel"),
                    "data", "{\"amount\":30}"));
            assertThat(reg.status()).as(reg.body()).isEqualTo(200);
        }
    }

    protected String url(String path) {
        return path.isEmpty() ? "" : rm.url(path);
    }

    protected static Map<String, Object> with(Map<String, Object> m, Object... kv) {
        Map<String, Object> out = new LinkedHashMap<>(m);
        for (int i = 0; i < kv.length; i += 2) {
            out.put((String) kv[i], kv[i + 1]);
        }
        return out;
    }
}
