package io.jdtm.client;

/**
 * DTM's FAILURE: a definitive "no". From the TM it means the global transaction was or is being rolled back (409);
 * from a branch it means the branch refused (a saga action failing makes the saga roll back). Never retryable.
 *
 * <p>RM code throws it to answer FAILURE (HTTP 409) — see {@link RmResponses}. The message should end up in the
 * transaction's {@code rollback_reason}, so write it for an operator. Immutable and thread-safe.
 */
public final class DtmFailureException extends DtmException {
    private static final long serialVersionUID = 1L;

    /** A FAILURE with a reason, for RM code. */
    public DtmFailureException(String message) {
        super(message, "", null);
    }

    /** A FAILURE with a reason that belongs to a global transaction. */
    public DtmFailureException(String message, String gid) {
        super(message, gid, null);
    }

    /** A FAILURE caused by another exception (for example a business exception that rolled a transaction back). */
    public DtmFailureException(String message, String gid, Throwable cause) {
        super(message, gid, cause);
    }

    @Override
    public boolean isRetryable() {
        return false;
    }
}
