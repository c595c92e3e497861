package io.jdtm.server.store;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jdtm.server.config.StoreConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The real database servers the engine tests run against, on this machine's standard ports, and what to do when one
 * is down: with {@code CI=true} the test fails (a missing backend must not turn a CI run green); otherwise it is
 * skipped with a message naming the backend. Names are unique per JVM run, so parallel runs on one server do not
 * see each other's data.
 */
public final class Backends {
    public static final String HOST = "127.0.0.1";
    public static final int POSTGRES_PORT = 5432;
    public static final int MARIADB_PORT = 3306;
    public static final int REDIS_PORT = 6379;
    /** Postgres database the tests use (it exists on the CI machines). */
    public static final String POSTGRES_DB = "test";

    /** A suffix unique to this JVM run. */
    public static final String RUN = Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);

    private Backends() {}

    /** Skips (or under CI fails) the calling test unless {@code backend} answers on {@code port}. */
    public static void require(String backend, int port) {
        boolean up;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(HOST, port), 1000);
            up = true;
        } catch (IOException e) {
            up = false;
        }
        String msg = backend + " is not reachable on " + HOST + ":" + port;
        if (!up && "true".equals(System.getenv("CI"))) {
            fail(msg + " and CI=true: start it (scripts/services.sh) instead of skipping its tests");
        }
        assumeTrue(up, msg + "; skipping its tests (set CI=true to make this a failure)");
    }

    /**
     * Skips (or under CI fails) the calling test unless {@code available}; {@code what} says what is missing, e.g.
     * "redis-server is not on the PATH".
     */
    public static void requireThat(boolean available, String what) {
        if (!available && "true".equals(System.getenv("CI"))) {
            fail(what + " and CI=true: install it instead of skipping the test");
        }
        assumeTrue(available, what + "; skipping (set CI=true to make this a failure)");
    }

    /** A Postgres config in database {@value #POSTGRES_DB}, schema {@code <name>_<run>}. */
    public static StoreConfig postgres(String name) {
        return config("postgres", POSTGRES_PORT, "postgres", POSTGRES_DB, unique(name), "");
    }

    /** A MariaDB/MySQL config in database {@code <name>_<run>} (created by the store when missing). */
    public static StoreConfig mariadb(String name) {
        return config("mysql", MARIADB_PORT, "root", unique(name), "public", "");
    }

    /** A Redis config with prefix {@code {<name><run>}} (a hash tag, as DTM's default {@code {a}}). */
    public static StoreConfig redis(String name) {
        return config("redis", REDIS_PORT, "", "dtm", "public", "{" + unique(name) + "}");
    }

    /**
     * The config of a server engine ({@code postgres}, {@code mysql} or {@code redis}) for data named {@code name},
     * after {@link #require}-ing its server.
     */
    public static StoreConfig server(String engine, String name) {
        return switch (engine) {
            case "postgres" -> {
                require("PostgreSQL", POSTGRES_PORT);
                yield postgres(name);
            }
            case "mysql" -> {
                require("MariaDB", MARIADB_PORT);
                yield mariadb(name);
            }
            case "redis" -> {
                require("Redis", REDIS_PORT);
                yield redis(name);
            }
            default -> throw new IllegalArgumentException("'" + engine + "' is not a server engine");
        };
    }

    public static String unique(String name) {
        return (name + "_" + RUN).toLowerCase(Locale.ROOT);
    }

    private static StoreConfig config(String driver, int port, String user, String db, String schema,
            String prefix) {
        StoreConfig d = StoreConfig.defaults();
        // A small pool: several test stores are open at once and Postgres allows 100 connections by default.
        return new StoreConfig(driver, HOST, port, user, "", db, schema, 16, 2, d.connMaxLifeTime(),
                d.dataExpire(), d.finishedDataExpire(), prefix.isEmpty() ? d.redisPrefix() : prefix, d.dataDir(),
                d.retention());
    }
}
