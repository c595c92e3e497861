package io.jdtm.server.branch;

import io.jdtm.protocol.Ops;
import io.jdtm.protocol.Outcome;
import io.jdtm.server.security.BranchTls;
import java.time.Duration;

/**
 * Calls branches (spec §5), choosing the transport per call: an empty URL is a success without any call; HTTP
 * (or JSON-RPC, see {@link HttpBranchTransport}) when the transaction's protocol is {@code http} or
 * {@code json-rpc}, or the URL starts with {@code http://} or {@code https://} — so a gRPC transaction may mix in
 * HTTP branches; gRPC ({@link GrpcBranchTransport}) otherwise. Never throws: transport trouble is an
 * {@link Outcome#ERROR} result.
 */
public final class BranchCaller implements AutoCloseable {
    private final HttpBranchTransport http;
    private final BranchTransport grpc;

    /**
     * @param connectTimeout how long an HTTP connection may take to open
     * @param dockerRewrite whether {@code localhost} and {@code 127.0.0.1} in branch URLs and gRPC targets become
     *        {@code host.docker.internal} (env {@code IS_DOCKER}, spec §5.1)
     * @param grpcServiceConfig the gRPC service config JSON of every gRPC channel (config {@code GrpcServiceConfig});
     *        blank for grpc-java's default
     * @throws IllegalArgumentException when {@code grpcServiceConfig} is not a JSON object
     */
    public BranchCaller(Duration connectTimeout, boolean dockerRewrite, String grpcServiceConfig) {
        this(connectTimeout, dockerRewrite, grpcServiceConfig, BranchTls.DEFAULT);
    }

    /** As above, with the trust and gRPC mode of {@code BranchTls}. */
    public BranchCaller(Duration connectTimeout, boolean dockerRewrite, String grpcServiceConfig, BranchTls tls) {
        this(new HttpBranchTransport(connectTimeout, dockerRewrite, tls.httpTls()),
                new GrpcBranchTransport(grpcServiceConfig, dockerRewrite, tls.grpcCredentials()));
    }

    BranchCaller(HttpBranchTransport http, BranchTransport grpc) {
        this.http = http;
        this.grpc = grpc;
    }

    /** Makes the call and classifies the answer; an empty URL is a success without any call. */
    public BranchResult call(BranchCall c) {
        if (c.url().isEmpty()) {
            return BranchResult.EMPTY_URL_SUCCESS;
        }
        return isHttp(c) ? http.call(c) : grpc.call(c);
    }

    /** Spec §5: HTTP for http and json-rpc transactions, and for http(s) URLs inside a gRPC transaction. */
    static boolean isHttp(BranchCall c) {
        String p = c.protocol();
        return p.isEmpty() || p.equals(Ops.PROTOCOL_HTTP) || p.equals(Ops.PROTOCOL_JSONRPC)
                || c.url().startsWith("http://") || c.url().startsWith("https://");
    }

    /** POSTs a JSON document and reports whether the answer was 2xx. Used by the alert webhook. */
    public boolean postJson(String url, Object doc, Duration timeout) {
        return http.postJson(url, doc, timeout);
    }

    @Override
    public void close() {
        http.close();
        grpc.close();
    }
}
