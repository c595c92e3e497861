package io.jdtm.client.internal;

import io.jdtm.client.TransactionOptions;
import io.jdtm.protocol.TransRequest;
import io.jdtm.protocol.TransType;
import java.util.List;
import java.util.Map;

/** Builds the request bodies exactly as DTM's Go HTTP client sends them (spec §4.2). */
public final class Wire {
    private Wire() {}

    /**
     * A transaction request. Option fields that are zero are left out (Go's {@code omitempty}); {@code concurrent}
     * and {@code protocol} are always present, as the Go client sends them.
     */
    public static TransRequest request(
            String gid,
            TransType type,
            TransactionOptions o,
            List<Map<String, String>> steps,
            List<String> payloads,
            String queryPrepared,
            String customData,
            String rollbackReason,
            Map<String, String> reqExtra) {
        return new TransRequest(
                gid,
                type.wire(),
                steps == null || steps.isEmpty() ? null : steps,
                payloads == null || payloads.isEmpty() ? null : payloads,
                blankToNull(queryPrepared),
                "",
                blankToNull(customData),
                o.waitResult() ? Boolean.TRUE : null,
                positive(o.timeoutToFailSeconds()),
                positive(o.requestTimeoutSeconds()),
                positive(o.retryIntervalSeconds()),
                o.branchHeaders().isEmpty() ? null : o.branchHeaders(),
                o.concurrent(),
                positive(o.retryLimit()),
                null,
                blankToNull(rollbackReason),
                reqExtra == null || reqExtra.isEmpty() ? null : reqExtra);
    }

    /** A request with only gid, type and options (tcc/xa prepare and submit). */
    public static TransRequest simple(String gid, TransType type, TransactionOptions o) {
        return request(gid, type, o, null, null, null, null, null, null);
    }

    private static Long positive(long v) {
        return v > 0 ? v : null;
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
