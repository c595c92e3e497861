package io.jdtm.server.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the attempt history off the transactions' path: {@link #offer} puts attempts in a bounded in-memory
 * buffer and never blocks; one writer thread per store takes whatever is queued (up to {@value #BATCH}, waiting up
 * to 20 ms for more after the first) and hands it to {@link TransStore#recordAttempts} in one call, so under load one
 * store write carries the attempts of many passes. When
 * the buffer is full, or the store refuses a batch, the attempts are dropped and counted (the metric
 * {@code jdtm_attempts_dropped_total}): the history is a diagnostic aid and must never slow or fail a transaction.
 * Thread-safe.
 */
public final class AttemptWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AttemptWriter.class);
    /** Attempts per store call at most. */
    static final int BATCH = 500;
    /** How long {@link #close} lets the writer drain what is queued. */
    private static final long CLOSE_WAIT_MILLIS = 2000;
    /** How long the writer waits for more attempts after the first one, so batches are large under load. */
    private static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** A store failure is logged at most this often. */
    private static final long LOG_EVERY_MILLIS = 30_000;

    private final TransStore store;
    private final BlockingQueue<Attempt> queue;
    private final IntConsumer dropped;
    private final Thread thread;
    /** Attempts offered and not yet written or dropped. */
    private final AtomicInteger pending = new AtomicInteger();
    private volatile boolean closing;
    private long lastLog;

    /**
     * @param capacity attempts the buffer holds at most
     * @param dropped called with the number of attempts dropped (a full buffer, a failed store write)
     */
    public AttemptWriter(TransStore store, int capacity, IntConsumer dropped) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive, was " + capacity);
        }
        this.store = store;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.dropped = dropped;
        this.thread = Thread.ofPlatform().daemon().name("jdtm-attempts-" + store.name()).start(this::run);
    }

    /** Queues attempts for writing; drops (and counts) those that do not fit. Never blocks. */
    public void offer(List<Attempt> attempts) {
        int lost = 0;
        for (Attempt a : attempts) {
            pending.incrementAndGet();
            if (closing || !queue.offer(a)) {
                pending.decrementAndGet();
                lost++;
            }
        }
        if (lost > 0) {
            dropped.accept(lost);
        }
    }

    /** Waits until everything queued before this call has been written (or dropped). For tests and shutdown. */
    public boolean flush(long timeoutMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (pending.get() > 0) {
            if (System.nanoTime() - deadline >= 0 || !thread.isAlive()) {
                return false;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    private void run() {
        List<Attempt> batch = new ArrayList<>(BATCH);
        while (!(closing && queue.isEmpty())) {
            try {
                Attempt first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                // linger a moment so that one store write carries the attempts of many passes, not of one; sleeping
                // (rather than waiting on the queue) spares the passes a wake-up of this thread per offer
                if (!closing && queue.size() < BATCH - 1) {
                    TimeUnit.NANOSECONDS.sleep(LINGER_NANOS);
                }
                queue.drainTo(batch, BATCH - batch.size());
                write(batch);
            } catch (InterruptedException e) {
                if (!closing) {
                    Thread.currentThread().interrupt();
                    return;
                }
            } finally {
                pending.addAndGet(-batch.size());
                batch.clear();
            }
        }
    }

    private void write(List<Attempt> batch) {
        try {
            store.recordAttempts(batch);
        } catch (RuntimeException e) {
            // the store is down or refused the batch: the history loses these, the transactions lose nothing
            dropped.accept(batch.size());
            long now = System.currentTimeMillis();
            if (now - lastLog >= LOG_EVERY_MILLIS) {
                lastLog = now;
                log.warn("attempt history: {} attempt(s) not stored: {}", batch.size(), e.getMessage());
            }
        }
    }

    /** Writes what is queued (for a short while at most), then stops the writer. */
    @Override
    public void close() {
        flush(CLOSE_WAIT_MILLIS);
        closing = true;
        try {
            thread.join(CLOSE_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
