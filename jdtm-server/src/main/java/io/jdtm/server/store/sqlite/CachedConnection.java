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

    /**
     * Drops every cached statement. Needed after an SQL error: sqlite-jdbc finalizes a statement that failed with
     * anything but a busy, locked or constraint error, and a cached copy would then fail with "statement is not
     * executing" forever.
     */
    void forgetStatements() {
        for (PreparedStatement ps : statements.values()) {
            try {
                ps.close();
            } catch (SQLException e) {
                // Already unusable; dropping it is all that matters.
            }
        }
        statements.clear();
    }

    /** True when {@code t} or one of its causes is an {@link SQLException}. */
    static boolean causedBySql(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SQLException) {
                return true;
            }
        }
        return false;
    }

    Connection connection() {
        return connection;
    }

    @Override
    public void close() throws SQLException {
        forgetStatements();
        connection.close();
    }
}
