package io.jdtm.server.store.jdbc;

import io.jdtm.server.store.StoreUnavailableException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for the SQL engines: the hot-path writes of many concurrent transactions (new transaction, branch
 * status, global status, a pass's lease) share one database transaction and one commit, so the server flushes its
 * WAL/redo log once per batch instead of once per write, and a connection is borrowed, switched to manual commit and
 * given back once per batch instead of once per write.
 *
 * <p>Writes are spread over a few <em>lanes</em> by gid, each lane a platform thread that drains its queue into
 * batches of up to {@value #MAX_BATCH}. All writes of one gid go through one lane, so two batches never hold locks
 * on the same transaction's rows and cannot deadlock each other. When nothing is queued a write runs alone at once:
 * batching adds no latency, it only absorbs load.
 *
 * <p>A batched write must leave the database transaction usable when it throws: an expected outcome (a lost
 * compare-and-set, a duplicate gid) is thrown as an unchecked exception <em>before</em> the write changed anything,
 * and surfaces to its caller after the batch commits. A {@link SQLException} from any write, or from the commit,
 * rolls the batch back; each of its writes then runs again alone on its caller's thread, so one bad write fails
 * alone and the others still commit. When the failure says the database cannot be reached, every caller of the
 * batch gets that answer at once instead.
 */
final class GroupCommit implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCommit.class);
    static final int MAX_BATCH = 128;

    /** One unit of work against a connection in manual-commit mode; never commits itself. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Where a batch gets its connection and how a single write runs in its own transaction. */
    interface Backend {
        Connection connection() throws SQLException;

        <T> T runAlone(String what, Work<T> work);

        /** The exception for callers when {@code e} means the database cannot be reached; null otherwise. */
        RuntimeException unavailable(String what, SQLException e);
    }

    /** Tells a caller to run its write again alone, on its own thread, after its batch failed. */
    private static final class RunAlone extends RuntimeException {
        RunAlone() {
            super("batch failed", null, false, false);
        }
    }

    private static final RunAlone RUN_ALONE = new RunAlone();

    private record Task<T>(String what, Work<T> work, CompletableFuture<T> done) {
        void ran(Object value) {
            @SuppressWarnings("unchecked")
            T t = (T) value;
            done.complete(t);
        }

        /** Runs the write alone; returns what it threw when that says the database is unreachable. */
        RuntimeException alone(Backend b) {
            try {
                done.complete(b.runAlone(what, work));
            } catch (StoreUnavailableException e) {
                done.completeExceptionally(e);
                return e;
            } catch (RuntimeException | Error e) {
                done.completeExceptionally(e);
            }
            return null;
        }
    }

    private final Backend backend;
    private final List<LinkedBlockingQueue<Task<?>>> queues = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    private volatile boolean closed;

    GroupCommit(String name, int lanes, Backend backend) {
        this.backend = backend;
        for (int i = 0; i < lanes; i++) {
            LinkedBlockingQueue<Task<?>> q = new LinkedBlockingQueue<>();
            queues.add(q);
            threads.add(Thread.ofPlatform().daemon(true).name("jdtm-" + name + "-commit-" + i)
                    .start(() -> drain(q)));
        }
    }

    /**
     * Runs {@code work} in the next batch of the lane of {@code key} and returns its result once the batch has
     * committed; rethrows what the work threw.
     */
    <T> T write(String key, String what, Work<T> work) {
        if (closed) {
            return backend.runAlone(what, work);
        }
        CompletableFuture<T> done = new CompletableFuture<>();
        queues.get(Math.floorMod(key.hashCode(), queues.size())).add(new Task<>(what, work, done));
        try {
            return done.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RunAlone) {
                return backend.runAlone(what, work);
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /** Batches committed so far and the writes they held (their ratio is the mean batch size). */
    long batches() {
        return batches.get();
    }

    long writes() {
        return writes.get();
    }

    private void drain(LinkedBlockingQueue<Task<?>> q) {
        List<Task<?>> batch = new ArrayList<>(MAX_BATCH);
        while (!closed || !q.isEmpty()) {
            try {
                batch.add(q.take());
            } catch (InterruptedException e) {
                if (closed) {
                    break;
                }
                continue;
            }
            q.drainTo(batch, MAX_BATCH - 1);
            try {
                RuntimeException down = runBatch(batch);
                if (down != null) {
                    // The writes that queued while this batch waited for the database get the same answer now
                    // rather than each waiting out the connection timeout again.
                    for (Task<?> t; (t = q.poll()) != null; ) {
                        t.done().completeExceptionally(down);
                    }
                }
            } catch (RuntimeException | Error e) {
                // never leave a caller waiting, whatever went wrong
                for (Task<?> t : batch) {
                    t.done().completeExceptionally(e);
                }
            }
            batch.clear();
        }
        // whatever is left after close runs alone on the callers' behalf
        for (Task<?> t; (t = q.poll()) != null; ) {
            t.alone(backend);
        }
    }

    /** Runs one batch; returns the exception its callers got when the database was unreachable, else null. */
    private RuntimeException runBatch(List<Task<?>> batch) {
        if (batch.size() == 1) {
            return batch.getFirst().alone(backend);
        }
        Object[] results = new Object[batch.size()];
        RuntimeException[] thrown = new RuntimeException[batch.size()];
        SQLException failed = null;
        try (Connection c = backend.connection()) {
            c.setAutoCommit(false);
            try {
                for (int i = 0; i < batch.size(); i++) {
                    try {
                        results[i] = batch.get(i).work().run(c);
                    } catch (RuntimeException e) {
                        thrown[i] = e; // an expected outcome; it wrote nothing
                    }
                }
                c.commit();
            } catch (SQLException e) {
                failed = e;
                try {
                    c.rollback();
                } catch (SQLException r) {
                    LOG.debug("rollback of a failed batch failed: {}", r.getMessage());
                }
            }
        } catch (SQLException e) {
            failed = e; // no connection, or closing it failed
        }
        if (failed != null) {
            RuntimeException down = backend.unavailable("batch of " + batch.size() + " writes", failed);
            if (down == null) {
                LOG.debug("a batch of {} writes failed ({}); each runs again alone", batch.size(), failed.getMessage());
            }
            // Unreachable database: everyone gets the answer now. Otherwise each caller re-runs its own write on
            // its own thread, so one bad write fails alone and the lane moves on.
            for (Task<?> t : batch) {
                t.done().completeExceptionally(down != null ? down : RUN_ALONE);
            }
            return down;
        }
        batches.incrementAndGet();
        writes.addAndGet(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            if (thrown[i] != null) {
                batch.get(i).done().completeExceptionally(thrown[i]);
            } else {
                batch.get(i).ran(results[i]);
            }
        }
        return null;
    }

    /** Stops the lanes after the queued writes have run. */
    @Override
    public void close() {
        closed = true;
        threads.forEach(Thread::interrupt);
        for (Thread t : threads) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
