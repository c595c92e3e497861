package io.jdtm.server.store;

import io.jdtm.server.config.StoreConfig;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Function;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the store at start-up, waiting for it while it cannot be reached, as DTM does ({@code WaitStoreUp}), so a
 * TM restarted during a database outage comes up by itself once the database is back.
 *
 * <ul>
 *   <li>A failure that waiting can fix ({@link StoreUnavailableException}: refused, reset or timed-out connections,
 *       a server starting up, a connection dropped during the schema migration) is retried after {@link #BACKOFF},
 *       each wait logged once as a warning with its cause (no stack trace; it is logged at debug).</li>
 *   <li>Any other failure ({@link StoreException}: wrong credentials, unknown database, missing rights, a schema
 *       that cannot be migrated; {@link IllegalArgumentException}: a bad setting) is thrown at once: waiting would
 *       only hide a mistake the operator must fix.</li>
 *   <li>After {@code StoreWaitTimeout} ({@code limit}; zero waits forever) it gives up with a {@link StoreException}
 *       naming the limit and the last cause.</li>
 * </ul>
 *
 * Each attempt runs on its own virtual thread, so an interrupt (SIGTERM during the wait) ends the wait at once,
 * even during a slow connection attempt; an attempt abandoned that way closes its store if it still opens.
 */
public final class StoreWait {
    private static final Logger LOG = LoggerFactory.getLogger(StoreWait.class);

    /** The pause before attempt {@code n + 1} after {@code n} failed ones: 1 s, 2 s, 4 s, then every 5 s. */
    static final LongFunction<Duration> BACKOFF = n -> Duration.ofSeconds(Math.min(5, 1L << Math.min(n - 1, 3)));

    private StoreWait() {}

    /** The wait was ended by an interrupt (a stop signal) before the store could be opened. */
    public static final class Interrupted extends RuntimeException {
        public Interrupted() {
            super("stopped while waiting for the store", null, false, false);
        }
    }

    /**
     * Opens the store {@code cfg} names ({@link StoreFactory#open}), waiting while it cannot be reached.
     *
     * @param limit how long to keep trying; {@link Duration#ZERO} waits forever
     * @throws StoreException when the store refused (at once) or stayed unreachable for {@code limit}
     * @throws IllegalArgumentException when the configuration cannot describe a store
     * @throws InterruptedException when the calling thread was interrupted while waiting
     */
    public static TransStore open(StoreConfig cfg, Duration limit) throws InterruptedException {
        return open(cfg, limit, StoreFactory::open);
    }

    static TransStore open(StoreConfig cfg, Duration limit, Function<StoreConfig, TransStore> opener)
            throws InterruptedException {
        long start = System.nanoTime();
        for (long attempt = 1; ; attempt++) {
            StoreUnavailableException down;
            try {
                TransStore store = attempt(cfg, opener);
                if (attempt > 1) {
                    LOG.info("the {} store is reachable after {} attempts ({} s)", cfg.driver(), attempt,
                            seconds(System.nanoTime() - start));
                }
                return store;
            } catch (StoreUnavailableException e) {
                down = e;
            }
            LOG.debug("store attempt {} failed", attempt, down);
            long waited = System.nanoTime() - start;
            boolean forever = limit.isZero();
            if (!forever && waited >= limit.toNanos()) {
                throw new StoreException("gave up waiting for the " + cfg.driver() + " store after "
                        + seconds(waited) + " s and " + attempt + " attempt(s) (StoreWaitTimeout " + limit.toSeconds()
                        + " s): " + down.getMessage(), down);
            }
            Duration pause = BACKOFF.apply(attempt);
            if (!forever && pause.toNanos() > limit.toNanos() - waited) {
                pause = Duration.ofNanos(limit.toNanos() - waited); // one last attempt at the limit
            }
            LOG.warn("waiting for the {} store (attempt {} failed{}): {}; next attempt in {} ms", cfg.driver(),
                    attempt, forever ? "" : ", giving up after " + limit.toSeconds() + " s", down.getMessage(),
                    pause.toMillis());
            Thread.sleep(pause); // the pause between attempts; an interrupt ends the wait
        }
    }

    /** One attempt on its own virtual thread, so an interrupt never waits for a slow connect or migration. */
    private static TransStore attempt(StoreConfig cfg, Function<StoreConfig, TransStore> opener)
            throws InterruptedException {
        FutureTask<TransStore> task = new FutureTask<>(() -> opener.apply(cfg));
        Thread.ofVirtual().name("jdtm-store-open").start(task);
        try {
            return task.get();
        } catch (InterruptedException e) {
            Thread.ofVirtual().name("jdtm-store-abandon").start(() -> closeWhenOpened(task));
            throw e;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new StoreException("cannot open the " + cfg.driver() + " store: " + e.getCause(), e.getCause());
        }
    }

    private static void closeWhenOpened(FutureTask<TransStore> task) {
        try {
            task.get().close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | RuntimeException e) {
            // the abandoned attempt failed: nothing to close
        }
    }

    private static long seconds(long nanos) {
        return Duration.ofNanos(nanos).toSeconds();
    }
}
