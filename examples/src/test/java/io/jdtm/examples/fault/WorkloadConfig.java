package io.jdtm.examples.fault;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The settings of one fault-workload run, validated once and immutable. Built from the defaults below and
 * {@code key=value} overrides (the command line of {@code bench/fault-workload}); {@link #describe()} prints the
 * effective values. Fractions are probabilities in {@code [0, 1]}.
 *
 * @param mode which TM topology runs and what is killed
 * @param duration how long transfers are submitted (faults and kills run during this time only)
 * @param rate target transfers submitted per second, across all TMs
 * @param accounts number of bank accounts
 * @param initialBalance balance of every account at the start
 * @param maxAmount a transfer moves 1..maxAmount (uniform)
 * @param killEvery mean time between two SIGKILLs of a TM (each interval is drawn from 0.5x..1.5x)
 * @param lease the TMs' RetryInterval: the poller's lease on a claimed transaction, in seconds
 * @param retryInterval the sagas' {@code retry_interval}, seconds
 * @param requestTimeout the sagas' {@code request_timeout}: how long the TM waits for a branch, seconds
 * @param slow fraction of RM calls answered later than {@code requestTimeout} (the effect still commits)
 * @param slowMax upper bound of a slow call's delay (drawn from requestTimeout+0.2 s..slowMax)
 * @param error fraction of RM calls answered 500 (half before the effect commits, half after)
 * @param refuse fraction of transfers whose TransIn refuses with 409 FAILURE (the payee account is "closed")
 * @param waitResult fraction of submits with {@code wait_result}
 * @param resubmit fraction of transfers submitted a second time (same gid and body), to a random TM
 * @param resubmitMax the second submit follows the first after a delay drawn from 0..resubmitMax
 * @param timeoutToFail fraction of sagas submitted with {@code timeout_to_fail} {@code ttfSeconds}
 * @param ttfSeconds the {@code timeout_to_fail} of those sagas
 * @param retryLimited fraction of sagas submitted with {@code retry_limit} {@code retryLimit}
 * @param retryLimit the {@code retry_limit} of those sagas: immediate retries of an erring branch before rolling back
 * @param drain how long, after the load, every stored transaction may take to become final
 * @param dbUrl the bank's PostgreSQL (JDBC URL, user included); the {@code postgres} mode's TM store is there too
 * @param seed seed of the workload's own random choices (timings still vary from run to run)
 * @param keep keep the bank schema, the TM store schema and the embedded data directory after the run
 */
public record WorkloadConfig(
        Mode mode,
        Duration duration,
        int rate,
        int accounts,
        long initialBalance,
        int maxAmount,
        Duration killEvery,
        int lease,
        int retryInterval,
        int requestTimeout,
        double slow,
        Duration slowMax,
        double error,
        double refuse,
        double waitResult,
        double resubmit,
        Duration resubmitMax,
        double timeoutToFail,
        int ttfSeconds,
        double retryLimited,
        int retryLimit,
        Duration drain,
        String dbUrl,
        long seed,
        boolean keep) {

    /** The TM topologies of the issue. */
    public enum Mode {
        /** One TM on the embedded store, killed with SIGKILL and restarted on the same data directory. */
        EMBEDDED(1),
        /** Three TMs sharing one PostgreSQL store; one of them is killed with SIGKILL and restarted. */
        POSTGRES(3);

        /** How many TM processes run at once. */
        public final int tms;

        Mode(int tms) {
            this.tms = tms;
        }

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Mode parse(String s) {
            for (Mode m : values()) {
                if (m.wire().equals(s)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("mode must be embedded or postgres, was '" + s + "'");
        }
    }

    public static final String DEFAULT_DB_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

    /** The defaults of a long run: {@code mode} for 60 s at 250 transfers/s. */
    public static WorkloadConfig defaults(Mode mode) {
        return new WorkloadConfig(mode, Duration.ofSeconds(60), 250, 200, 1000, 100, Duration.ofSeconds(10), 1, 1, 1,
                0.05, Duration.ofMillis(2500), 0.06, 0.03, 0.2, 0.25, Duration.ofMillis(1500), 0.1, 3,
                0.2, 1, Duration.ofSeconds(120), DEFAULT_DB_URL, System.nanoTime(), false).validated();
    }

    /**
     * {@link #defaults} of {@code mode} with {@code key=value} overrides; keys are the component names
     * ({@code rate=300}, {@code slow=0.05}); durations are seconds with an optional fraction ({@code killEvery=7.5}).
     *
     * @throws IllegalArgumentException naming the key of a malformed or out-of-range value
     */
    public static WorkloadConfig of(Mode mode, Duration duration, Map<String, String> overrides) {
        Map<String, String> o = new LinkedHashMap<>(overrides);
        WorkloadConfig d = defaults(mode);
        WorkloadConfig c = new WorkloadConfig(mode, duration,
                integer(o, "rate", d.rate), integer(o, "accounts", d.accounts),
                (long) integer(o, "initialBalance", (int) d.initialBalance), integer(o, "maxAmount", d.maxAmount),
                seconds(o, "killEvery", d.killEvery), integer(o, "lease", d.lease),
                integer(o, "retryInterval", d.retryInterval), integer(o, "requestTimeout", d.requestTimeout),
                fraction(o, "slow", d.slow), seconds(o, "slowMax", d.slowMax), fraction(o, "error", d.error),
                fraction(o, "refuse", d.refuse), fraction(o, "waitResult", d.waitResult),
                fraction(o, "resubmit", d.resubmit), seconds(o, "resubmitMax", d.resubmitMax),
                fraction(o, "timeoutToFail", d.timeoutToFail), integer(o, "ttfSeconds", d.ttfSeconds),
                fraction(o, "retryLimited", d.retryLimited), integer(o, "retryLimit", d.retryLimit),
                seconds(o, "drain", d.drain), string(o, "dbUrl", d.dbUrl), longInteger(o, "seed", d.seed),
                Boolean.parseBoolean(string(o, "keep", Boolean.toString(d.keep))));
        if (!o.isEmpty()) {
            throw new IllegalArgumentException("unknown setting(s) " + o.keySet() + "; known: rate, accounts, "
                    + "initialBalance, maxAmount, killEvery, lease, retryInterval, requestTimeout, slow, slowMax, "
                    + "error, refuse, waitResult, resubmit, resubmitMax, timeoutToFail, ttfSeconds, retryLimited, retryLimit, drain, dbUrl, "
                    + "seed, keep");
        }
        return c.validated();
    }

    /** This config, or an {@link IllegalArgumentException} naming the first setting out of range. */
    public WorkloadConfig validated() {
        positive("duration", duration.toMillis());
        positive("rate", rate);
        check(accounts >= 2, "accounts", accounts, "at least 2");
        positive("initialBalance", initialBalance);
        positive("maxAmount", maxAmount);
        positive("killEvery", killEvery.toMillis());
        positive("lease", lease);
        positive("retryInterval", retryInterval);
        positive("requestTimeout", requestTimeout);
        check(slowMax.toMillis() > requestTimeout * 1000L + 200, "slowMax", slowMax,
                "longer than requestTimeout + 0.2 s, or a slow call would not be late");
        check(slow + error <= 1, "slow+error", slow + error, "at most 1 (both are shares of the same calls)");
        positive("ttfSeconds", ttfSeconds);
        positive("retryLimit", retryLimit);
        positive("drain", drain.toMillis());
        check(dbUrl.startsWith("jdbc:postgresql:"), "dbUrl", dbUrl, "a jdbc:postgresql: URL");
        return this;
    }

    /** The effective settings, one line. */
    public String describe() {
        return String.format(Locale.ROOT, "mode=%s duration=%ds rate=%d/s accounts=%d balance=%d maxAmount=%d "
                        + "killEvery=%.1fs lease=%ds retry_interval=%ds request_timeout=%ds slow=%.3f (<=%.1fs) "
                        + "error=%.3f refuse=%.3f waitResult=%.2f resubmit=%.2f (<=%.1fs) timeoutToFail=%.2f (%ds) "
                        + "retryLimited=%.2f (%d) drain=%ds seed=%d db=%s",
                mode.wire(), duration.toSeconds(), rate, accounts, initialBalance, maxAmount,
                killEvery.toMillis() / 1000.0, lease, retryInterval, requestTimeout, slow,
                slowMax.toMillis() / 1000.0, error, refuse, waitResult, resubmit, resubmitMax.toMillis() / 1000.0,
                timeoutToFail, ttfSeconds, retryLimited, retryLimit, drain.toSeconds(), seed, dbUrl);
    }

    private static void positive(String key, long v) {
        check(v > 0, key, v, "positive");
    }

    private static void check(boolean ok, String key, Object value, String rule) {
        if (!ok) {
            throw new IllegalArgumentException(key + " must be " + rule + ", was " + value);
        }
    }

    private static String string(Map<String, String> o, String key, String def) {
        String v = o.remove(key);
        return v == null ? def : v;
    }

    private static double number(Map<String, String> o, String key, double def) {
        String v = o.remove(key);
        if (v == null) {
            return def;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number, was '" + v + "'");
        }
    }

    private static long longInteger(Map<String, String> o, String key, long def) {
        String v = o.remove(key);
        if (v == null) {
            return def;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number, was '" + v + "'");
        }
    }

    private static int integer(Map<String, String> o, String key, int def) {
        double v = number(o, key, def);
        if (v != Math.rint(v)) {
            throw new IllegalArgumentException(key + " must be a whole number, was " + v);
        }
        return (int) v;
    }

    private static double fraction(Map<String, String> o, String key, double def) {
        double v = number(o, key, def);
        check(v >= 0 && v <= 1, key, v, "a fraction between 0 and 1");
        return v;
    }

    private static Duration seconds(Map<String, String> o, String key, Duration def) {
        double v = number(o, key, def.toMillis() / 1000.0);
        return Duration.ofMillis(Math.round(v * 1000));
    }
}
