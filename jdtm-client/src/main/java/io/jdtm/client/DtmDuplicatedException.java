package io.jdtm.client;

/**
 * The msg barrier row for this gid already exists (spec §9.2 step 5): the TM asked QueryPrepared before the local
 * transaction committed and was told "rollback", or the business transaction already ran. The local transaction was
 * rolled back; do not retry with the same gid. {@link Msg#doAndSubmit} handles it itself. Immutable and thread-safe.
 */
public final class DtmDuplicatedException extends DtmException {
    private static final long serialVersionUID = 1L;

    public DtmDuplicatedException(String message, String gid) {
        super(message, gid, null);
    }

    @Override
    public boolean isRetryable() {
        return false;
    }
}
