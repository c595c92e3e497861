package io.jdtm.client;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Per-transaction options DTM understands (spec §4): how the TM retries, times out and calls branches. Immutable and
 * thread-safe; build one with {@link #builder()} and reuse it. Durations travel in whole seconds (rounded up);
 * {@link Duration#ZERO} means "server default".
 *
 * <ul>
 *   <li>{@code waitResult}: {@code submit} returns only when the TM has finished one processing pass, and reports
 *       FAILURE/ONGOING through typed exceptions.
 *   <li>{@code timeoutToFail}: give up (roll back) after this long; for msg, start asking QueryPrepared after it.
 *   <li>{@code retryInterval}: base retry interval; the TM doubles it after each error.
 *   <li>{@code requestTimeout}: timeout of every TM→RM call, also the SDK's own timeout for this transaction.
 *   <li>{@code branchHeaders}: extra HTTP headers (gRPC metadata) on every TM→RM call.
 *   <li>{@code retryLimit}: saga only; immediate retries of a branch before rolling back.
 *   <li>{@code concurrent}: msg only; call the branches in parallel (saga uses {@link Saga#concurrent()}).
 * </ul>
 */
public final class TransactionOptions {

    /** No options: every value is the server's default. */
    public static final TransactionOptions DEFAULTS = builder().build();

    private final boolean waitResult;
    private final long timeoutToFail;
    private final long retryInterval;
    private final long requestTimeout;
    private final Map<String, String> branchHeaders;
    private final long retryLimit;
    private final boolean concurrent;

    private TransactionOptions(Builder b) {
        this.waitResult = b.waitResult;
        this.timeoutToFail = b.timeoutToFail;
        this.retryInterval = b.retryInterval;
        this.requestTimeout = b.requestTimeout;
        this.branchHeaders = Map.copyOf(b.branchHeaders);
        this.retryLimit = b.retryLimit;
        this.concurrent = b.concurrent;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these values, to derive a changed copy. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.waitResult = waitResult;
        b.timeoutToFail = timeoutToFail;
        b.retryInterval = retryInterval;
        b.requestTimeout = requestTimeout;
        b.branchHeaders.putAll(branchHeaders);
        b.retryLimit = retryLimit;
        b.concurrent = concurrent;
        return b;
    }

    public boolean waitResult() {
        return waitResult;
    }

    /** Seconds; 0 = server default. */
    public long timeoutToFailSeconds() {
        return timeoutToFail;
    }

    /** Seconds; 0 = server default. */
    public long retryIntervalSeconds() {
        return retryInterval;
    }

    /** Seconds; 0 = server default. */
    public long requestTimeoutSeconds() {
        return requestTimeout;
    }

    /** Unmodifiable. */
    public Map<String, String> branchHeaders() {
        return branchHeaders;
    }

    public long retryLimit() {
        return retryLimit;
    }

    public boolean concurrent() {
        return concurrent;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TransactionOptions t
                && waitResult == t.waitResult
                && timeoutToFail == t.timeoutToFail
                && retryInterval == t.retryInterval
                && requestTimeout == t.requestTimeout
                && branchHeaders.equals(t.branchHeaders)
                && retryLimit == t.retryLimit
                && concurrent == t.concurrent;
    }

    @Override
    public int hashCode() {
        return Objects.hash(waitResult, timeoutToFail, retryInterval, requestTimeout, branchHeaders, retryLimit,
                concurrent);
    }

    @Override
    public String toString() {
        return "TransactionOptions{waitResult=" + waitResult + ", timeoutToFail=" + timeoutToFail + "s, retryInterval="
                + retryInterval + "s, requestTimeout=" + requestTimeout + "s, branchHeaders=" + branchHeaders.keySet()
                + ", retryLimit=" + retryLimit + ", concurrent=" + concurrent + '}';
    }

    /** Mutable, single-threaded builder; every setter validates its argument at once. */
    public static final class Builder {
        private boolean waitResult;
        private long timeoutToFail;
        private long retryInterval;
        private long requestTimeout;
        private final Map<String, String> branchHeaders = new LinkedHashMap<>();
        private long retryLimit;
        private boolean concurrent;

        private Builder() {}

        public Builder waitResult(boolean v) {
            this.waitResult = v;
            return this;
        }

        public Builder timeoutToFail(Duration d) {
            this.timeoutToFail = seconds("timeoutToFail", d);
            return this;
        }

        public Builder retryInterval(Duration d) {
            this.retryInterval = seconds("retryInterval", d);
            return this;
        }

        public Builder requestTimeout(Duration d) {
            this.requestTimeout = seconds("requestTimeout", d);
            return this;
        }

        /** Adds one header sent on every TM→RM call of the transaction. */
        public Builder branchHeader(String name, String value) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("branch header name must not be blank");
            }
            if (value == null) {
                throw new IllegalArgumentException("branch header '" + name + "' must not have a null value");
            }
            branchHeaders.put(name, value);
            return this;
        }

        /** Adds every entry of {@code headers}. */
        public Builder branchHeaders(Map<String, String> headers) {
            if (headers == null) {
                throw new IllegalArgumentException("branchHeaders must not be null");
            }
            headers.forEach(this::branchHeader);
            return this;
        }

        /** Saga only: how many times the TM retries a branch at once before rolling the saga back; 0 = never. */
        public Builder retryLimit(long n) {
            if (n < 0) {
                throw new IllegalArgumentException("retryLimit must be >= 0, was " + n);
            }
            this.retryLimit = n;
            return this;
        }

        /** Msg only: call the branches in parallel. */
        public Builder concurrent(boolean v) {
            this.concurrent = v;
            return this;
        }

        public TransactionOptions build() {
            return new TransactionOptions(this);
        }

        static long seconds(String what, Duration d) {
            if (d == null) {
                throw new IllegalArgumentException(what + " must not be null");
            }
            if (d.isNegative()) {
                throw new IllegalArgumentException(what + " must not be negative, was " + d);
            }
            long s = d.getSeconds();
            return d.getNano() > 0 ? s + 1 : s;
        }
    }
}
