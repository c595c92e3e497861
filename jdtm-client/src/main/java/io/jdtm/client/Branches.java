package io.jdtm.client;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.jdtm.client.internal.Checks;
import io.jdtm.client.internal.GrpcCalls;
import io.jdtm.client.internal.Http;
import io.jdtm.client.internal.Steps;
import io.jdtm.protocol.Ops;
import io.jdtm.protocol.Outcome;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AP→RM calls made by the SDK itself (TCC Try, XA action, msg QueryPrepared), over HTTP or gRPC, classified as DTM's
 * client does.
 */
final class Branches {
    private Branches() {}

    /**
     * Calls a branch URL with DTM's query parameters and classifies the answer by spec §2.2.
     *
     * @param extraQuery parameters after the standard ones, e.g. {@code phase2_url}
     */
    static BranchResponse call(Http http, String method, String url, String dtm, String gid, String transType,
            String branchId, String op, Map<String, String> extraQuery, Map<String, String> headers, String body,
            Duration timeout) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("dtm", dtm);
        q.put("gid", gid);
        q.put("branch_id", branchId);
        q.put("trans_type", transType);
        q.put("op", op);
        q.putAll(extraQuery);
        String full = Http.withQuery(url, q);
        Http.Response r;
        try {
            r = http.send(method, full, headers, body, timeout);
        } catch (IOException e) {
            throw new DtmUnknownException(op + " call to " + url + " failed: " + e, gid, e);
        }
        String text = op + " of branch " + branchId + " at " + url + " answered " + r.status() + ": " + r.body();
        return switch (Outcome.ofHttp(r.status(), r.body())) {
            case SUCCESS -> new BranchResponse(r.status(), r.body());
            case FAILURE -> throw new DtmFailureException(text, gid);
            case ONGOING -> throw new DtmOngoingException(text, gid);
            case ERROR -> throw new DtmUnknownException(text, gid, r.status(), null);
        };
    }

    /**
     * Calls a gRPC branch {@code host:port/package.Service/Method} with DTM's metadata (spec §5.2, §12.8: {@code dtm-gid},
     * {@code dtm-trans_type}, {@code dtm-branch_id}, {@code dtm-op}, {@code dtm-dtm}, then {@code extra} and the
     * branch headers) and classifies the status by spec §2.3.
     *
     * @param dtm the TM address the RM is told ({@code dtm-dtm}), for nested branches
     * @param request the encoded request message
     * @param timeout the deadline; {@code null}: the client's request timeout
     * @return the encoded reply message
     */
    static byte[] grpc(DtmClient client, String url, String dtm, String gid, String transType, String branchId,
            String op, Map<String, String> extra, Map<String, String> headers, byte[] request, Duration timeout) {
        Metadata md = GrpcCalls.metadata(gid, transType, branchId, op, dtm, extra, headers);
        try {
            return GrpcCalls.invoke(client.channels(), url, request, md,
                    timeout == null ? client.requestTimeout() : timeout);
        } catch (StatusRuntimeException e) {
            throw GrpcCalls.error(op + " of branch " + branchId + " at " + url + " answered ", gid, e);
        }
    }

    /** Refuses gRPC branches on a client that talks HTTP to the TM: the TM would call them over HTTP. */
    static void requireGrpc(DtmClient client, String what) {
        requireGrpc(client.protocol(), what);
    }

    /** {@link #requireGrpc(DtmClient, String)} for a transport's protocol. */
    static void requireGrpc(String protocol, String what) {
        if (!Ops.PROTOCOL_GRPC.equals(protocol)) {
            throw new IllegalStateException(what + " needs a DtmClient that talks gRPC to the TM, so the TM calls the "
                    + "branches over gRPC: DtmClient.builder().grpcTarget(\"host:36790\")");
        }
    }

    /** Steps with gRPC URLs or protobuf payloads need a gRPC client ({@link #requireGrpc}). */
    static void checkSteps(DtmClient client, Steps steps) {
        steps.firstGrpcUrl().ifPresent(u -> requireGrpc(client, "gRPC branch '" + u + "'"));
        if (steps.hasBinary()) {
            requireGrpc(client, "a binary (protobuf) payload");
        }
    }

    /**
     * A reply message of the type of {@code replyType}.
     *
     * @throws DtmUnknownException when the bytes are not such a message (the call itself succeeded)
     */
    @SuppressWarnings("unchecked")
    static <T extends MessageLite> T parse(byte[] reply, T replyType, String what, String gid) {
        Checks.notNull("reply type", replyType);
        try {
            return (T) replyType.getParserForType().parseFrom(reply);
        } catch (InvalidProtocolBufferException e) {
            throw new DtmUnknownException(what + " succeeded but its reply is not a "
                    + replyType.getClass().getSimpleName() + ": " + e.getMessage(), gid, e);
        }
    }

    static Duration timeout(TransactionOptions o) {
        return o.requestTimeoutSeconds() > 0 ? Duration.ofSeconds(o.requestTimeoutSeconds()) : null;
    }
}
