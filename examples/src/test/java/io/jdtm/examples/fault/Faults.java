package io.jdtm.examples.fault;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * The bank's injected faults: for each RM call, whether it is answered late (after the TM's {@code request_timeout},
 * so the TM sees an error while the effect commits), answered 500 before or after the effect commits, or served
 * normally. Decided per call at random; counted per kind. {@link #off()} ends injection for the drain phase.
 * Thread-safe.
 */
final class Faults {
    /** What happens to one call. */
    enum Kind {
        NONE,
        /** Waits past the TM's timeout, then runs the effect: it commits after the TM gave up on the call. */
        SLOW_BEFORE,
        /** Runs the effect, then waits past the TM's timeout before answering: the success is lost. */
        SLOW_AFTER,
        /** Answers 500 without running anything. */
        ERROR_BEFORE,
        /** Runs the effect (it commits), then answers 500 instead of its real answer. */
        ERROR_AFTER
    }

    private final double slow;
    private final double error;
    private final long minDelayMillis;
    private final long maxDelayMillis;
    private final Map<Kind, LongAdder> counts = new EnumMap<>(Kind.class);
    private volatile boolean on = true;

    Faults(double slow, double error, Duration requestTimeout, Duration slowMax) {
        this.slow = slow;
        this.error = error;
        this.minDelayMillis = requestTimeout.toMillis() + 200;
        this.maxDelayMillis = Math.max(minDelayMillis + 1, slowMax.toMillis());
        for (Kind k : Kind.values()) {
            counts.put(k, new LongAdder());
        }
    }

    static Faults of(WorkloadConfig c) {
        return new Faults(c.slow(), c.error(), Duration.ofSeconds(c.requestTimeout()), c.slowMax());
    }

    /** The fault of the next call (counted). */
    Kind next() {
        Kind k = Kind.NONE;
        if (on) {
            double r = ThreadLocalRandom.current().nextDouble();
            if (r < slow) {
                k = r < slow / 2 ? Kind.SLOW_BEFORE : Kind.SLOW_AFTER;
            } else if (r < slow + error) {
                k = r < slow + error / 2 ? Kind.ERROR_BEFORE : Kind.ERROR_AFTER;
            }
        }
        counts.get(k).increment();
        return k;
    }

    /** How long a slow call waits: always longer than the request timeout. */
    Duration delay() {
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(minDelayMillis, maxDelayMillis));
    }

    /** No more faults from now on. */
    void off() {
        on = false;
    }

    /** Calls per fault kind so far. */
    Map<Kind, Long> counts() {
        Map<Kind, Long> m = new EnumMap<>(Kind.class);
        counts.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }
}
