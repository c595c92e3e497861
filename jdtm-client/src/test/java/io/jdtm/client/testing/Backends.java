package io.jdtm.client.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The real databases of this machine for tests: PostgreSQL 127.0.0.1:5432 (user postgres, db test), MariaDB
 * 127.0.0.1:3306 (root, db test), Redis 127.0.0.1:6379. When one cannot be reached the test is skipped with a message
 * saying which — except under {@code CI=true}, where a missing backend fails the test.
 */
public final class Backends {
    private Backends() {}

    public static final String PG_URL = env("JDTM_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test");
    public static final String MARIADB_URL =
            env("JDTM_TEST_MARIADB_URL", "jdbc:mariadb://127.0.0.1:3306/test?sslMode=disable");
    public static final String REDIS_URL = env("JDTM_TEST_REDIS_URL", "redis://127.0.0.1:6379");

    /** A pooled PostgreSQL data source; skips (or fails under CI) when PostgreSQL is not reachable. */
    public static HikariDataSource postgres() {
        return pool("PostgreSQL", PG_URL, "postgres", "");
    }

    /** A pooled MariaDB data source; skips (or fails under CI) when MariaDB is not reachable. */
    public static HikariDataSource mariadb() {
        return pool("MariaDB", MARIADB_URL, "root", "");
    }

    /** A Redis connection; skips (or fails under CI) when Redis is not reachable. Close the client after use. */
    public static RedisClient redis() {
        RedisURI uri = RedisURI.create(REDIS_URL);
        uri.setTimeout(Duration.ofSeconds(5));
        RedisClient client = RedisClient.create(uri);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            c.sync().ping();
        } catch (RuntimeException e) {
            client.shutdown();
            missing("Redis at " + REDIS_URL, e);
        }
        return client;
    }

    /** A schema / database name unique to this test run. */
    public static String uniqueSchema(String prefix) {
        return prefix + "_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
    }

    /** Drops a schema (PostgreSQL) or database (MariaDB) created by a test; errors are ignored. */
    public static void dropSchema(HikariDataSource ds, String schema, boolean postgres) {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            st.execute(postgres ? "drop schema if exists " + schema + " cascade" : "drop database if exists " + schema);
        } catch (Exception ignored) {
            // best effort: the schema name is unique per run
        }
    }

    private static HikariDataSource pool(String what, String url, String user, String password) {
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(url);
        cfg.setUsername(user);
        cfg.setPassword(password);
        cfg.setMaximumPoolSize(8);
        cfg.setConnectionTimeout(3000);
        cfg.setInitializationFailTimeout(3000);
        cfg.setPoolName("jdtm-sdk-test-" + what);
        try {
            return new HikariDataSource(cfg);
        } catch (RuntimeException e) {
            missing(what + " at " + url, e);
            throw e;
        }
    }

    /** Skips the test with {@code why}, or fails it under {@code CI=true}. */
    public static void unavailable(String why) {
        io.jdtm.server.store.Backends.skipOrFail(why);
    }

    private static void missing(String what, Exception e) {
        io.jdtm.server.store.Backends.skipOrFail(what + " is not reachable (" + e.getMessage() + ")");
    }

    private static String env(String k, String def) {
        String v = System.getenv(k);
        return v == null || v.isBlank() ? def : v;
    }
}
