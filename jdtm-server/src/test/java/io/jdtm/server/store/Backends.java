package io.jdtm.server.store;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import io.jdtm.server.config.StoreConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
    /** Where skipped tests are listed, relative to the module directory (surefire's working directory). */
    public static final Path SKIP_LOG = Path.of("target", "jdtm-skipped.txt");

    public static final String RUN = Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);

    private Backends() {}

    /** Whether something answers on {@code port} of {@value #HOST}. */
    public static boolean isUp(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(HOST, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Skips (or under CI fails) the calling test unless {@code backend} answers on {@code port}. */
    public static void require(String backend, int port) {
        if (!isUp(port)) {
            skipOrFail(backend + " is not reachable on " + HOST + ":" + port);
        }
    }

    /** Skips (or under CI fails) the calling test unless {@code available}; {@code what} says what is missing. */
    public static void requireThat(boolean available, String what) {
        if (!available) {
            skipOrFail(what);
        }
    }

    /**
     * The one place where a test meets a missing backend or tool: under {@code CI=true} the test fails; otherwise it
     * is skipped, and the reason is appended to {@code target/jdtm-skipped.txt} of the module (with the test class)
     * so that {@code ./test} can list at the end what was skipped and why. Every module's tests use it.
     */
    public static void skipOrFail(String what) {
        if ("true".equals(System.getenv("CI"))) {
            fail(what + " and CI=true: start or install it (scripts/services.sh) instead of skipping its tests");
        }
        String test = StackWalker.getInstance().walk(frames -> frames.map(StackWalker.StackFrame::getClassName)
                .filter(n -> n.endsWith("Test") || n.endsWith("ScenarioBase")).findFirst().orElse("?"));
        try {
            Files.createDirectories(SKIP_LOG.getParent());
            Files.writeString(SKIP_LOG, what + "\t" + test.substring(test.lastIndexOf('.') + 1) + "\n",
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            // the summary is a convenience; the skip itself is what matters
        }
        abort(what + "; skipping (set CI=true to make this a failure)");
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
     * The config of a server engine ({@code postgres}, {@code mysql}, {@code redis}, or {@code redis-cluster}: the
     * JVM's {@link LocalRedisCluster}) for data named {@code name}, after {@link #require}-ing its server.
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
            case "redis-cluster" -> LocalRedisCluster.shared().config(name);
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
