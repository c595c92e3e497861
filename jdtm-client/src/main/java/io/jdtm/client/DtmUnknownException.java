package io.jdtm.client;

import java.util.OptionalInt;

/**
 * The outcome is unknown: the TM or RM could not be reached, timed out, or answered with an unexpected status
 * (for example 500). The operation may or may not have taken effect, so it is retryable with backoff — every DTM
 * operation the SDK calls is idempotent for the same gid ({@code prepare}, {@code submit}) or safe to repeat after a
 * query. Immutable and thread-safe.
 */
public final class DtmUnknownException extends DtmException {
    private static final long serialVersionUID = 1L;

    private final int httpStatus;

    /** An unknown outcome, optionally with the HTTP status that caused it ({@code 0} when there was none). */
    public DtmUnknownException(String message, String gid, int httpStatus, Throwable cause) {
        super(message, gid, cause);
        this.httpStatus = httpStatus;
    }

    /** An unknown outcome without an HTTP status. */
    public DtmUnknownException(String message, String gid, Throwable cause) {
        this(message, gid, 0, cause);
    }

    /** The HTTP status of the answer, if the failure came from one (as opposed to a transport error). */
    public OptionalInt httpStatus() {
        return httpStatus == 0 ? OptionalInt.empty() : OptionalInt.of(httpStatus);
    }

    @Override
    public boolean isRetryable() {
        return true;
    }
}
