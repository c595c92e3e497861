package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jdtm.protocol.DtmJson;
import io.jdtm.server.JdtmServer;
import io.jdtm.server.config.ServerConfig;
import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.Backends;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "A store that is down or restarts": 16 clients submit two-step sagas to an in-process TM (background poller on,
 * short RetryInterval) while its real store server goes away and comes back. While it is away, new submits get a
 * quick 503 naming storage and the TM keeps answering; once it is back, submits succeed again without restarting
 * the TM; and every saga that was ever acknowledged with a 200 reaches {@code succeed} with both actions called.
 *
 * <ul>
 *   <li>Redis: a redis-server child process of this test (its own port and directory, AOF with
 *       {@code appendfsync always}, so acknowledged writes survive), killed with SIGKILL and restarted on the same
 *       port and directory. The machine's shared Redis is not touched.
 *   <li>PostgreSQL: the machine's cluster, stopped and started with {@code pg_ctlcluster} (needs root). It is
 *       started again after the test whatever happens, and the test waits until it accepts connections.
 *   <li>MariaDB: the machine's server stays up; the TM reaches it through a {@link TcpProxy} that is cut (every
 *       connection reset, new ones refused) and restored, as if the database host dropped off the network.
 * </ul>
 */
class StoreFaultTest {
    private static final int CLIENTS = 16;
    /** A 503 must come this quickly: far below the 30 s an unbounded pool or client would wait. */
    private static final Duration QUICK = Duration.ofSeconds(10);
    private static final Duration DEADLINE = Duration.ofSeconds(40);
    private static final int BATCH = 200;
    private static final String POSTGRES_URL =
            "jdbc:postgresql://" + Backends.HOST + ":" + Backends.POSTGRES_PORT + "/" + Backends.POSTGRES_DB;
    private static final Pattern PG_PORT_5432 = Pattern.compile("(?m)^\\s*port\\s*=\\s*5432\\b");

    @TempDir
    Path dir;

    private final FakeRm rm = FakeRm.start();
    private JdtmServer server;
    private Process redis;
    private Runnable restoreBackend = () -> {};
    private Runnable dropData = () -> {};

    @BeforeEach
    void onlyInTheDefaultRun() {
        // The engine-specific surefire executions rerun the scenario suite; this test picks its own store.
        assumeTrue(System.getProperty("jdtm.test.store") == null,
                "StoreFaultTest runs in the default surefire execution only");
    }

    @AfterEach
    void cleanup() {
        try {
            if (server != null) {
                server.close();
            }
        } finally {
            try {
                restoreBackend.run();
                dropData.run();
            } finally {
                rm.close();
                if (redis != null) {
                    redis.destroyForcibly();
                }
            }
        }
    }

    // ---------------------------------------------------------------- the three stores

    @Test
    void redisKilledAndRestarted() throws Exception {
        Backends.requireThat(onPath("redis-server"), "redis-server is not on the PATH");
        int port = freePort();
        Path data = Files.createDirectories(dir.resolve("redis"));
        redis = startRedis(port, data);
        StoreConfig shared = Backends.redis("fault");
        StoreConfig cfg = new StoreConfig("redis", Backends.HOST, port, "", "", shared.db(), shared.schema(),
                shared.maxOpenConns(), shared.maxIdleConns(), shared.connMaxLifeTime(), shared.dataExpire(),
                shared.finishedDataExpire(), shared.redisPrefix(), shared.dataDir(), shared.retention());
        outage("redis", cfg, () -> {
            redis.destroyForcibly(); // SIGKILL: no shutdown save, only what the AOF already holds
            waitFor(redis);
        }, () -> redis = startRedis(port, data));
    }

    @Test
    void postgresStoppedAndStarted() throws Exception {
        Backends.require("PostgreSQL", Backends.POSTGRES_PORT);
        Optional<String> version = postgresClusterVersion();
        Backends.requireThat(onPath("pg_ctlcluster") && version.isPresent() && isRoot(),
                "restarting PostgreSQL needs pg_ctlcluster, a cluster 'main' on port 5432 in /etc/postgresql and root"
                        + " (pg_ctlcluster " + (onPath("pg_ctlcluster") ? "found" : "missing") + ", cluster "
                        + version.orElse("not found") + ", root " + isRoot() + ")");
        String v = version.get();
        restoreBackend = () -> ensurePostgresRunning(v);
        StoreConfig cfg = Backends.postgres("fault");
        dropData = () -> sql(POSTGRES_URL, "postgres", "DROP SCHEMA IF EXISTS " + cfg.schema() + " CASCADE");
        String preparedBefore = postgresSetting("max_prepared_transactions");
        outage("postgres", cfg, () -> pgCtl(v, "stop"), () -> pgCtl(v, "start"));
        // other tests of this run need the server as it was configured (XA needs prepared transactions)
        assertThat(postgresSetting("max_prepared_transactions")).isEqualTo(preparedBefore);
    }

    @Test
    void mariadbCutOffAndBack() throws Exception {
        Backends.require("MariaDB", Backends.MARIADB_PORT);
        TcpProxy proxy = new TcpProxy(Backends.MARIADB_PORT);
        restoreBackend = proxy::close;
        StoreConfig m = Backends.mariadb("fault");
        dropData = () -> sql("jdbc:mariadb://" + Backends.HOST + ":" + Backends.MARIADB_PORT + "/?sslMode=disable",
                "root", "DROP DATABASE IF EXISTS " + m.db());
        StoreConfig cfg = new StoreConfig(m.driver(), m.host(), proxy.port(), m.user(), m.password(), m.db(),
                m.schema(), m.maxOpenConns(), m.maxIdleConns(), m.connMaxLifeTime(), m.dataExpire(),
                m.finishedDataExpire(), m.redisPrefix(), m.dataDir(), m.retention());
        outage("mysql", cfg, proxy::cut, proxy::restore);
    }

    // ---------------------------------------------------------------- the scenario

    private void outage(String name, StoreConfig cfg, Runnable stop, Runnable start) throws Exception {
        server = JdtmServer.builder().config(serverConfig(cfg)).resetStore(true).host("127.0.0.1").start();
        String base = "http://127.0.0.1:" + server.httpPort();
        DtmHttp api = new DtmHttp(base);
        Load load = new Load(api, "fault-" + name + "-");
        load.start();
        int ackedBefore;
        int ackedAtRestart;
        long outageMillis;
        long recoveryMillis;
        Probe probe;
        try {
            await().atMost(DEADLINE).until(() -> load.acked.size() >= BATCH);

            long down = System.nanoTime();
            stop.run();
            ackedBefore = load.acked.size();

            // a new submit: a quick 503 naming storage, with Retry-After
            probe = probeSubmit(base, load.saga("fault-" + name + "-probe"));
            assertThat(probe.status).as(probe.body).isEqualTo(503);
            assertThat(DtmJson.mapper().readTree(probe.body).path("message").asText())
                    .startsWith("storage unavailable: ");
            assertThat(probe.body).doesNotContain("\tat ", "Exception:"); // no stack trace, no raw class names
            assertThat(probe.retryAfter).isPresent();
            assertThat(probe.elapsed).isLessThan(QUICK);

            // JSON-RPC says the same in its envelope
            JsonNode rpc = api.post("/api/json-rpc", Map.of("jsonrpc", "2.0", "id", "1", "method", "submit",
                    "params", load.saga("fault-" + name + "-rpc"))).json();
            assertThat(rpc.path("error").path("code").asInt()).as(rpc.toString()).isEqualTo(-32000);
            assertThat(rpc.path("error").path("message").asText()).startsWith("storage unavailable: ");

            // the TM itself keeps running
            assertThat(api.get("/api/ping").status()).isEqualTo(200);
            assertThat(api.get("/api/dtmsvr/newGid").status()).isEqualTo(200);

            // and the clients see 503s too: at least one per client
            await().atMost(QUICK.multipliedBy(2)).until(() -> load.unavailable.get() >= CLIENTS);

            start.run();
            outageMillis = (System.nanoTime() - down) / 1_000_000;
            long up = System.nanoTime();
            ackedAtRestart = load.acked.size();
            // submits succeed again, with no restart of the TM
            await().atMost(DEADLINE).until(() -> load.acked.size() >= ackedAtRestart + 1);
            recoveryMillis = (System.nanoTime() - up) / 1_000_000;
            await().atMost(DEADLINE).until(() -> load.acked.size() >= ackedAtRestart + BATCH);
        } finally {
            load.stop();
        }
        System.err.printf("StoreFaultTest %s: %d acknowledged before the outage, %d by the restart, %d in all;"
                        + " outage %d ms, %d answers 503 (slowest %d ms, probe %d ms); first 200 %d ms after the"
                        + " restart%n", name, ackedBefore, ackedAtRestart, load.acked.size(), outageMillis,
                load.unavailable.get(), load.slowest503.get() / 1_000_000, probe.elapsed.toMillis(), recoveryMillis);

        // every failed submit was a clean 503 naming storage, answered quickly
        assertThat(load.other).as("answers other than 200 and 503 'storage unavailable'").isEmpty();
        assertThat(load.unavailable.get()).isGreaterThanOrEqualTo(CLIENTS);
        assertThat(Duration.ofNanos(load.slowest503.get())).isLessThan(QUICK);

        // nothing acknowledged is lost: every saga answered 200 finishes, both actions called
        Set<String> acked = Set.copyOf(load.acked);
        Set<String> pending = ConcurrentHashMap.newKeySet();
        pending.addAll(acked);
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            Map<String, String> notYet = new HashMap<>();
            for (String gid : List.copyOf(pending)) {
                String status = api.get("/api/dtmsvr/query?gid=" + gid).json().path("transaction").path("status")
                        .asText("missing");
                if (status.equals("succeed")) {
                    pending.remove(gid);
                } else if (notYet.size() < 10) {
                    notYet.put(gid, status);
                }
            }
            assertThat(pending).as("acknowledged sagas not succeed yet, e.g. %s", notYet).isEmpty();
        });
        Map<String, Set<String>> called = new HashMap<>();
        for (FakeRm.Call c : rm.calls()) {
            called.computeIfAbsent(c.gid(), g -> new HashSet<>()).add(c.path());
        }
        for (String gid : acked) {
            assertThat(called.getOrDefault(gid, Set.of())).as(gid).contains("/TransOut", "/TransIn");
        }
        assertThat(ackedBefore).isGreaterThanOrEqualTo(BATCH);
        assertThat(acked.size()).isGreaterThanOrEqualTo(ackedAtRestart + BATCH);
    }

    /** Clients submitting sagas as fast as they are answered, recording each answer. */
    private final class Load {
        final Set<String> acked = ConcurrentHashMap.newKeySet();
        final AtomicInteger unavailable = new AtomicInteger();
        final AtomicLong slowest503 = new AtomicLong();
        final List<String> other = new CopyOnWriteArrayList<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicInteger seq = new AtomicInteger();
        private final List<Thread> threads = new ArrayList<>();
        private final DtmHttp api;
        private final String prefix;

        Load(DtmHttp api, String prefix) {
            this.api = api;
            this.prefix = prefix;
        }

        Map<String, Object> saga(String gid) {
            return Map.of("gid", gid, "trans_type", "saga",
                    "steps", List.of(Map.of("action", rm.url("/TransOut"), "compensate", rm.url("/TransOutRevert")),
                            Map.of("action", rm.url("/TransIn"), "compensate", rm.url("/TransInRevert"))),
                    "payloads", List.of("{\"amount\":30}", "{\"amount\":30}"));
        }

        void start() {
            for (int i = 0; i < CLIENTS; i++) {
                threads.add(Thread.ofPlatform().name("fault-client-" + i).daemon(true).start(this::client));
            }
        }

        private void client() {
            while (!stop.get()) {
                String gid = prefix + seq.incrementAndGet();
                long t0 = System.nanoTime();
                DtmHttp.Res r;
                try {
                    r = api.post("/api/dtmsvr/submit", saga(gid));
                } catch (RuntimeException e) {
                    other(gid + ": " + e);
                    continue;
                }
                long took = System.nanoTime() - t0;
                if (r.status() == 200) {
                    acked.add(gid);
                } else if (r.status() == 503 && r.field("message").startsWith("storage unavailable: ")) {
                    unavailable.incrementAndGet();
                    slowest503.accumulateAndGet(took, Math::max);
                    backOff();
                } else {
                    other(gid + ": " + r.status() + " " + r.body());
                }
            }
        }

        private void other(String what) {
            if (other.size() < 50) {
                other.add(what);
            }
        }

        /** A polite client pauses after a 503 instead of hammering the TM (pacing, not waiting for a state). */
        private static void backOff() {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void stop() {
            stop.set(true);
            for (Thread t : threads) {
                try {
                    t.join(Duration.ofSeconds(70)); // a request is answered within DtmHttp's 60 s timeout
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private record Probe(int status, String body, Optional<String> retryAfter, Duration elapsed) {}

    private static Probe probeSubmit(String base, Map<String, Object> saga) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/api/dtmsvr/submit"))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(DtmJson.write(saga)))
                .build();
        long t0 = System.nanoTime();
        HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
        Duration elapsed = Duration.ofNanos(System.nanoTime() - t0);
        return new Probe(r.statusCode(), r.body(), r.headers().firstValue("Retry-After"), elapsed);
    }

    private static ServerConfig serverConfig(StoreConfig store) {
        ServerConfig d = ServerConfig.defaults();
        // TransCronInterval 1 s and RetryInterval 2 s: the poller finds the interrupted sagas soon after the store
        // is back.
        return d.withStore(store).with("TransCronInterval", 1L).with("RetryInterval", 2L)
                .withHttpPort(0).withGrpcPort(0);
    }

    // ---------------------------------------------------------------- redis-server

    private static Process startRedis(int port, Path data) {
        try {
            Process p = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--dir", data.toString(), "--appendonly", "yes", "--appendfsync", "always", "--save", "",
                    "--daemonize", "no", "--logfile", data.resolve("redis.log").toString())
                    .redirectErrorStream(true)
                    .redirectOutput(data.resolve("redis.out").toFile())
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                if (!p.isAlive()) {
                    throw new IllegalStateException("redis-server exited with " + p.exitValue() + ": "
                            + Files.readString(data.resolve("redis.out")) + tail(data.resolve("redis.log")));
                }
                return portAnswers(port);
            });
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tail(Path log) throws IOException {
        if (!Files.exists(log)) {
            return "";
        }
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }

    // ---------------------------------------------------------------- PostgreSQL cluster control

    /** The version directory in /etc/postgresql whose cluster {@code main} listens on 5432, when there is one. */
    private static Optional<String> postgresClusterVersion() throws IOException {
        Path etc = Path.of("/etc/postgresql");
        if (!Files.isDirectory(etc)) {
            return Optional.empty();
        }
        List<Path> versions;
        try (var s = Files.list(etc)) {
            versions = s.filter(v -> Files.isRegularFile(v.resolve("main/postgresql.conf"))).sorted().toList();
        }
        for (Path v : versions) {
            if (PG_PORT_5432.matcher(Files.readString(v.resolve("main/postgresql.conf"))).find()) {
                return Optional.of(v.getFileName().toString());
            }
        }
        return versions.size() == 1 ? Optional.of(versions.getFirst().getFileName().toString()) : Optional.empty();
    }

    private static void pgCtl(String version, String action) {
        run(List.of("pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action));
    }

    /** Starts the cluster when it does not answer, and waits until it accepts a real connection. */
    private static void ensurePostgresRunning(String version) {
        if (!postgresAccepts()) {
            run(List.of("pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"));
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(StoreFaultTest::postgresAccepts);
    }

    private static void sql(String url, String user, String statement) {
        try (Connection c = DriverManager.getConnection(url, user, "");
                var st = c.createStatement()) {
            st.execute(statement);
        } catch (SQLException e) {
            throw new IllegalStateException(statement + ": " + e.getMessage(), e);
        }
    }

    private static String postgresSetting(String name) throws SQLException {
        try (Connection c = DriverManager.getConnection(POSTGRES_URL, "postgres", "");
                var st = c.createStatement();
                var rs = st.executeQuery("SHOW " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static boolean postgresAccepts() {
        try (Connection c = DriverManager.getConnection(POSTGRES_URL + "?connectTimeout=2", "postgres", "")) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    // ---------------------------------------------------------------- plumbing

    private static void run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(90, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void waitFor(Process p) {
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("process " + p.pid() + " did not end");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static boolean onPath(String command) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, command))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isRoot() {
        try {
            Process p = new ProcessBuilder("id", "-u").start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor(10, TimeUnit.SECONDS) && out.equals("0");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static boolean portAnswers(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(Backends.HOST, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
