package io.jdtm.server.branch;

import io.jdtm.protocol.Ops;
import io.jdtm.protocol.Outcome;
import java.time.Duration;

/**
 * Calls branches (spec §5), choosing the transport per call: an empty URL is a success without any call; HTTP
 * (or JSON-RPC, see {@link HttpBranchTransport}) when the transaction's protocol is {@code http} or
 * {@code json-rpc}, or the URL starts with {@code http://} or {@code https://} — so a gRPC transaction may mix in
 * HTTP branches; gRPC otherwise. Never throws: transport trouble is an {@link Outcome#ERROR} result.
 */
public final class BranchCaller implements AutoCloseable {
    private final HttpBranchTransport http;
    private final BranchTransport grpc;

    public BranchCaller(Duration connectTimeout, boolean dockerRewrite) {
        this(new HttpBranchTransport(connectTimeout, dockerRewrite), UnsupportedGrpc.INSTANCE);
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

    /** Until gRPC branch calls exist: every gRPC branch is an error, retried with backoff. */
    private enum UnsupportedGrpc implements BranchTransport {
        INSTANCE;

        @Override
        public BranchResult call(BranchCall c) {
            return new BranchResult(Outcome.ERROR, "grpc branch calls are not supported by this server yet: "
                    + c.url());
        }

        @Override
        public void close() {}
    }
}
