package io.jdtm.spring.testing;

import io.jdtm.server.store.Backends;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A real database of this machine for one test class: a schema of its own (PostgreSQL schema, MariaDB database)
 * holding the barrier table {@code <schema>.barrier} and the accounts {@code <schema>.account} (ids 1 and 2, balance
 * 100). When the database cannot be reached the test is skipped with the reason, or fails under {@code CI=true}.
 */
public final class TestDatabase implements AutoCloseable {

    /** PostgreSQL 127.0.0.1:5432 (user postgres, db test) or MariaDB 127.0.0.1:3306 (root, db test). */
    public enum Kind { POSTGRES, MARIADB }

    private final Kind kind;
    private final String url;
    private final String user;
    private final String schema;

    public TestDatabase(Kind kind) {
        this.kind = kind;
        boolean pg = kind == Kind.POSTGRES;
        this.url = pg ? env("JDTM_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test")
                : env("JDTM_TEST_MARIADB_URL", "jdbc:mariadb://127.0.0.1:3306/test?sslMode=disable");
        this.user = pg ? "postgres" : "root";
        this.schema = "jdtm_spring_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
        Backends.require(pg ? "PostgreSQL" : "MariaDB", pg ? 5432 : 3306);
        String script = io.jdtm.client.BarrierSchema.script(pg ? io.jdtm.client.BarrierDialect.POSTGRES
                : io.jdtm.client.BarrierDialect.MYSQL).replace("dtm_barrier.barrier", schema + ".barrier")
                .replace("dtm_barrier", schema);
        execute(script);
        execute("create table " + schema + ".account (id int primary key, balance bigint not null);"
                + "insert into " + schema + ".account values (1, 100), (2, 100)");
    }

    public Kind kind() {
        return kind;
    }

    public String url() {
        return url;
    }

    public String user() {
        return user;
    }

    public String schema() {
        return schema;
    }

    /** Spring Boot properties pointing the application at this database and its barrier table. */
    public String[] springProperties() {
        return new String[] {"spring.datasource.url=" + url, "spring.datasource.username=" + user,
            "spring.datasource.password=", "jdtm.barrier.table=" + schema + ".barrier", "test.schema=" + schema};
    }

    /** Runs {@code ;}-separated statements ({@code --} comment lines dropped). */
    public void execute(String statements) {
        try (Connection c = DriverManager.getConnection(url, user, ""); Statement st = c.createStatement()) {
            for (String s : statements.split(";")) {
                String sql = s.lines().filter(l -> !l.trim().startsWith("--")).reduce("", (a, b) -> a + "\n" + b);
                if (!sql.isBlank()) {
                    st.execute(sql);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            execute(kind == Kind.POSTGRES ? "drop schema if exists " + schema + " cascade"
                    : "drop database if exists " + schema);
        } catch (RuntimeException ignored) {
            // best effort: the schema name is unique per run
        }
    }

    private static String env(String k, String def) {
        String v = System.getenv(k);
        return v == null || v.isBlank() ? def : v;
    }
}
