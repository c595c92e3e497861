package io.jdtm.client;

import io.jdtm.protocol.TransRequest;
import io.jdtm.protocol.TransStatus;
import java.util.Optional;

/**
 * Submit with DTM's {@code wait_result} made unambiguous. DTM answers 409 both for "rolled back" and for "still
 * running" (spec §6.3); on a 409 the SDK queries the transaction and reports {@link DtmFailureException} only when it
 * really failed, {@link DtmOngoingException} when it is still being processed.
 */
final class Submits {
    private Submits() {}

    static void submit(DtmClient client, TransRequest request) {
        try {
            client.transport().submit(request);
        } catch (DtmFailureException e) {
            if (request.waitResult() == null || !request.waitResult()) {
                throw e;
            }
            Optional<TransInfo> info;
            try {
                info = client.query(request.gid());
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
