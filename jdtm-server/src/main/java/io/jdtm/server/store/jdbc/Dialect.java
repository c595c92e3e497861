package io.jdtm.server.store.jdbc;

import io.jdtm.server.store.TransGlobal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;

/**
 * What differs between the SQL databases {@link JdbcTransStore} speaks to: how times are stored and bound, how a
 * duplicate or a deadlock is recognised, the poller's claim and the few statements without a portable form.
 * Everything else is shared SQL in the engine ({@link Sql}). The server databases add how to reach them
 * ({@link ServerDialect}); SQLite is the embedded one ({@link SqliteDialect}). Implementations are stateless and
 * thread-safe.
 */
sealed interface Dialect permits ServerDialect, SqliteDialect {

    /** DTM's driver name ({@code sqlite} for the embedded store), also the engine name in logs and metrics. */
    String name();

    /**
     * True when the database allows one writer connection (SQLite): every write then goes through the group commit's
     * one lane, each in its own savepoint.
     */
    boolean oneWriter();

    /** Suffix of a {@code SELECT} that takes a shared row lock (blocks status changes, not other lockers). */
    String shareLock();

    /** Suffix of a {@code SELECT} that locks its rows for update and skips rows another transaction holds. */
    String lockSkipLocked();

    /** {@code t} as the time columns keep it: cut to the second (servers) or to the millisecond (SQLite). */
    Instant stored(Instant t);
    /** Binds a time as the column type stores it ({@link #stored} precision); null binds SQL NULL. */
    void setTime(PreparedStatement ps, int index, Instant t) throws SQLException;

    /**
     * Binds a time that a time column is compared with, as it is: with its fraction, neither cut nor rounded to the
     * second. A stored time (a whole second) is then {@code <=} it exactly when it is not after the instant, as
     * {@link Instant#isAfter} says of the row read back.
     */
    void setBound(PreparedStatement ps, int index, Instant t) throws SQLException;

    /** Reads a time column; null when SQL NULL. */
    Instant getTime(ResultSet rs, int index) throws SQLException;

    /** A unique or primary key violation. */
    boolean isUniqueViolation(SQLException e);

    /** A deadlock, serialization failure or lock wait timeout: the transaction was rolled back and may be re-run. */
    boolean isRetryable(SQLException e);

    /**
     * Inserts a global row inside the caller's transaction and returns its id, or empty when the gid exists
     * (the transaction is still usable then). {@code values} binds columns 1..17 in {@link Sql#GLOBAL_INSERT_COLUMNS} order.
     */
    OptionalLong insertGlobal(Connection c, Binder values) throws SQLException;

    /**
     * True when the driver sends a JDBC batch's statements without waiting for each answer (PostgreSQL's), so a
     * group-commit batch runs its writes' {@link Step}s side by side in rounds; never with one writer.
     */
    default boolean pipelinesBatches() {
        return false;
    }

    /** True when {@code UPDATE ... RETURNING} exists, so a status change and its read-back are one statement. */
    boolean updateReturning();

    /** {@link Sql#INSERT_BRANCH} variant that leaves an existing (gid, branch_id, op) row as it is. */
    String insertBranchIgnoringDuplicates();

    /**
     * The poller claim, inside a transaction the caller commits: locks up to {@code limit} unfinished rows due at
     * or before {@code due} and not under a live lease at {@code now} (skipping rows another claimer holds), moves
     * them to {@code until} and {@code owner}, and returns them as stored, oldest due first.
     */
    List<TransGlobal> claimDue(Connection c, Instant now, Instant due, Instant until, String owner, int limit)
            throws SQLException;

    /**
     * Sets next_cron_time = now for up to {@code limit} unfinished rows due after {@code after} and not under a live
     * lease at {@code now}; returns the count.
     */
    int resetCronTime(Connection c, Instant now, Instant after, int limit) throws SQLException;

    /**
     * Runs first in the transaction of a read that looks rows up by a list of keys (the branches of many gids):
     * steers a planner that lacks statistics away from reading the whole table. Nothing by default.
     */
    default void beforeKeyListRead(Connection c) throws SQLException {}

    /** Statements that empty DTM's tables and the attempt history, and restart their ids. */
    List<String> resetStatements();

    /** Binds positional parameters of a prepared statement. */
    @FunctionalInterface
    interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    /** The condition "gid starts with ?", case-sensitive; binds the prefix's length, then the prefix. */
    default String gidPrefixCondition() {
        return "substr(gid, 1, ?) = ?";
    }
}
