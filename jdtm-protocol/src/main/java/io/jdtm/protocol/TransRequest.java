package io.jdtm.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The one request body of {@code prepare}, {@code submit}, {@code abort} and {@code prepareWorkflow} (spec §4), as
 * every DTM client sends it. Absent fields are {@code null} here; {@link #options()} folds the option fields. A
 * {@code null} inside {@code steps}, {@code payloads}, {@code branch_headers} or {@code req_extra} reads as {@code ""}
 * (an empty map for a null step), as Go's {@code encoding/json} decodes it for DTM.
 */
public record TransRequest(
        @JsonProperty("gid") String gid,
        @JsonProperty("trans_type") String transType,
        @JsonProperty("steps") List<Map<String, String>> steps,
        @JsonProperty("payloads") List<String> payloads,
        @JsonProperty("query_prepared") String queryPrepared,
        @JsonProperty("protocol") String protocol,
        @JsonProperty("custom_data") String customData,
        @JsonProperty("wait_result") Boolean waitResult,
        @JsonProperty("timeout_to_fail") Long timeoutToFail,
        @JsonProperty("request_timeout") Long requestTimeout,
        @JsonProperty("retry_interval") Long retryInterval,
        @JsonProperty("branch_headers") Map<String, String> branchHeaders,
        @JsonProperty("concurrent") Boolean concurrent,
        @JsonProperty("retry_limit") Long retryLimit,
        @JsonProperty("retry_count") Long retryCount,
        @JsonProperty("rollback_reason") String rollbackReason,
        @JsonProperty("req_extra") Map<String, String> reqExtra) {

    public TransRequest {
        steps = steps == null ? null : steps.stream().map(TransRequest::noNulls).toList();
        payloads = payloads == null ? null : payloads.stream().map(p -> p == null ? "" : p).toList();
        branchHeaders = noNullValues(branchHeaders);
        reqExtra = noNullValues(reqExtra);
    }

    private static Map<String, String> noNulls(Map<String, String> m) {
        return m == null ? Map.of() : noNullValues(m);
    }

    private static Map<String, String> noNullValues(Map<String, String> m) {
        if (m == null || m.values().stream().noneMatch(java.util.Objects::isNull)) {
            return m;
        }
        Map<String, String> copy = new java.util.LinkedHashMap<>();
        m.forEach((k, v) -> copy.put(k, v == null ? "" : v));
        return copy;
    }

    /** A request with only a gid and a type, as tcc/xa prepare, submit and abort send it. */
    public static TransRequest of(String gid, TransType type) {
        return new TransRequest(gid, type.wire(), null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null);
    }

    /** The same request with another gid (the HTTP API strips {@code \r}, {@code \n} and {@code ;} from gids). */
    public TransRequest withGid(String newGid) {
        return new TransRequest(newGid, transType, steps, payloads, queryPrepared, protocol, customData, waitResult,
                timeoutToFail, requestTimeout, retryInterval, branchHeaders, concurrent, retryLimit, retryCount,
                rollbackReason, reqExtra);
    }

    public TransOptions options() {
        return new TransOptions(
                waitResult != null && waitResult,
                nz(timeoutToFail),
                nz(requestTimeout),
                nz(retryInterval),
                branchHeaders,
                concurrent != null && concurrent,
                nz(retryLimit),
                nz(retryCount));
    }

    public List<Map<String, String>> stepsOrEmpty() {
        return steps == null ? List.of() : steps;
    }

    public List<String> payloadsOrEmpty() {
        return payloads == null ? List.of() : payloads;
    }

    public Map<String, String> reqExtraOrEmpty() {
        return reqExtra == null ? Map.of() : reqExtra;
    }

    private static long nz(Long v) {
        return v == null ? 0 : v;
    }
}
