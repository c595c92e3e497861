package io.jdtm.server.cron;

import io.jdtm.server.store.StoreUnavailableException;
import io.jdtm.server.store.TransBranch;
import io.jdtm.server.store.TransGlobal;
import io.jdtm.server.store.TransStore;
import io.jdtm.server.trans.TransService;
import io.jdtm.server.trans.TransService.ClaimedPass;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retry poller (spec §6.12). It claims due transactions in batches with an owner lease of
 * {@code RetryInterval} seconds (so several TM instances can share one store); each claim is the lease of the pass
 * that follows (see {@code io.jdtm.server.trans.Passes}), renewed by that pass while it runs. It drives up to
 * {@code CronConcurrency} of them at once, each on its own virtual thread: a backlog is drained in parallel, not one
 * at a time. How many at once adapts ({@link AdaptiveLimit}): it shrinks while branches fail or passes slow down
 * and grows back while they end well. The loop waits for a free slot before it claims, and claims no more than the
 * free slots (and {@code CronBatch}), so a claimed transaction never waits for a slot and neither threads nor
 * claimed rows pile up behind a slow or failing RM; the failing transactions themselves back off as their passes
 * decide (spec §6.4–6.5). When nothing is due it idles {@code TransCronInterval} minus up to one second of jitter. The loop
 * catches everything per round and never dies; while the store is unavailable it retries every second and logs the
 * outage once (plus a reminder every 30 s), then once more when the store is back.
 */
public final class Poller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Poller.class);

    private static final int ROUND_LIMIT = 100_000;
    /** How long a claim waits for more free slots while a backlog is due (see {@link #claimAndStart}). */
    static final Duration CLAIM_LINGER = Duration.ofMillis(20);

    private final TransService service;
    private final TransStore store;
    private final Clock clock;
    private final Duration lease;
    private final Duration idle;
    private final int batch;
    private final AdaptiveLimit slots;
    private final Outage outage = new Outage();
    /** The last claim took all it asked for: more transactions are probably due. Only the loop uses it. */
    private boolean backlog;
    private final LongAdder claims = new LongAdder();
    private final LongAdder claimed = new LongAdder();
    private volatile boolean running;
    private Thread loop;

    public Poller(TransService service, Clock clock, Duration lease, Duration idle, int batch, int concurrency) {
        this.service = service;
        this.store = service.store();
        this.clock = clock;
        this.lease = lease;
        this.idle = idle;
        this.batch = batch;
        this.slots = AdaptiveLimit.forConcurrency(concurrency);
    }

    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        loop = Thread.ofPlatform().name("jdtm-poller").daemon(true).start(this::loop);
    }

    private void loop() {
        while (running) {
            try {
                int started = claimAndStart();
                outage.ended();
                if (started == 0) {
                    long jitter = ThreadLocalRandom.current().nextLong(Math.min(1000, idle.toMillis()) + 1);
                    pause(idle.toMillis() - jitter);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return; // close()
            } catch (StoreUnavailableException e) {
                outage.failed(e);
                pause(1000);
            } catch (RuntimeException e) {
                log.warn("poller round failed; retrying in 1s: {}", e.toString());
                pause(1000);
            }
        }
    }

    /**
     * Logs a store outage without repeating itself every second: a warning when it starts, a reminder every
     * {@link #REMINDER}, and one line when the store answers again.
     */
    private static final class Outage {
        private static final Duration REMINDER = Duration.ofSeconds(30);
        private long since;
        private long lastLog;
        private int rounds;

        void failed(StoreUnavailableException e) {
            long now = System.nanoTime();
            rounds++;
            if (rounds == 1) {
                since = now;
                lastLog = now;
                log.warn("poller: the store is unavailable, retrying every second: {}", e.getMessage());
            } else if (now - lastLog >= REMINDER.toNanos()) {
                lastLog = now;
                log.warn("poller: the store is still unavailable after {}s ({} failed rounds): {}",
                        Duration.ofNanos(now - since).toSeconds(), rounds, e.getMessage());
            }
        }

        void ended() {
            if (rounds > 0) {
                log.info("poller: the store is available again after {}s ({} failed rounds); resuming",
                        Duration.ofNanos(System.nanoTime() - since).toSeconds(), rounds);
                rounds = 0;
            }
        }
    }

    /**
     * Waits for a free slot, claims up to as many due transactions as there are free slots (at most one batch) and
     * starts a pass for each.
     */
    private int claimAndStart() throws InterruptedException {
        // after a full claim more is due: wait briefly for a quarter of the limit to be free, so that one claim
        // (one store round trip on the single claim loop) takes many transactions rather than each slot freed
        int enough = backlog ? Math.max(1, Math.min(batch, slots.current() / 4)) : 1;
        int free = slots.acquire(batch, enough, CLAIM_LINGER);
        List<TransGlobal> due;
        try {
            due = store.claimDue(clock.instant(), Duration.ZERO, lease, service.newLeaseOwner(), free);
        } catch (RuntimeException e) {
            slots.release(free);
            throw e;
        }
        slots.release(free - due.size());
        backlog = due.size() == free;
        claims.increment();
        claimed.add(due.size());
        if (!due.isEmpty()) {
            // off the loop, so that the next claim does not wait for this one's branch read
            Thread.startVirtualThread(() -> {
                Map<String, List<TransBranch>> branches = branchesOf(due);
                for (TransGlobal g : due) {
                    start(g, branches.get(g.gid()));
                }
            });
        }
        return due.size();
    }

    /**
     * The branches of the claimed transactions, read in one go rather than by each pass; empty when that read
     * fails, and each pass then reads its own. Their leases are held, so no pass changes them meanwhile.
     */
    private Map<String, List<TransBranch>> branchesOf(List<TransGlobal> due) {
        if (due.isEmpty()) {
            return Map.of();
        }
        try {
            return store.findBranches(due.stream().map(TransGlobal::gid).toList());
        } catch (RuntimeException e) {
            log.debug("poller: reading the branches of {} claimed transactions failed; each pass reads its own: {}",
                    due.size(), e.toString());
            return Map.of();
        }
    }

    /**
     * Runs the pass of a claimed transaction on its own virtual thread, in a slot taken for it; {@code branches}
     * are its branch rows when already read, else null.
     */
    private Thread start(TransGlobal g, List<TransBranch> branches) {
        return Thread.startVirtualThread(() -> {
            long t0 = System.nanoTime();
            boolean trouble = true;
            try {
                ClaimedPass r = service.processClaimed(g, branches);
                trouble = r.failed() || r.branchErrors() > 0;
            } finally {
                slots.completed(System.nanoTime() - t0, trouble);
            }
        });
    }

    /**
     * One synchronous round for tests and operators: claims, once, every transaction due by
     * {@code now + lookahead} (at most {@value #ROUND_LIMIT}), drives them concurrently and returns when all their
     * passes have ended. A transaction is driven at most once per round even when the look-ahead is longer than
     * the lease.
     *
     * @return how many transactions were processed
     */
    public int runOnce(Duration lookahead) {
        List<TransGlobal> due = store.claimDue(clock.instant(), lookahead, lease, service.newLeaseOwner(), ROUND_LIMIT);
        List<Thread> threads = new ArrayList<>(due.size());
        Map<String, List<TransBranch>> branches = branchesOf(due);
        for (TransGlobal g : due) {
            acquireSlot();
            threads.add(start(g, branches.get(g.gid())));
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return due.size();
    }

    private void acquireSlot() {
        try {
            slots.acquire(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a poller slot", e);
        }
    }

    private void pause(long millis) {
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis); // idle wait of a background loop; close() interrupts it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Claims the poller's loop made so far. */
    public long claims() {
        return claims.sum();
    }

    /** Transactions those claims took. */
    public long claimed() {
        return claimed.sum();
    }

    /** How many transactions may be driven at most at once ({@code CronConcurrency}). */
    public int concurrency() {
        return slots.max();
    }

    /** How many transactions may be driven at once now: adapts between a sixteenth of {@link #concurrency} and it. */
    public int currentLimit() {
        return slots.current();
    }

    /** How many transactions the poller is driving now. */
    public int inFlight() {
        return slots.inFlight();
    }

    /** The most transactions the poller drove at once since it started. */
    public int peakInFlight() {
        return slots.peak();
    }

    @Override
    public synchronized void close() {
        running = false;
        if (loop != null) {
            loop.interrupt();
            try {
                loop.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
