package io.jdtm.server.store.jdbc;

import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.Backends;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Plain JDBC for what tests do behind the store's back: create and drop schemas, run DTM's scripts, inspect. */
final class AdminSql {
    private AdminSql() {}

    /** A connection to the Postgres test database with {@code search_path} = {@code schema} (when not null). */
    static Connection postgres(String schema) throws SQLException {
        String url = "jdbc:postgresql://" + Backends.HOST + ":" + Backends.POSTGRES_PORT + "/" + Backends.POSTGRES_DB
                + (schema == null ? "" : "?currentSchema=" + schema);
        return DriverManager.getConnection(url, "postgres", "");
    }

    /** A connection to MariaDB, in database {@code db} (when not null). */
    static Connection mariadb(String db) throws SQLException {
        String url = "jdbc:mariadb://" + Backends.HOST + ":" + Backends.MARIADB_PORT + "/" + (db == null ? "" : db)
                + "?sslMode=disable";
        return DriverManager.getConnection(url, "root", "");
    }

    /**
     * Drops what a store opened with {@code cfg} created: its Postgres schema or its MariaDB database. Does nothing
     * when that server is not running (its tests were skipped and wrote nothing).
     */
    static void drop(StoreConfig cfg) throws SQLException {
        boolean postgres = cfg.driver().equals("postgres");
        if (!Backends.isUp(postgres ? Backends.POSTGRES_PORT : Backends.MARIADB_PORT)) {
            return;
        }
        try (Connection c = postgres ? postgres(null) : mariadb(null)) {
            exec(c, postgres ? "DROP SCHEMA IF EXISTS " + cfg.schema() + " CASCADE"
                    : "DROP DATABASE IF EXISTS " + cfg.db());
        }
    }

    static void exec(Connection c, String... statements) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        }
    }

    /** The first column of every row. */
    static List<String> column(Connection c, String query) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** Runs a test resource script statement by statement (DTM's scripts have no ';' inside statements). */
    static void script(Connection c, String resource, String... fromTo) throws SQLException {
        String text;
        try (InputStream in = AdminSql.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + resource);
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (int i = 0; i + 1 < fromTo.length; i += 2) {
            text = text.replace(fromTo[i], fromTo[i + 1]);
        }
        try (Statement st = c.createStatement()) {
            for (String s : text.split(";")) {
                String sql = s.lines().filter(l -> !l.strip().startsWith("--")).reduce("", (a, b) -> a + "\n" + b);
                if (!sql.isBlank()) {
                    st.execute(sql);
                }
            }
        }
    }
}
