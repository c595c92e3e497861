package io.jdtm.server.branch;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.jdtm.protocol.Ops;
import io.jdtm.protocol.Outcome;
import io.jdtm.server.security.BranchTls;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Calls branches (spec §5), choosing the transport per call: an empty URL is a success without any call; HTTP
 * (or JSON-RPC, see {@link HttpBranchTransport}) when the transaction's protocol is {@code http} or
 * {@code json-rpc}, or the URL starts with {@code http://} or {@code https://} — so a gRPC transaction may mix in
 * HTTP branches; gRPC ({@link GrpcBranchTransport}) otherwise. Never throws: transport trouble is an
 * {@link Outcome#ERROR} result.
 *
 * <p>Also the one judge of what may be called: {@link #checkUrl} and {@link #checkHeaders} are what the server
 * asks before it stores a URL or a header ({@link BranchUrls} for the form, {@link DestinationPolicy} for the
 * destination), and each call is checked the same way again before it is made, so a row stored before a rule
 * existed cannot slip through.
 */
public final class BranchCaller implements AutoCloseable {
    private final HttpBranchTransport http;
    private final BranchTransport grpc;
    private final DestinationPolicy policy;
    private final Cache<Verdict, Optional<String>> verdicts = CacheBuilder.newBuilder().maximumSize(4096).build();

    /** With the JDK's trust, plaintext gRPC, and the default destination policy (everything but cloud metadata). */
    public BranchCaller(Duration connectTimeout, boolean dockerRewrite, String grpcServiceConfig) {
        this(connectTimeout, dockerRewrite, grpcServiceConfig, BranchTls.DEFAULT, DestinationPolicy.DEFAULT);
    }

    /**
     * @param connectTimeout how long an HTTP connection may take to open
     * @param dockerRewrite whether {@code localhost} and {@code 127.0.0.1} in branch URLs and gRPC targets become
     *        {@code host.docker.internal} (env {@code IS_DOCKER}, spec §5.1)
     * @param grpcServiceConfig the gRPC service config JSON of every gRPC channel (config {@code GrpcServiceConfig});
     *        blank for grpc-java's default
     * @param tls the trust and gRPC mode of {@code BranchTls}
     * @param policy where branch calls may go (config {@code BranchPolicy})
     * @throws IllegalArgumentException when {@code grpcServiceConfig} is not a JSON object
     */
    public BranchCaller(Duration connectTimeout, boolean dockerRewrite, String grpcServiceConfig, BranchTls tls,
            DestinationPolicy policy) {
        this(new HttpBranchTransport(connectTimeout, dockerRewrite, tls.httpTls(), policy),
                new GrpcBranchTransport(grpcServiceConfig, dockerRewrite, tls.grpcCredentials(), policy), policy);
    }

    BranchCaller(HttpBranchTransport http, BranchTransport grpc, DestinationPolicy policy) {
        this.http = http;
        this.grpc = grpc;
        this.policy = policy;
    }

    /** Makes the call and classifies the answer; an empty URL is a success without any call. */
    public BranchResult call(BranchCall c) {
        if (c.url().isEmpty()) {
            return BranchResult.EMPTY_URL_SUCCESS;
        }
        boolean overHttp = isHttp(c);
        try {
            // what the transports assume: a URL they can send as written, headers that cannot split a message
            Optional<String> refused = destinationRefusal(c.url(), overHttp ? Ops.PROTOCOL_HTTP : Ops.PROTOCOL_GRPC);
            if (refused.isPresent()) {
                return BranchResult.refused(refused.get());
            }
            checkHeaders(c.headers(), c.protocol());
        } catch (IllegalArgumentException e) {
            return new BranchResult(Outcome.ERROR, "not called: " + e.getMessage());
        }
        return overHttp ? http.call(c) : grpc.call(c);
    }

    /** Spec §5: HTTP for http and json-rpc transactions, and for http(s) URLs inside a gRPC transaction. */
    static boolean isHttp(BranchCall c) {
        String p = c.protocol();
        return p.isEmpty() || p.equals(Ops.PROTOCOL_HTTP) || p.equals(Ops.PROTOCOL_JSONRPC)
                || BranchUrls.isHttpPrefixed(c.url());
    }

    /**
     * Checks a non-empty URL a transaction of {@code protocol} would call ({@code null}: a topic subscriber, which
     * may be an http(s) URL or a gRPC target): its form, then what the destination policy can decide without DNS.
     *
     * @throws IllegalArgumentException saying what is wrong; a policy refusal's text starts with
     *         {@link DestinationPolicy#REFUSED}
     */
    public void checkUrl(String url, String protocol) {
        Optional<String> refused = destinationRefusal(url, protocol);
        if (refused.isPresent()) {
            throw new IllegalArgumentException("'" + BranchUrls.visible(url) + "' is " + refused.get());
        }
    }

    /**
     * The policy's verdict on a URL, remembered: it depends on nothing but the URL, the protocol and the policy
     * (no DNS), and every call of a branch asks it again. A URL that does not parse is not remembered.
     */
    private Optional<String> destinationRefusal(String url, String protocol) {
        Verdict key = new Verdict(url, protocol);
        Optional<String> known = verdicts.getIfPresent(key);
        if (known == null) {
            known = policy.refusal(BranchUrls.parse(url, protocol));
            verdicts.put(key, known);
        }
        return known;
    }

    private record Verdict(String url, String protocol) {}

    /**
     * Checks a transaction's {@code branch_headers} (see {@link BranchUrls#checkHeader}).
     *
     * @throws IllegalArgumentException naming the first bad header
     */
    public void checkHeaders(Map<String, String> headers, String protocol) {
        for (Map.Entry<String, String> h : headers.entrySet()) {
            BranchUrls.checkHeader(h.getKey(), h.getValue(), protocol);
        }
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
