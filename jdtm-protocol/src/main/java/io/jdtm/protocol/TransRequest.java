package io.jdtm.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The one request body of {@code prepare}, {@code submit}, {@code abort} and {@code prepareWorkflow} (spec §4), as
 * every DTM client sends it. Absent fields are {@code null} here; {@link #options()} folds the option fields.
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
