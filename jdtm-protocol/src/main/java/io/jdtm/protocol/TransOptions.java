package io.jdtm.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The per-transaction options DTM stores as JSON text in the {@code options} column (spec §4). Times are in seconds;
 * zero means "use the server default".
 */
public record TransOptions(
        boolean waitResult,
        long timeoutToFail,
        long requestTimeout,
        long retryInterval,
        Map<String, String> branchHeaders,
        boolean concurrent,
        long retryLimit,
        long retryCount) {

    public static final TransOptions NONE = new TransOptions(false, 0, 0, 0, Map.of(), false, 0, 0);

    public TransOptions {
        branchHeaders = branchHeaders == null ? Map.of() : Map.copyOf(branchHeaders);
    }

    public TransOptions withWaitResult(boolean v) {
        return new TransOptions(v, timeoutToFail, requestTimeout, retryInterval, branchHeaders, concurrent, retryLimit, retryCount);
    }

    public TransOptions withRetryCount(long v) {
        return new TransOptions(waitResult, timeoutToFail, requestTimeout, retryInterval, branchHeaders, concurrent, retryLimit, v);
    }

    /**
     * The JSON text DTM writes to the {@code options} column: empty fields omitted, except {@code concurrent},
     * in Go's field order.
     */
    public String toJson() {
        ObjectNode n = writeTo(DtmJson.mapper().createObjectNode(), true);
        return n.toString();
    }

    /**
     * Adds the option fields to an object node (the flattened part of a transaction's JSON). {@code concurrent} is
     * always written.
     */
    public ObjectNode writeTo(ObjectNode n, boolean includeConcurrent) {
        if (waitResult) n.put("wait_result", true);
        if (timeoutToFail != 0) n.put("timeout_to_fail", timeoutToFail);
        if (requestTimeout != 0) n.put("request_timeout", requestTimeout);
        if (retryInterval != 0) n.put("retry_interval", retryInterval);
        if (!branchHeaders.isEmpty()) {
            ObjectNode h = n.putObject("branch_headers");
            branchHeaders.forEach(h::put);
        }
        if (includeConcurrent) n.put("concurrent", concurrent);
        if (retryLimit != 0) n.put("retry_limit", retryLimit);
        if (retryCount != 0) n.put("retry_count", retryCount);
        return n;
    }

    /** Reads the {@code options} column; blank text gives {@link #NONE}. Unknown keys are ignored. */
    public static TransOptions fromJson(String json) {
        if (json == null || json.isBlank()) {
            return NONE;
        }
        try {
            return fromNode(DtmJson.mapper().readTree(json));
        } catch (IOException e) {
            throw new UncheckedIOException("options column is not JSON: " + json, e);
        }
    }

    /** Reads option fields from any object node (case-insensitive keys, as Go decodes them). */
    public static TransOptions fromNode(JsonNode node) {
        Map<String, JsonNode> f = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> f.put(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue()));
        Map<String, String> headers = new LinkedHashMap<>();
        JsonNode h = f.get("branch_headers");
        if (h != null && h.isObject()) {
            h.fields().forEachRemaining(e -> headers.put(e.getKey(), e.getValue().asText()));
        }
        return new TransOptions(
                bool(f.get("wait_result")),
                num(f.get("timeout_to_fail")),
                num(f.get("request_timeout")),
                num(f.get("retry_interval")),
                headers,
                bool(f.get("concurrent")),
                num(f.get("retry_limit")),
                num(f.get("retry_count")));
    }

    private static boolean bool(JsonNode n) {
        return n != null && n.asBoolean(false);
    }

    private static long num(JsonNode n) {
        return n == null ? 0 : n.asLong(0);
    }
}
