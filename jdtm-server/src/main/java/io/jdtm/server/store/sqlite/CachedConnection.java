package io.jdtm.server.store.sqlite;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * A SQLite connection with its prepared statements cached by SQL text, so the hot paths compile each statement once.
 * Not thread-safe: it is used by one thread at a time (the writer thread, or whoever borrowed it from the read
 * pool). Callers must close every ResultSet they open, because an open result keeps the statement's read snapshot.
 */
final class CachedConnection implements AutoCloseable {
    private final Connection connection;
    private final Map<String, PreparedStatement> statements = new HashMap<>();

    CachedConnection(Connection connection) {
        this.connection = connection;
    }

    PreparedStatement prepare(String sql) throws SQLException {
        PreparedStatement ps = statements.get(sql);
        if (ps == null) {
            ps = connection.prepareStatement(sql);
            statements.put(sql, ps);
        }
        return ps;
    }

    /** Runs a statement without parameters or results (transaction control, pragmas that set). */
    void execute(String sql) throws SQLException {
        prepare(sql).execute();
    }

    Connection connection() {
        return connection;
    }

    @Override
    public void close() throws SQLException {
        SQLException first = null;
        for (PreparedStatement ps : statements.values()) {
            try {
                ps.close();
            } catch (SQLException e) {
                first = first == null ? e : first;
            }
        }
        statements.clear();
        try {
            connection.close();
        } catch (SQLException e) {
            first = first == null ? e : first;
        }
        if (first != null) {
            throw first;
        }
    }
}
