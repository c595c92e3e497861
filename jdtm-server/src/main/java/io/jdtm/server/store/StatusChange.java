package io.jdtm.server.store;

import io.jdtm.protocol.TransStatus;
import java.time.Instant;
import java.util.Objects;

/**
 * A compare-and-set change of a global status: {@code from} must be the stored status. Always writes
 * {@code status} and {@code update_time}; {@code finish_time} when moving to succeed, {@code rollback_time} when
 * moving to failed; {@code rollback_reason} and {@code result} only when non-empty. A change to a final status
 * also takes the transaction out of the poller's due set.
 */
public record StatusChange(TransStatus from, TransStatus to, String rollbackReason, String result, Instant now) {
    public StatusChange {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(now, "now");
        rollbackReason = rollbackReason == null ? "" : rollbackReason;
        result = result == null ? "" : result;
    }

    public static StatusChange of(TransStatus from, TransStatus to, Instant now) {
        return new StatusChange(from, to, "", "", now);
    }
}
