package io.jdtm.server.cron;

import io.jdtm.server.store.TransStore;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention: deletes finished transactions (and their branches) whose last update is older than
 * {@code Store.Retention} seconds, in batches, once a minute. DTM has no such cleanup for its SQL stores (users
 * asked for it, U10); jdtm runs it on every engine. A retention of 0 turns it off. The loop catches everything.
 */
public final class Housekeeper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Housekeeper.class);
    private static final int BATCH = 1000;
    private static final Duration PERIOD = Duration.ofMinutes(1);

    private final TransStore store;
    private final Clock clock;
    private final Duration retention;
    private volatile boolean running;
    private Thread loop;

    public Housekeeper(TransStore store, Clock clock, Duration retention) {
        this.store = store;
        this.clock = clock;
        this.retention = retention;
    }

    public synchronized void start() {
        if (running || retention.isZero()) {
            return;
        }
        running = true;
        loop = Thread.ofPlatform().name("jdtm-retention").daemon(true).start(() -> {
            while (running) {
                try {
                    runOnce();
                } catch (RuntimeException e) {
                    log.warn("retention round failed: {}", e.toString());
                }
                try {
                    Thread.sleep(PERIOD.toMillis()); // background period; close() interrupts it
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /** Deletes every finished transaction older than the retention, batch after batch; returns how many. */
    public int runOnce() {
        if (retention.isZero()) {
            return 0;
        }
        int total = 0;
        while (true) {
            int n = store.deleteFinishedBefore(clock.instant().minus(retention), BATCH);
            total += n;
            if (n < BATCH) {
                break;
            }
        }
        if (total > 0) {
            log.info("retention: deleted {} finished transactions older than {}", total, retention);
        }
        return total;
    }

    @Override
    public synchronized void close() {
        running = false;
        if (loop != null) {
            loop.interrupt();
        }
    }
}
