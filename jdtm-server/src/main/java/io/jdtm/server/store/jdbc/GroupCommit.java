package io.jdtm.server.store.jdbc;

import io.jdtm.server.store.StoreException;
import io.jdtm.server.store.StoreUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit, for every SQL engine: the writes of many concurrent transactions share one database transaction and
 * one commit, so the database flushes its WAL/redo log (SQLite: fsyncs the WAL) once per batch instead of once per
 * write, and a connection is borrowed, switched to manual commit and given back once per batch instead of once per
 * write.
 *
 * <p>Writes are spread over a few <em>lanes</em> by key (the gid), each lane a platform thread that drains its queue
 * into batches of up to {@value #MAX_BATCH}. All writes of one gid go through one lane, so two batches never hold
 * locks on the same transaction's rows and cannot deadlock each other. When nothing is queued a write runs alone at
 * once: batching adds no latency, it only absorbs load. SQLite has one lane, whose thread is then the only writer.
 *
 * <p>A batch runs its writes one after another, or, <em>pipelined</em> (PostgreSQL), side by side in rounds: a write
 * is a chain of {@link Step}s, and each round sends the same statement of many writes as one JDBC batch, which the
 * driver sends without waiting for each answer (see {@link Step}). Two writes of one key in a batch still run one
 * after another.
 *
 * <p>How one write fails alone:
 * <ul>
 *   <li><b>With savepoints</b> (SQLite, where a savepoint costs no round trip): each write runs in its own
 *       {@code SAVEPOINT}; whatever it throws rolls back its own changes only and reaches only its caller, and the
 *       rest of the batch commits.
 *   <li><b>Without</b> (the servers): a write must leave the transaction usable when it throws an expected outcome
 *       (a lost compare-and-set, a duplicate gid): it throws it, unchecked, <em>before</em> it changed anything,
 *       and the outcome reaches its caller after the batch commits.
 * </ul>
 * A {@link SQLException} that breaks the batch (from a write without savepoints, from a savepoint, or from the
 * commit) rolls the whole batch back; each of its writes then runs again alone on its caller's thread
 * ({@link Backend#runAlone}), so one bad write fails alone and the others still commit. When the failure says the
 * database cannot be reached, every caller of the batch, and every write queued behind it, gets that answer at once.
 *
 * <p>Thread-safe. {@link #close()} lets every accepted write finish; writes after it run alone.
 */
final class GroupCommit implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCommit.class);
    static final int MAX_BATCH = 128;

    /** One unit of work against a connection in manual-commit mode; never commits itself. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Where a batch gets its connection, how a single write runs in its own transaction, what a failure means. */
    interface Backend {
        Connection connection() throws SQLException;

        <T> T runAlone(String what, Work<T> work);

        /** The exception for callers: a {@link StoreUnavailableException} when the database cannot be reached. */
        StoreException failure(String what, SQLException e);
    }

    /** Tells a caller to run its write again alone, on its own thread, after its batch failed. */
    private static final class RunAlone extends RuntimeException {
        RunAlone() {
            super("batch failed", null, false, false);
        }
    }

    private static final RunAlone RUN_ALONE = new RunAlone();

    private record Task<T>(String key, String what, Step<T> first, CompletableFuture<T> done) {
        void ran(Object value) {
            @SuppressWarnings("unchecked")
            T t = (T) value;
            done.complete(t);
        }

        /** Runs the write alone; returns what it threw when that says the database is unreachable. */
        RuntimeException alone(Backend b) {
            try {
                done.complete(b.runAlone(what, c -> Step.run(first, c)));
            } catch (StoreUnavailableException e) {
                done.completeExceptionally(e);
                return e;
            } catch (RuntimeException | Error e) {
                done.completeExceptionally(e);
            }
            return null;
        }
    }

    /** Queued by {@link #close()} behind every accepted write; a lane stops when it reaches it. */
    private static final Task<Void> STOP = new Task<>("", "stop", Step.done(null), new CompletableFuture<>());

    private final Backend backend;
    private final boolean savepoints;
    private final boolean pipelined;
    private final List<LinkedBlockingQueue<Task<?>>> queues = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    // every batch a lane ran, a single write included, whatever its outcome: what the store metrics show
    private final AtomicLong ran = new AtomicLong();
    private final AtomicLong ranWrites = new AtomicLong();
    private final AtomicLong busyNanos = new AtomicLong();
    // Writers hold the read side while they queue; close() takes the write side, so nothing is queued behind STOP
    // (such a write would never run and its caller would hang).
    private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock();
    private boolean closed;

    /**
     * @param savepoints run each write of a batch in its own savepoint (see the class comment)
     * @param pipelined run the writes of a batch side by side in rounds ({@link Step}), for a driver that sends a
     *     JDBC batch without waiting for each statement's answer; never with savepoints
     */
    GroupCommit(String name, int lanes, boolean savepoints, boolean pipelined, Backend backend) {
        if (savepoints && pipelined) {
            throw new IllegalArgumentException("a pipelined batch has no per-write savepoints");
        }
        this.backend = backend;
        this.savepoints = savepoints;
        this.pipelined = pipelined;
        for (int i = 0; i < lanes; i++) {
            LinkedBlockingQueue<Task<?>> q = new LinkedBlockingQueue<>();
            queues.add(q);
            // Platform threads: they spend their time in the driver (SQLite: native calls and fsync, which would
            // pin a virtual thread's carrier anyway). Daemon: an unacknowledged write may be lost at exit.
            threads.add(Thread.ofPlatform().daemon(true).name("jdtm-" + name + "-commit-" + i)
                    .start(() -> drain(q)));
        }
    }

    /**
     * Runs {@code work} in the next batch of the lane of {@code key} and returns its result once the batch has
     * committed; rethrows what the work threw. Waits uninterruptibly: a caller never returns while the outcome of
     * its write is unknown.
     */
    <T> T write(String key, String what, Work<T> work) {
        return write(key, what, Step.code(c -> Step.done(work.run(c))));
    }

    /** {@link #write(String, String, Work)} of a write given as steps, which a pipelined batch runs in rounds. */
    <T> T write(String key, String what, Step<T> first) {
        CompletableFuture<T> done = new CompletableFuture<>();
        Work<T> alone = c -> Step.run(first, c);
        gate.readLock().lock();
        try {
            if (closed) {
                return backend.runAlone(what, alone);
            }
            queues.get(Math.floorMod(key.hashCode(), queues.size())).add(new Task<>(key, what, first, done));
        } finally {
            gate.readLock().unlock();
        }
        try {
            return done.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RunAlone) {
                return backend.runAlone(what, alone);
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

    /**
     * What the lanes have done so far: the batches they ran (a write run alone counts as a batch of one), the writes
     * those held, and the nanoseconds they spent running them (statements, commit and its flush; not waiting for
     * work). Busy time growing as fast as the wall clock times the lanes means the writers are the bottleneck.
     */
    Stats stats() {
        return new Stats(queues.size(), ran.get(), ranWrites.get(), busyNanos.get());
    }

    record Stats(int lanes, long batches, long writes, long busyNanos) {}

    /** Batches of several writes committed so far and the writes they held (their ratio is the mean batch size). */
    long batches() {
        return batches.get();
    }

    long writes() {
        return writes.get();
    }

    private void drain(LinkedBlockingQueue<Task<?>> q) {
        List<Task<?>> batch = new ArrayList<>(MAX_BATCH);
        boolean stop = false;
        while (!stop) {
            try {
                batch.add(q.take());
            } catch (InterruptedException e) {
                continue; // nobody but close() has a reason to stop us, and it does so with STOP
            }
            q.drainTo(batch, MAX_BATCH - 1);
            // STOP is queued after every accepted write, so it can only be the last one.
            if (batch.getLast() == STOP) {
                batch.removeLast();
                stop = true;
            }
            long started = System.nanoTime();
            try {
                RuntimeException down = batch.isEmpty() ? null : runBatch(batch);
                if (down != null) {
                    // The writes that queued while this batch waited for the database get the same answer now
                    // rather than each waiting out the connection timeout again.
                    for (Task<?> t; (t = q.peek()) != null && t != STOP; ) {
                        q.poll().done().completeExceptionally(down);
                    }
                }
            } catch (RuntimeException | Error e) {
                // never leave a caller waiting, whatever went wrong
                LOG.error("group commit: unexpected failure, failing the batch", e);
                for (Task<?> t : batch) {
                    t.done().completeExceptionally(e);
                }
            }
            if (!batch.isEmpty()) {
                busyNanos.addAndGet(System.nanoTime() - started);
                ran.incrementAndGet();
                ranWrites.addAndGet(batch.size());
            }
            batch.clear();
        }
    }

    /** Runs one batch; returns the exception its callers got when the database was unreachable, else null. */
    private RuntimeException runBatch(List<Task<?>> batch) {
        if (batch.size() == 1) {
            return batch.getFirst().alone(backend);
        }
        Object[] results = new Object[batch.size()];
        Throwable[] thrown = new Throwable[batch.size()];
        SQLException failed = null;
        try (Connection c = backend.connection()) {
            c.setAutoCommit(false);
            try {
                if (pipelined && distinctKeys(batch)) {
                    runRounds(c, batch, results, thrown);
                } else {
                    runInTurn(c, batch, results, thrown);
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
            StoreException f = backend.failure("batch of " + batch.size() + " writes", failed);
            RuntimeException down = f instanceof StoreUnavailableException ? f : null;
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

    /** Runs the writes of a batch one after another, each in its own savepoint when the batch uses them. */
    private void runInTurn(Connection c, List<Task<?>> batch, Object[] results, Throwable[] thrown)
            throws SQLException {
        for (int i = 0; i < batch.size(); i++) {
            Task<?> t = batch.get(i);
            if (savepoints) {
                execute(c, "SAVEPOINT w");
                try {
                    results[i] = Step.run(t.first(), c);
                } catch (SQLException | RuntimeException | Error e) {
                    thrown[i] = e instanceof SQLException se ? backend.failure(t.what(), se) : e;
                    execute(c, "ROLLBACK TO w"); // undoes this write only
                }
                execute(c, "RELEASE w");
            } else {
                try {
                    results[i] = Step.run(t.first(), c);
                } catch (RuntimeException e) {
                    thrown[i] = e; // an expected outcome; it wrote nothing
                }
            }
        }
    }

    private static boolean distinctKeys(List<Task<?>> batch) {
        Set<String> keys = new HashSet<>();
        for (Task<?> t : batch) {
            if (!keys.add(t.key())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Runs the writes of a batch side by side (their keys are distinct, so no two touch the same transaction): in
     * each round every write's {@link Step.Code} steps run, then every {@link Step.Update} goes out with the others
     * of its SQL as one JDBC batch and every {@link Step.Lookup} with the others of its fetcher as one fetch, and
     * each write's next step follows from its answer. What a write throws (unchecked) ends that write only.
     */
    private static void runRounds(Connection c, List<Task<?>> batch, Object[] results, Throwable[] thrown)
            throws SQLException {
        Step<?>[] at = new Step<?>[batch.size()];
        for (int i = 0; i < at.length; i++) {
            at[i] = batch.get(i).first();
        }
        while (true) {
            Map<String, List<Integer>> updates = new LinkedHashMap<>();
            Map<Step.Fetcher<?>, List<Integer>> lookups = new LinkedHashMap<>();
            for (int i = 0; i < at.length; i++) {
                at[i] = settle(c, i, at[i], thrown);
                switch (at[i]) {
                    case null -> { }
                    case Step.Done<?> d -> {
                        results[i] = d.value();
                        at[i] = null;
                    }
                    case Step.Update<?> u -> updates.computeIfAbsent(u.sql(), x -> new ArrayList<>()).add(i);
                    case Step.Lookup<?, ?> l -> lookups.computeIfAbsent(l.fetcher(), x -> new ArrayList<>()).add(i);
                    case Step.Code<?> k -> throw new AssertionError("settled above");
                    case Step.Either<?> e -> throw new AssertionError("settled above");
                }
            }
            if (updates.isEmpty() && lookups.isEmpty()) {
                return;
            }
            for (Map.Entry<String, List<Integer>> e : updates.entrySet()) {
                runUpdates(c, e.getKey(), e.getValue(), at, thrown);
            }
            for (Map.Entry<Step.Fetcher<?>, List<Integer>> e : lookups.entrySet()) {
                runLookups(c, e.getKey(), e.getValue(), at, thrown);
            }
        }
    }

    /** Runs a write's code steps and picks its side-by-side forms until it waits on an update or a lookup, or ends. */
    private static Step<?> settle(Connection c, int i, Step<?> s, Throwable[] thrown) throws SQLException {
        while (true) {
            switch (s) {
                case Step.Either<?> e -> s = e.sideBySide();
                case Step.Code<?> k -> s = advance(i, thrown, () -> k.work().run(c));
                case null, default -> {
                    return s;
                }
            }
        }
    }

    private static void runUpdates(Connection c, String sql, List<Integer> writes, Step<?>[] at, Throwable[] thrown)
            throws SQLException {
        int[] all;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int rows = 0;
            for (int i : writes) {
                for (Dialect.Binder b : ((Step.Update<?>) at[i]).binds()) {
                    b.bind(ps);
                    ps.addBatch();
                    rows++;
                }
            }
            all = rows == 0 ? new int[0] : ps.executeBatch();
        }
        int from = 0;
        for (int i : writes) {
            Step.Update<?> u = (Step.Update<?>) at[i];
            int[] mine = Arrays.copyOfRange(all, from, from + u.binds().size());
            from += mine.length;
            for (int n : mine) {
                if (n < 0) { // SUCCESS_NO_INFO: the driver rewrote the batch; a write's outcome is unknown
                    throw new SQLException("the driver gave no update count for a batched statement: " + sql);
                }
            }
            at[i] = advance(i, thrown, () -> u.then().apply(mine));
        }
    }

    private static <R> void runLookups(Connection c, Step.Fetcher<R> fetcher, List<Integer> writes, Step<?>[] at,
            Throwable[] thrown) throws SQLException {
        Set<String> keys = new LinkedHashSet<>();
        for (int i : writes) {
            keys.add(((Step.Lookup<?, ?>) at[i]).key());
        }
        Map<String, R> rows = fetcher.fetch(c, keys);
        for (int i : writes) {
            @SuppressWarnings("unchecked")
            Step.Lookup<R, ?> l = (Step.Lookup<R, ?>) at[i];
            at[i] = advance(i, thrown, () -> l.then().apply(rows.get(l.key())));
        }
    }

    @FunctionalInterface
    private interface Next {
        Step<?> get() throws SQLException;
    }

    /** A write's next step; null once it threw (what it threw is kept for its caller). */
    private static Step<?> advance(int i, Throwable[] thrown, Next next) throws SQLException {
        try {
            return next.get();
        } catch (RuntimeException e) {
            thrown[i] = e;
            return null;
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.execute();
        }
    }

    /** Lets every accepted write run, then stops the lanes. Idempotent. */
    @Override
    public void close() {
        gate.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            queues.forEach(q -> q.add(STOP));
        } finally {
            gate.writeLock().unlock();
        }
        boolean interrupted = false;
        for (Thread t : threads) {
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
