package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.Backends;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@code jdtm} process started while its store cannot be reached, as after a restart during a database outage:
 * it waits, logging each wait with its cause, and serves once the store is reachable (through a {@link TcpProxy}
 * that refuses, then listens; or that drops every connection while the schema migration runs), without a
 * supervisor's retry loop. A stop during the wait exits 0 at once; a store that refuses, or stays unreachable past
 * {@code StoreWaitTimeout}, exits 1 with the reason.
 */
class StoreWaitStartTest {
    private final FakeRm rm = FakeRm.start();
    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<StoreConfig> created = new ArrayList<>();

    @AfterEach
    void cleanup() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
        rm.close();
        for (StoreConfig c : created) {
            drop(c);
        }
    }

    private static int realPort(String engine) {
        return switch (engine) {
            case "postgres" -> Backends.POSTGRES_PORT;
            case "mysql" -> Backends.MARIADB_PORT;
            default -> Backends.REDIS_PORT;
        };
    }

    private static StoreConfig at(StoreConfig c, int port) {
        return new StoreConfig(c.driver(), c.host(), port, c.user(), c.password(), c.db(), c.schema(),
                c.maxOpenConns(), c.maxIdleConns(), c.connMaxLifeTime(), c.dataExpire(), c.finishedDataExpire(),
                c.redisPrefix(), c.dataDir(), c.retention());
    }

    private MainProcess startJdtm(StoreConfig c, Map<String, String> more) {
        Map<String, String> env = CleanStopTest.env(c);
        env.putAll(more);
        MainProcess p = MainProcess.start(env);
        open.add(p);
        return p;
    }

    private TcpProxy proxy(String engine) {
        TcpProxy p = new TcpProxy(realPort(engine));
        open.add(p);
        return p;
    }

    /** A saga with {@code wait_result}: the server answers 200 only once it drove the saga to succeed. */
    private void assertServes(int port, String gid) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gid", gid);
        m.put("trans_type", "saga");
        m.put("wait_result", true);
        m.put("steps", List.of(Map.of("action", rm.url("/TransOut"), "compensate", rm.url("/TransOutRevert"))));
        m.put("payloads", List.of("{}"));
        DtmHttp.Res r = new DtmHttp("http://localhost:" + port).post("/api/dtmsvr/submit", m);
        assertThat(r.status()).as("submit: %s", r.body()).isEqualTo(200);
        assertThat(rm.pathsFor(gid)).containsExactly("/TransOut");
    }

    private static void assertStopsWithExitCode0(MainProcess p) {
        p.stop();
        assertThat(p.awaitExit(Duration.ofSeconds(20))).as("exit code; output:\n%s", p.output()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"postgres", "mysql", "redis"})
    void aStoreThatComesUpLateIsWaitedForAndThenServed(String engine) {
        StoreConfig real = Backends.server(engine, "late");
        TcpProxy proxy = proxy(engine);
        proxy.cut(); // refuses connections, as a database host that is down
        MainProcess p = startJdtm(at(real, proxy.port()), Map.of());

        String wait = p.awaitLine("waiting for the " + engine + " store \\(attempt 2 failed\\)", Duration.ofSeconds(60));
        proxy.restore();
        int port = p.awaitRunning(Duration.ofSeconds(60));

        assertThat(wait).as("the cause, on one line").contains("127.0.0.1:" + proxy.port()).containsIgnoringCase("refused");
        assertThat(p.output()).as("no stack trace").doesNotContain("\tat ");
        assertThat(p.linesMatching("waiting for the " + engine + " store")).as("one line per failed attempt")
                .hasSizeGreaterThanOrEqualTo(2)
                .allSatisfy(l -> assertThat(l).contains("WARN", "next attempt in"));
        assertThat(p.output()).contains("the " + engine + " store is reachable after");
        assertServes(port, "late-" + engine + "-" + System.nanoTime());
        assertStopsWithExitCode0(p);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"postgres", "mysql"})
    void aConnectionDroppedDuringTheSchemaMigrationIsRetried(String engine) {
        // a schema (postgres) or database (mysql) never migrated before, so the migration runs at this start
        String name = "mig_" + Long.toString(System.nanoTime(), 36);
        StoreConfig real = Backends.server(engine, name);
        created.add(real);
        TcpProxy proxy = proxy(engine);
        proxy.resetWhenSent("CREATE TABLE IF NOT EXISTS trans_branch_op");
        MainProcess p = startJdtm(at(real, proxy.port()), Map.of());

        int port = p.awaitRunning(Duration.ofSeconds(90));

        assertThat(proxy.triggered()).as("the connection was dropped during the migration").isTrue();
        assertThat(p.linesMatching("waiting for the " + engine + " store \\(attempt 1 failed\\): schema migration of"))
                .as("output:\n%s", p.output()).hasSize(1);
        assertThat(p.output()).as("no stack trace").doesNotContain("\tat ");
        assertServes(port, "mig-" + engine + "-" + System.nanoTime());
        assertStopsWithExitCode0(p);
    }

    @Test
    void aStopWhileWaitingForTheStoreExits0AtOnce() {
        MainProcess p = startJdtm(at(Backends.server("postgres", "late"), deadPort()), Map.of());
        p.awaitLine("waiting for the postgres store \\(attempt 1 failed\\)", Duration.ofSeconds(60));
        long t0 = System.nanoTime();

        p.stop();

        assertThat(p.awaitExit(Duration.ofSeconds(10))).as("exit code; output:\n%s", p.output()).isZero();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
        assertThat(p.output()).contains("SIGTERM while waiting for the store: stopped");
    }

    @Test
    void aStoreUnreachablePastStoreWaitTimeoutExits1WithTheReason() {
        int dead = deadPort();
        MainProcess p = startJdtm(at(Backends.server("redis", "late"), dead), Map.of("STORE_WAIT_TIMEOUT", "2"));

        assertThat(p.awaitExit(Duration.ofSeconds(60))).as("exit code; output:\n%s", p.output()).isEqualTo(1);
        assertThat(p.awaitLine("ERROR .*cannot open the redis store", Duration.ofSeconds(1)))
                .contains("gave up waiting for the redis store after", "(StoreWaitTimeout 2 s)", "127.0.0.1:" + dead);
        assertThat(p.output()).doesNotContain("\tat ");
    }

    @Test
    void aStoreThatRefusesExits1AtOnce() {
        StoreConfig pg = Backends.server("postgres", "late");
        StoreConfig wrongDb = new StoreConfig(pg.driver(), pg.host(), pg.port(), pg.user(), pg.password(),
                "no_such_db_jdtm", pg.schema(), pg.maxOpenConns(), pg.maxIdleConns(), pg.connMaxLifeTime(),
                pg.dataExpire(), pg.finishedDataExpire(), pg.redisPrefix(), pg.dataDir(), pg.retention());
        MainProcess p = startJdtm(wrongDb, Map.of());

        assertThat(p.awaitExit(Duration.ofSeconds(60))).as("exit code; output:\n%s", p.output()).isEqualTo(1);
        assertThat(p.awaitLine("ERROR .*cannot open the postgres store", Duration.ofSeconds(1)))
                .contains("no_such_db_jdtm", "3D000");
        assertThat(p.output()).doesNotContain("waiting for the postgres store", "\tat ");
    }

    private static int deadPort() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Drops the schema (postgres) or database (mysql) a test created. */
    private static void drop(StoreConfig c) throws Exception {
        boolean pg = c.driver().equals("postgres");
        String url = pg ? "jdbc:postgresql://" + Backends.HOST + ":" + Backends.POSTGRES_PORT + "/" + Backends.POSTGRES_DB
                : "jdbc:mariadb://" + Backends.HOST + ":" + Backends.MARIADB_PORT + "/?sslMode=disable";
        try (Connection conn = DriverManager.getConnection(url, pg ? "postgres" : "root", "");
                Statement st = conn.createStatement()) {
            st.execute(pg ? "DROP SCHEMA IF EXISTS " + c.schema() + " CASCADE" : "DROP DATABASE IF EXISTS " + c.db());
        }
    }
}
