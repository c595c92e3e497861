package io.jdtm.server.cron;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * How many poller passes may run at once: an AIMD limit between {@code min} and {@code max} ({@code CronConcurrency}).
 * Every pass that ends well adds {@code 1/limit} (about one more slot per round of {@code limit} passes); a pass that
 * signals trouble multiplies the limit by {@value #DECREASE}, at most once per round of {@code limit} passes, so
 * one burst of failures counts once, as TCP counts one loss per round trip. Trouble is:
 *
 * <ul>
 *   <li>a branch call without a usable answer (an error, a timeout, a refused connection) or a failed pass: the
 *       RM or the store is failing, and more concurrent calls only pile up;</li>
 *   <li>a pass slower than {@value #TOLERANCE} times the fastest recent pass and slower than {@code latencyFloor}:
 *       passes queue somewhere (the TM's own CPU, the store, a slowing RM), and fewer at once leave room to the
 *       transactions submitted meanwhile without lowering the drain rate much.</li>
 * </ul>
 *
 * A slow RM that is steadily slow raises the baseline with it (the fastest recent pass drifts up by 1/1000 of the
 * difference on every slower pass), so it keeps its concurrency; only a slowdown is trouble.
 *
 * <p>Thread-safe: the poller's loop takes slots ({@link #acquire}), the passes' virtual threads give them back
 * ({@link #completed}, {@link #release}).
 */
final class AdaptiveLimit {
    static final double DECREASE = 0.75;
    static final double TOLERANCE = 4.0;

    private final int min;
    private final int max;
    private final long latencyFloorNanos;
    private double limit;
    private int inFlight;
    private int peak;
    /** Passes ended since the last decrease: a decrease needs a whole round of them. */
    private long sinceDecrease;
    /** The fastest recent pass, drifting up slowly while passes are slower. */
    private double baselineNanos = Double.NaN;

    AdaptiveLimit(int min, int max, int initial, Duration latencyFloor) {
        if (min < 1 || max < min || initial < min || initial > max) {
            throw new IllegalArgumentException("need 1 <= min <= initial <= max, got min " + min + ", initial "
                    + initial + ", max " + max);
        }
        this.min = min;
        this.max = max;
        this.limit = initial;
        this.latencyFloorNanos = latencyFloor.toNanos();
    }

    /** The limit for a poller of {@code concurrency} ({@code CronConcurrency}): starts at a quarter of it. */
    static AdaptiveLimit forConcurrency(int concurrency) {
        int min = Math.max(1, concurrency / 16);
        return new AdaptiveLimit(min, concurrency, Math.max(min, concurrency / 4), Duration.ofMillis(100));
    }

    /**
     * Waits until at least one slot is free, then takes up to {@code want} free slots.
     *
     * @return how many slots were taken (at least 1, at most {@code want})
     */
    synchronized int acquire(int want) throws InterruptedException {
        return acquire(want, 1, Duration.ZERO);
    }

    /**
     * Waits until at least one slot is free, then for up to {@code linger} more until {@code enough} are (or all
     * of a lower limit), then takes up to {@code want} free slots. The poller lingers while a backlog is due, so
     * that a claim takes many transactions at once instead of one per slot freed.
     *
     * @return how many slots were taken (at least 1, at most {@code want})
     */
    synchronized int acquire(int want, int enough, Duration linger) throws InterruptedException {
        if (want < 1) {
            throw new IllegalArgumentException("want must be positive, was " + want);
        }
        while (inFlight >= current()) {
            wait();
        }
        long deadline = System.nanoTime() + linger.toNanos();
        for (long left = linger.toNanos(); left > 0 && current() - inFlight < Math.min(enough, current());
                left = deadline - System.nanoTime()) {
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        while (inFlight >= current()) { // the limit may have shrunk meanwhile
            wait();
        }
        int take = Math.min(want, current() - inFlight);
        inFlight += take;
        peak = Math.max(peak, inFlight);
        return take;
    }

    /** Gives back {@code n} slots taken but not used (the claim found fewer transactions). */
    synchronized void release(int n) {
        inFlight -= n;
        notifyAll();
    }

    /** One pass ended after {@code nanos}; {@code trouble} when it met errors (see the class comment). */
    synchronized void completed(long nanos, boolean trouble) {
        inFlight--;
        sinceDecrease++;
        boolean slow = false;
        if (!trouble) {
            if (Double.isNaN(baselineNanos) || nanos < baselineNanos) {
                baselineNanos = nanos;
            } else {
                baselineNanos += (nanos - baselineNanos) / 1000.0;
                slow = nanos > latencyFloorNanos && nanos > TOLERANCE * baselineNanos;
            }
        }
        if (trouble || slow) {
            if (sinceDecrease >= current()) {
                limit = Math.max(min, limit * DECREASE);
                sinceDecrease = 0;
            }
        } else {
            limit = Math.min(max, limit + 1.0 / limit);
        }
        notifyAll();
    }

    /** The current limit (whole slots). */
    synchronized int current() {
        return (int) limit;
    }

    synchronized int inFlight() {
        return inFlight;
    }

    /** The most slots ever taken at once. */
    synchronized int peak() {
        return peak;
    }

    int min() {
        return min;
    }

    int max() {
        return max;
    }
}
