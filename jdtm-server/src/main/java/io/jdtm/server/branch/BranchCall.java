package io.jdtm.server.branch;

import java.time.Duration;
import java.util.Map;

/**
 * One TM → RM call: what {@link BranchCaller} needs to reach a branch.
 *
 * @param url the branch URL as stored (HTTP URL, or a URL containing {@code method} for JSON-RPC)
 * @param payload the body (the branch's bin_data); empty means no body
 * @param forcePost XA calls are always POST, even with an empty body
 * @param headers extra headers, applied after {@code Content-Type}
 */
public record BranchCall(
        String url,
        String gid,
        String transType,
        String branchId,
        String op,
        byte[] payload,
        String protocol,
        boolean forcePost,
        Map<String, String> headers,
        Duration timeout) {}
