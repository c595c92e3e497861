package io.jdtm.client;

import java.util.Optional;

/**
 * Base of every error the SDK reports about a global transaction or a branch. The subclass says what happened and
 * {@link #isRetryable()} whether doing the same thing again later can help:
 *
 * <ul>
 *   <li>{@link DtmFailureException}: definitive FAILURE (the transaction rolled back or the branch refused); do not retry.
 *   <li>{@link DtmOngoingException}: not finished yet (ONGOING); retry later or query.
 *   <li>{@link DtmUnknownException}: outcome unknown (transport error, 5xx, timeout); retry with backoff.
 *   <li>{@link DtmDuplicatedException}: the msg barrier was already used; do not retry.
 * </ul>
 *
 * <p>The hierarchy is sealed so a {@code switch} over it is exhaustive. Instances are immutable and thread-safe. The
 * same classes serve the RM side: a branch handler throws {@link DtmFailureException} or {@link DtmOngoingException}
 * and {@link RmResponses} turns it into DTM's HTTP answer.
 */
public abstract sealed class DtmException extends RuntimeException
        permits DtmFailureException, DtmOngoingException, DtmUnknownException, DtmDuplicatedException {

    private static final long serialVersionUID = 1L;

    private final String gid;

    DtmException(String message, String gid, Throwable cause) {
        super(message, cause);
        this.gid = gid == null ? "" : gid;
    }

    /** The global transaction this error belongs to, when known. */
    public Optional<String> gid() {
        return gid.isEmpty() ? Optional.empty() : Optional.of(gid);
    }

    /** Whether the same call may succeed if repeated later (ONGOING and unknown outcomes). */
    public abstract boolean isRetryable();

    @Override
    public String toString() {
        String s = getClass().getSimpleName() + ": " + getMessage();
        return gid.isEmpty() ? s : s + " (gid " + gid + ")";
    }
}
