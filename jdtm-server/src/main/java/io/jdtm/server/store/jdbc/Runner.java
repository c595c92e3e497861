package io.jdtm.server.store.jdbc;

import io.jdtm.server.store.StoreException;
import io.jdtm.server.store.StoreUnavailableException;
import io.jdtm.server.store.jdbc.GroupCommit.Work;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the engine's SQL work runs: reads on read connections; hot-path writes in the group commit; other writes
 * alone on a pooled connection (servers) or, with one writer (SQLite), in the group commit's one lane too. Retries
 * deadlocks, serialization failures and lock wait timeouts (whose transaction the server rolled back) up to
 * {@value #ATTEMPTS} times with a short random pause (U2), and says what a failure means: a
 * {@link StoreUnavailableException} (503) when the database cannot be reached, else a {@link StoreException}.
 * Thread-safe.
 */
final class Runner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Runner.class);
    private static final int ATTEMPTS = 4;
    /** PostgreSQL admin_shutdown, crash_shutdown, cannot_connect_now (server stopping, crashed or starting up). */
    static final Set<String> UNAVAILABLE_STATES = Set.of("57P01", "57P02", "57P03");

    /** Where connections come from; closing one hands it back. */
    @FunctionalInterface
    interface Connections {
        Connection get() throws SQLException;
    }

    private final Dialect dialect;
    private final Connections writes;
    private final Connections reads;
    private final String description;
    private final AutoCloseable resources;
    private final AtomicLong retries = new AtomicLong();
    private final GroupCommit group;
    private volatile boolean closed;

    /**
     * @param writes connections for writes (SQLite: the one writer)
     * @param reads connections for reads (the servers: the same pool)
     * @param lanes group-commit lanes (one writer: always one)
     * @param resources closed after the group commit stopped: the pool, the SQLite file
     */
    Runner(Dialect dialect, Connections writes, Connections reads, int lanes, String description,
            AutoCloseable resources) {
        this.dialect = dialect;
        this.writes = writes;
        this.reads = reads;
        this.description = description;
        this.resources = resources;
        this.group = new GroupCommit(dialect.name(), dialect.oneWriter() ? 1 : lanes, dialect.oneWriter(),
                dialect.pipelinesBatches(),
                new GroupCommit.Backend() {
                    @Override
                    public Connection connection() throws SQLException {
                        return Runner.this.connection(writes);
                    }

                    @Override
                    public <T> T runAlone(String what, Work<T> work) {
                        return run(what, true, writes, work);
                    }

                    @Override
                    public StoreException failure(String what, SQLException e) {
                        return Runner.this.failure(what, e);
                    }
                });
    }

    GroupCommit group() {
        return group;
    }

    /** Deadlocks and serialization failures retried so far. */
    long retries() {
        return retries.get();
    }

    @Override
    public String toString() {
        return description;
    }

    /** Lets every accepted write finish, then closes the resources. Idempotent; calls after it fail. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        group.close();
        closed = true;
        try {
            resources.close();
        } catch (Exception e) {
            LOG.warn("{}: closing {} failed", dialect.name(), description, e);
        }
        LOG.info("{} store closed: {}", dialect.name(), description);
    }

    /** Runs a read in autocommit on a read connection. */
    <T> T read(String what, Work<T> work) {
        return run(what, false, reads, work);
    }

    /**
     * Runs a read in one transaction on a read connection (on a server; SQLite reads in autocommit), so that
     * {@code SET LOCAL} settings last for its statements only.
     */
    <T> T readTx(String what, Work<T> work) {
        return run(what, !dialect.oneWriter(), reads, work);
    }

    /**
     * Runs a single-statement write: in autocommit on a server (one round trip, committed when the statement
     * returns); with one writer (SQLite), in the group commit's lane like every write.
     */
    <T> T auto(String what, Work<T> work) {
        return dialect.oneWriter() ? group.write(what, what, work) : run(what, false, writes, work);
    }

    /** Runs a write in one transaction, committed before returning and rolled back on any failure. */
    <T> T tx(String what, Work<T> work) {
        return dialect.oneWriter() ? group.write(what, what, work) : run(what, true, writes, work);
    }

    /** Runs a hot-path write of transaction {@code gid} in the next batch of its group-commit lane. */
    <T> T grouped(String gid, String what, Work<T> work) {
        return group.write(gid, what, work);
    }

    /** {@link #grouped(String, String, Work)} of a write given as steps (pipelined on PostgreSQL). */
    <T> T grouped(String gid, String what, Step<T> first) {
        return group.write(gid, what, first);
    }

    private <T> T run(String what, boolean transaction, Connections source, Work<T> work) {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = connection(source)) {
                if (!transaction) {
                    return work.run(c);
                }
                c.setAutoCommit(false);
                try {
                    T result = work.run(c);
                    c.commit();
                    return result;
                } catch (SQLException | RuntimeException | Error e) {
                    rollbackQuietly(c);
                    throw e;
                }
                // The pool restores autocommit when the connection goes back.
            } catch (SQLException e) {
                if (attempt < ATTEMPTS && dialect.isRetryable(e)) {
                    retries.incrementAndGet();
                    LOG.debug("{}: {} (attempt {}), retrying", what, e.getMessage(), attempt);
                    pause(attempt);
                    continue;
                }
                throw failure(what, e);
            }
        }
    }

    /** What callers get for {@code e}: a 503 when the database cannot be reached, else a storage error. */
    private StoreException failure(String what, SQLException e) {
        SQLException unreachable = unavailability(e);
        return unreachable == null
                ? new StoreException(dialect.name() + " " + what + " failed: " + e.getMessage(), e)
                : new StoreUnavailableException(dialect.name() + " " + what + " failed: " + describe(unreachable), e);
    }

    /**
     * The part of {@code e} saying the server could not be reached, rather than that the statement failed: no
     * connection in time (Hikari), a broken or refused connection (SQLState class 08, both drivers), or a
     * PostgreSQL server that is shutting down or starting up. Null when {@code e} is another failure.
     */
    static SQLException unavailability(SQLException e) {
        SQLException batch = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException se) {
                for (SQLException n = se; n != null; n = n.getNextException()) {
                    String state = n.getSQLState();
                    if (n instanceof SQLTransientConnectionException || n instanceof SQLNonTransientConnectionException
                            || (state != null && (state.startsWith("08") || UNAVAILABLE_STATES.contains(state)))) {
                        if (!(n instanceof BatchUpdateException)) {
                            return n;
                        }
                        batch = batch == null ? n : batch; // its message repeats the statement; prefer the cause
                    }
                }
            }
        }
        return batch;
    }

    /** The failure's own message, plus the last connection error behind a pool timeout. */
    private static String describe(SQLException u) {
        String m = String.valueOf(u.getMessage());
        Throwable cause = u.getCause();
        if (u instanceof SQLTransientConnectionException && cause != null && cause.getMessage() != null
                && !m.contains(cause.getMessage())) {
            m += "; last connection error: " + cause.getMessage();
        }
        return m;
    }

    private Connection connection(Connections source) throws SQLException {
        if (closed) {
            throw new StoreException("the " + dialect.name() + " store is closed");
        }
        return source.get();
    }

    private static void pause(int attempt) {
        // Random, growing: the transactions that deadlocked must not meet again in lock step.
        long ms = ThreadLocalRandom.current().nextLong(1, 5L * attempt + 2);
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException e) {
            // The connection is broken; Hikari evicts it. The original failure is what the caller needs.
            LOG.debug("rollback failed: {}", e.getMessage());
        }
    }
}
