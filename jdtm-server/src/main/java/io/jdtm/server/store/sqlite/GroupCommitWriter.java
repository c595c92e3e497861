package io.jdtm.server.store.sqlite;

import io.jdtm.server.store.StoreException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only writer of one SQLite database: a platform thread that owns the write connection, drains queued write
 * tasks into one transaction (up to {@value #MAX_BATCH} per commit) and completes each task's future only after
 * that commit returned, i.e. after SQLite fsynced the WAL. This is group commit: many concurrent callers share one
 * fsync, which is what makes a durable embedded store fast (TECH-NOTES §5).
 *
 * <p>Each task runs inside its own {@code SAVEPOINT}, so a task that fails (a compare-and-set miss, a unique
 * conflict, an SQL error) is rolled back alone and only its own future fails; the rest of the batch commits. If a
 * task breaks the transaction itself, or the commit fails, every task of the batch fails with a
 * {@link StoreException}. The thread catches everything per batch and never dies before {@link #close()}.
 *
 * <p>Thread-safe: {@link #execute} and {@link #submit} may be called from any number of (virtual) threads.
 * Tasks run one after another in submission order, so a task sees the effects of every task queued before it.
 */
final class GroupCommitWriter implements AutoCloseable {
    static final int MAX_BATCH = 512;
    private static final Logger LOG = LoggerFactory.getLogger(GroupCommitWriter.class);

    /** A unit of work run on the writer thread inside its own savepoint. */
    @FunctionalInterface
    interface WriteTask<T> {
        T run(CachedConnection c) throws SQLException;
    }

    private static final class Op<T> {
        final WriteTask<T> task;
        final CompletableFuture<T> future = new CompletableFuture<>();
        T result;
        Throwable error;

        Op(WriteTask<T> task) {
            this.task = task;
        }

        void runIn(CachedConnection c) throws SQLException {
            result = task.run(c);
        }

        void complete() {
            if (error == null) {
                future.complete(result);
            } else {
                future.completeExceptionally(error);
            }
        }
    }

    /** Queued by {@link #close()} behind every accepted task; the writer stops when it reaches it. */
    private static final Op<Void> STOP = new Op<>(c -> null);

    private final CachedConnection conn;
    private final LinkedBlockingQueue<Op<?>> queue = new LinkedBlockingQueue<>();
    // Readers of the gate are submitters; close() takes the write side so that no task can be queued after STOP
    // (such a task would never complete and its caller would hang).
    private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock();
    private boolean closed;
    private final Thread thread;
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong tasks = new AtomicLong();

    GroupCommitWriter(CachedConnection conn, String threadName) {
        this.conn = conn;
        // A platform thread: it spends its time in native SQLite calls and fsync, which would pin a virtual
        // thread's carrier anyway. Daemon, because an unacknowledged write may be lost at exit by contract.
        this.thread = Thread.ofPlatform().name(threadName).daemon(true).unstarted(this::loop);
        thread.start();
    }

    /**
     * Queues a task and waits, uninterruptibly, until its batch committed: a caller never returns while the
     * outcome of its write is unknown. Rethrows the task's own exception; SQL errors come as {@link StoreException}.
     */
    <T> T execute(WriteTask<T> task) {
        CompletableFuture<T> f = submit(task);
        try {
            return f.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new StoreException("sqlite write failed: " + cause, cause);
        }
    }

    /** Queues a task; the future completes after the commit of its batch. */
    <T> CompletableFuture<T> submit(WriteTask<T> task) {
        Op<T> op = new Op<>(task);
        gate.readLock().lock();
        try {
            if (closed) {
                throw new StoreException("the sqlite store is closed");
            }
            queue.add(op);
        } finally {
            gate.readLock().unlock();
        }
        return op.future;
    }

    /** Tasks waiting for the writer (tests use it to build a batch deterministically). */
    int queued() {
        return queue.size();
    }

    long commits() {
        return commits.get();
    }

    long tasks() {
        return tasks.get();
    }

    boolean isRunning() {
        return thread.isAlive() && !isClosed();
    }

    private boolean isClosed() {
        gate.readLock().lock();
        try {
            return closed;
        } finally {
            gate.readLock().unlock();
        }
    }

    private void loop() {
        List<Op<?>> batch = new ArrayList<>(MAX_BATCH);
        boolean stop = false;
        while (!stop) {
            try {
                batch.add(queue.take());
                queue.drainTo(batch, MAX_BATCH - 1);
                // STOP is queued after every accepted task, so it can only be the last element.
                if (batch.getLast() == STOP) {
                    batch.removeLast();
                    stop = true;
                }
                if (!batch.isEmpty()) {
                    commitBatch(batch);
                }
            } catch (InterruptedException e) {
                // Nobody but close() has a reason to interrupt us, and close() stops us with STOP instead.
                LOG.warn("sqlite writer interrupted; ignoring (the store stops on close())");
            } catch (Throwable t) {
                // commitBatch handles failures itself; this is the last net so the writer never dies.
                LOG.error("sqlite writer: unexpected failure, failing the batch", t);
                failAll(batch, new StoreException("sqlite writer failure: " + t, t));
            } finally {
                batch.clear();
            }
        }
    }

    private void commitBatch(List<Op<?>> batch) {
        try {
            conn.execute("BEGIN IMMEDIATE");
        } catch (SQLException e) {
            conn.forgetStatements();
            failAll(batch, new StoreException("sqlite: cannot begin a write transaction: " + e.getMessage(), e));
            return;
        }
        try {
            for (Op<?> op : batch) {
                conn.execute("SAVEPOINT task");
                try {
                    op.runIn(conn);
                } catch (Throwable t) {
                    op.error = translate(t);
                    if (CachedConnection.causedBySql(t)) {
                        conn.forgetStatements();
                    }
                    // Undo only this task's writes. If even this fails, the transaction is in an unknown state.
                    conn.execute("ROLLBACK TO task");
                }
                conn.execute("RELEASE task");
            }
            conn.execute("COMMIT");
        } catch (Throwable t) {
            conn.forgetStatements();
            rollbackQuietly();
            failAll(batch, new StoreException("sqlite: the group commit failed, nothing of it was written: "
                    + t.getMessage(), t));
            return;
        }
        commits.incrementAndGet();
        tasks.addAndGet(batch.size());
        for (Op<?> op : batch) {
            op.complete();
        }
    }

    private static Throwable translate(Throwable t) {
        if (t instanceof SQLException e) {
            return new StoreException("sqlite: " + e.getMessage(), e);
        }
        return t;
    }

    private void rollbackQuietly() {
        try {
            conn.execute("ROLLBACK");
        } catch (SQLException e) {
            // Expected when SQLite already rolled the transaction back itself (I/O errors, out of memory).
            LOG.debug("sqlite rollback after a failed batch: {}", e.getMessage());
        }
    }

    private static void failAll(List<Op<?>> batch, StoreException e) {
        for (Op<?> op : batch) {
            op.future.completeExceptionally(op.error != null ? op.error : e);
        }
    }

    /** Lets every accepted task finish, stops the thread and closes the write connection. */
    @Override
    public void close() {
        gate.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            queue.add(STOP);
        } finally {
            gate.writeLock().unlock();
        }
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        try {
            conn.close();
        } catch (SQLException e) {
            LOG.warn("sqlite: closing the write connection failed", e);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
