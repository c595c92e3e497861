package io.jdtm.server.branch;

import java.time.Duration;
import java.util.Map;

/**
 * One TM → RM call, independent of the transport: what a {@link BranchTransport} needs to reach a branch. Each
 * transport decides how to carry it (an HTTP method and query parameters, a JSON-RPC envelope, gRPC metadata).
 *
 * @param url the branch URL as stored: an HTTP URL, a URL containing {@code method} for JSON-RPC, or a gRPC
 *        target {@code host:port/package.Service/Method}
 * @param transType the transaction type as on the wire ({@code saga}, {@code xa}, …)
 * @param payload the branch's bin_data, sent unchanged; empty means none
 * @param protocol the transaction's protocol ({@code http}, {@code grpc}, {@code json-rpc})
 * @param headers extra headers or metadata (the transaction's {@code branch_headers})
 * @param timeout the call's deadline (the transaction's {@code request_timeout}, else {@code RequestTimeout})
 */
public record BranchCall(
        String url,
        String gid,
        String transType,
        String branchId,
        String op,
        byte[] payload,
        String protocol,
        Map<String, String> headers,
        Duration timeout) {}
