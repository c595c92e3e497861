package io.jdtm.client;

import io.jdtm.protocol.TransRequest;
import io.jdtm.protocol.TransStatus;
import java.util.List;
import java.util.Optional;

/**
 * Submit with DTM's {@code wait_result} made unambiguous. DTM answers FAILURE (409, gRPC ABORTED) both for "rolled
 * back" and for "still running" (spec §6.3); on a FAILURE the SDK queries the transaction and reports
 * {@link DtmFailureException} only when it really failed, {@link DtmOngoingException} when it is still being
 * processed.
 *
 * <p>A gRPC client without an HTTP address cannot query (DTM's gRPC API has none). It reads the TM's message instead:
 * the TM sends the transaction's rollback reason, which exists only once a rollback was decided (FAILURE), and
 * {@value #NOT_SUCCEEDED} when there is none (ONGOING — or, rarely, a rollback without a reason, which a later
 * query or submit reveals).
 */
final class Submits {
    private Submits() {}

    /** The start of the TM's answer to a {@code wait_result} submit that did not succeed and has no rollback reason. */
    static final String NOT_SUCCEEDED = "wait result not return success";

    static void submit(DtmClient client, TransRequest request, List<byte[]> binPayloads) {
        try {
            client.transport().submit(request, binPayloads);
        } catch (DtmFailureException e) {
            if (request.waitResult() == null || !request.waitResult()) {
                throw e;
            }
            Optional<TransInfo> info;
            try {
                info = client.query(request.gid());
            } catch (UnsupportedOperationException noQuery) {
                if (String.valueOf(e.getMessage()).contains(NOT_SUCCEEDED)) {
                    throw new DtmOngoingException("submitted, not finished successfully yet (the TM has no rollback "
                            + "reason for it): " + e.getMessage(), request.gid());
                }
                throw e;
            } catch (RuntimeException queryFailed) {
                e.addSuppressed(queryFailed);
                throw e;
            }
            TransStatus s = info.map(TransInfo::status).orElse(TransStatus.FAILED);
            switch (s) {
                case SUCCEED -> { /* finished between the answer and the query */ }
                case SUBMITTED, PREPARED -> throw new DtmOngoingException(
                        "submitted, not finished yet (status " + s + "): " + e.getMessage(), request.gid());
                default -> {
                    String reason = info.map(TransInfo::rollbackReason).filter(r -> !r.isEmpty())
                            .orElse(e.getMessage());
                    throw new DtmFailureException("transaction " + s + ": " + reason, request.gid(), e);
                }
            }
        }
    }
}
