package io.jdtm.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdtm.server.config.StoreConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Opening a store at start-up against real servers: what is worth waiting for (nothing listens), what is not (the
 * server answered and refused), the limit, and an interrupt during the wait. The start-up of the whole process,
 * with the store coming up late or dropping the connection mid-migration, is {@code StoreWaitStartTest}.
 */
class StoreWaitTest {

    /** A loopback port nothing listens on (bound, then closed). */
    static int deadPort() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static StoreConfig at(StoreConfig c, int port) {
        return new StoreConfig(c.driver(), c.host(), port, c.user(), c.password(), c.db(), c.schema(),
                c.maxOpenConns(), c.maxIdleConns(), c.connMaxLifeTime(), c.dataExpire(), c.finishedDataExpire(),
                c.redisPrefix(), c.dataDir(), c.retention());
    }

    private static StoreConfig withUser(StoreConfig c, String user, String password, String db) {
        return new StoreConfig(c.driver(), c.host(), c.port(), user, password, db, c.schema(), c.maxOpenConns(),
                c.maxIdleConns(), c.connMaxLifeTime(), c.dataExpire(), c.finishedDataExpire(), c.redisPrefix(),
                c.dataDir(), c.retention());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"postgres", "mysql", "redis"})
    void anUnreachableStoreIsRetriedUntilTheLimitThenNamed(String engine) {
        StoreConfig cfg = at(Backends.server(engine, "wait"), deadPort());
        long t0 = System.nanoTime();

        assertThatThrownBy(() -> StoreWait.open(cfg, Duration.ofSeconds(3)))
                .isExactlyInstanceOf(StoreException.class)
                .hasMessageContaining("gave up waiting for the " + engine + " store after")
                .hasMessageContaining("(StoreWaitTimeout 3 s)")
                .hasMessageContaining("127.0.0.1:" + cfg.port())
                .hasCauseInstanceOf(StoreUnavailableException.class);

        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(took).as("about the limit").isBetween(Duration.ofSeconds(3), Duration.ofSeconds(12));
    }

    @Test
    void anInterruptEndsTheWaitAtOnce() throws Exception {
        StoreConfig cfg = at(Backends.postgres("wait"), deadPort());
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread waiter = Thread.ofPlatform().start(() -> {
            try {
                StoreWait.open(cfg, Duration.ZERO).close();
                outcome.complete(null);
            } catch (Throwable t) {
                outcome.complete(t);
            }
        });
        Thread.sleep(1500); // let it fail once and pause: the interrupt must also end a pause
        long t0 = System.nanoTime();

        waiter.interrupt();

        assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void postgresWithAnUnknownDatabaseFailsAtOnce() {
        StoreConfig cfg = withUser(Backends.server("postgres", "wait"), "postgres", "", "no_such_db_jdtm");

        assertRefusedAtOnce(cfg, "no_such_db_jdtm", "3D000");
    }

    @Test
    void mariadbWithAnUnknownUserFailsAtOnce() {
        StoreConfig cfg = withUser(Backends.server("mysql", "wait"), "no_such_user_jdtm", "secret", "jdtm_wait");

        assertRefusedAtOnce(cfg, "no_such_user_jdtm", "28000");
    }

    @Test
    void redisWithAnUnknownUserFailsAtOnce() {
        StoreConfig cfg = withUser(Backends.server("redis", "wait"), "no_such_user_jdtm", "secret", "");

        assertRefusedAtOnce(cfg, "WRONGPASS", "");
    }

    /** The server answered and said no: thrown by the first attempt, not after waiting, naming the server's reason. */
    private static void assertRefusedAtOnce(StoreConfig cfg, String reason, String sqlState) {
        long t0 = System.nanoTime();

        assertThatThrownBy(() -> StoreWait.open(cfg, Duration.ZERO))
                .isInstanceOf(StoreException.class)
                .isNotInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining(reason)
                .hasMessageContaining(sqlState)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));

        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("no waiting").isLessThan(Duration.ofSeconds(8));
    }
}
