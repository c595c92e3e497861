package io.jdtm.server.store.jdbc;

import io.jdtm.server.store.TransGlobal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The embedded SQLite database (xerial sqlite-jdbc): DTM's tables in SQLite types ({@link SqliteSchema}), times as
 * INTEGER epoch milliseconds, so they keep their milliseconds. One process and one writer connection: the engine
 * sends every write through its one group-commit lane, so there are no row locks to take, no lock to skip and no
 * deadlock to retry.
 */
record SqliteDialect() implements Dialect {

    @Override
    public String name() {
        return "sqlite";
    }

    @Override
    public boolean oneWriter() {
        return true;
    }

    @Override
    public String shareLock() {
        return "";
    }

    @Override
    public String lockSkipLocked() {
        return "";
    }

    @Override
    public Instant stored(Instant t) {
        return t == null ? null : Instant.ofEpochMilli(t.toEpochMilli());
    }

    @Override
    public void setTime(PreparedStatement ps, int index, Instant t) throws SQLException {
        if (t == null) {
            ps.setNull(index, Types.INTEGER);
        } else {
            ps.setLong(index, t.toEpochMilli());
        }
    }

    /** {@inheritDoc} A stored whole millisecond is {@code <=} the instant exactly when it is {@code <=} its floor. */
    @Override
    public void setBound(PreparedStatement ps, int index, Instant t) throws SQLException {
        ps.setLong(index, t.toEpochMilli());
    }

    @Override
    public Instant getTime(ResultSet rs, int index) throws SQLException {
        long ms = rs.getLong(index);
        return rs.wasNull() ? null : Instant.ofEpochMilli(ms);
    }

    @Override
    public boolean isUniqueViolation(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLiteException se && (se.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE
                    || se.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY)) {
                return true;
            }
        }
        // sqlite-jdbc's executeBatch reports the failure as a BatchUpdateException with the message only.
        return e.getMessage() != null && e.getMessage().contains("SQLITE_CONSTRAINT_UNIQUE");
    }

    @Override
    public boolean isRetryable(SQLException e) {
        return false;
    }

    @Override
    public OptionalLong insertGlobal(Connection c, Binder values) throws SQLException {
        return Sql.insertGlobalOrNothing(c, values);
    }

    @Override
    public boolean updateReturning() {
        return true;
    }

    @Override
    public String insertBranchIgnoringDuplicates() {
        return Sql.INSERT_BRANCH_OR_NOTHING;
    }

    @Override
    public List<TransGlobal> claimDue(Connection c, Instant now, Instant due, Instant until, String owner, int limit)
            throws SQLException {
        // One writer: nobody else can claim these rows between the reads and the update.
        return Sql.claimByStatus(c, this, now, due, until, owner, limit);
    }

    @Override
    public int resetCronTime(Connection c, Instant now, Instant after, int limit) throws SQLException {
        return Sql.resetCronTimeBySubquery(c, this, now, after, limit);
    }

    @Override
    public List<String> resetStatements() {
        // Deleting from sqlite_sequence restarts the AUTOINCREMENT ids, as dropping the tables would.
        return List.of("DELETE FROM trans_branch_op", "DELETE FROM trans_global", "DELETE FROM kv",
                "DELETE FROM jdtm_attempt", "DELETE FROM sqlite_sequence");
    }
}
