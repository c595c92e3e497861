package io.jdtm.client;

/**
 * DTM's ONGOING: the operation is not finished yet (HTTP 425, gRPC FailedPrecondition). Retryable: the TM retries a
 * branch that answers ONGOING at a fixed interval, and an AP that sees it from {@code submit} with
 * {@code waitResult} should query the transaction later instead of treating it as failed.
 *
 * <p>RM code throws it to answer ONGOING — see {@link RmResponses}. Immutable and thread-safe.
 */
public final class DtmOngoingException extends DtmException {
    private static final long serialVersionUID = 1L;

    /** An ONGOING answer, for RM code. */
    public DtmOngoingException(String message) {
        super(message, "", null);
    }

    /** An ONGOING answer about a global transaction. */
    public DtmOngoingException(String message, String gid) {
        super(message, gid, null);
    }

    @Override
    public boolean isRetryable() {
        return true;
    }
}
