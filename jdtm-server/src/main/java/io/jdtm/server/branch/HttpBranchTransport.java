package io.jdtm.server.branch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.common.tls.Tls;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaType;
import io.helidon.http.Method;
import io.helidon.webclient.api.ClientConnection;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.Proxy;
import io.helidon.webclient.api.WebClient;
import io.helidon.webclient.api.WebClientConfig;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientRequest;
import io.jdtm.protocol.DtmJson;
import io.jdtm.protocol.Ops;
import io.jdtm.protocol.Outcome;
import io.jdtm.protocol.TransType;
import io.jdtm.server.tracing.Tracing;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Branch calls over HTTP (spec §5.1) and JSON-RPC (§5.3): Helidon's client on keep-alive connections pooled by
 * {@link BranchConnections}, shared by all transactions. JSON-RPC is used when the transaction's protocol is
 * {@code json-rpc} and the URL names a {@code method}; otherwise plain HTTP: POST when there is a payload or the
 * transaction is XA (always with an empty body then), GET otherwise, with DTM's four query parameters.
 *
 * <p>The URL is sent without its {@code #fragment}, and encoded by the client (a percent-escape stays an escape,
 * never a raw byte on the request line). Connections go straight to an address that passed the
 * {@link DestinationPolicy} ({@link PolicyDnsResolver}; no proxy, whatever the JVM's proxy settings say).
 * Redirects are never followed: a 3xx answer is an error, retried like any other.
 */
final class HttpBranchTransport implements BranchTransport {
    private static final Logger log = LoggerFactory.getLogger(HttpBranchTransport.class);
    static final int MAX_DETAIL = 1000;
    private static final int SMALL_BODY = 64 * 1024;

    private final WebClient client;
    /** HTTP/1.1 requests made directly: the generic client would look up the protocol of each URL first */
    private final Http1Client http1;
    private final BranchConnections connections;
    private final boolean dockerRewrite;

    HttpBranchTransport(Duration connectTimeout, boolean dockerRewrite) {
        this(connectTimeout, dockerRewrite, Optional.empty(), DestinationPolicy.DEFAULT);
    }

    /**
     * @param tls the trust for {@code https://} branches ({@code BranchTls.TrustFile}); empty: the JDK's
     * @param policy where calls may go: every new connection resolves its host through it
     */
    HttpBranchTransport(Duration connectTimeout, boolean dockerRewrite, Optional<Tls> tls, DestinationPolicy policy) {
        PolicyDnsResolver resolver = new PolicyDnsResolver(policy);
        WebClientConfig.Builder b = WebClient.builder()
                .connectTimeout(connectTimeout)
                // the policy checks the address it resolved; a proxy would resolve the host again by itself
                .dnsResolver(resolver)
                .proxy(Proxy.noProxy())
                // a redirect would lead past the policy's submit-time checks: a 3xx is an error instead
                .followRedirects(false)
                .shareConnectionCache(false);
        tls.ifPresent(b::tls);
        this.client = b.build();
        this.http1 = client.client(Http1Client.PROTOCOL);
        // keep enough idle keep-alive connections for many concurrent calls to one RM host
        this.connections = new BranchConnections(client, resolver, 1024);
        this.dockerRewrite = dockerRewrite;
    }

    @Override
    public BranchResult call(BranchCall c) {
        try {
            if (c.protocol().equals(Ops.PROTOCOL_JSONRPC) && c.url().contains("method")) {
                return callJsonRpc(c);
            }
            return callHttp(c);
        } catch (RuntimeException e) {
            DestinationPolicy.Refused refused = refusal(e);
            if (refused != null) {
                return BranchResult.refused(refused.getMessage());
            }
            String msg = e.getClass().getSimpleName() + ": " + e.getMessage();
            log.debug("branch call {} {} {} failed: {}", c.gid(), c.branchId(), c.op(), msg);
            return new BranchResult(Outcome.ERROR, msg);
        }
    }

    /** The policy's refusal behind a failed connection, however the client wrapped it; else null. */
    private static DestinationPolicy.Refused refusal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof DestinationPolicy.Refused r) {
                return r;
            }
        }
        return null;
    }

    private BranchResult callHttp(BranchCall c) {
        String url = rewrite(withQuery(BranchUrls.withoutFragment(c.url()), c));
        // XA phase 2 is always a POST with an empty body (spec §6.10)
        boolean xa = c.transType().equals(TransType.XA.wire());
        byte[] payload = xa ? new byte[0] : c.payload();
        boolean post = payload.length > 0 || xa;
        URI uri = URI.create(url);
        try (HttpClientResponse res = connections.send(uri, conn -> {
            Http1ClientRequest req = request(post ? Method.POST : Method.GET, uri, conn, c);
            return post ? req.submit(payload) : req.request();
        })) {
            String body = bodyOf(res);
            int status = res.status().code();
            Tracing.noteHttpStatus(status);
            return new BranchResult(Outcome.ofHttp(status, body), detail(status, body), Integer.toString(status));
        }
    }

    private BranchResult callJsonRpc(BranchCall c) {
        String method = queryParam(c.url(), "method");
        ObjectNode params;
        try {
            JsonNode p = DtmJson.mapper().readTree(c.payload().length == 0 ? "{}".getBytes() : c.payload());
            params = p instanceof ObjectNode o ? o : DtmJson.mapper().createObjectNode();
        } catch (java.io.IOException e) {
            return new BranchResult(Outcome.ERROR, "json-rpc payload is not a JSON object: " + e.getMessage());
        }
        params.put("gid", c.gid()).put("trans_type", c.transType()).put("branch_id", c.branchId()).put("op", c.op());
        ObjectNode body = DtmJson.mapper().createObjectNode();
        body.put("jsonrpc", "2.0").put("method", method).put("id", UUID.randomUUID().toString());
        body.set("params", params);
        URI uri = URI.create(rewrite(BranchUrls.withoutFragment(c.url())));
        byte[] bytes = DtmJson.writeBytes(body);
        try (HttpClientResponse res = connections.send(uri, conn -> request(Method.POST, uri, conn, c).submit(bytes))) {
            String text = bodyOf(res);
            int status = res.status().code();
            Tracing.noteHttpStatus(status);
            Outcome byHttp = Outcome.ofHttp(status, text);
            if (byHttp != Outcome.SUCCESS) {
                return new BranchResult(byHttp, detail(status, text), Integer.toString(status));
            }
            return new BranchResult(jsonRpcOutcome(text), detail(status, text), Integer.toString(status));
        }
    }

    private Http1ClientRequest request(Method method, URI uri, ClientConnection conn, BranchCall c) {
        Http1ClientRequest req = http1.method(method)
                .uri(uri)
                .connection(conn)
                .readTimeout(c.timeout())
                .header(HeaderNames.CONTENT_TYPE, "application/json");
        c.headers().forEach((k, v) -> req.header(HeaderNames.create(k), v));
        return req;
    }

    /**
     * The answer's body, or "" when it has none (an empty 200 is a plain SUCCESS). A body of known length is read in
     * one piece: Helidon's String reader goes through {@code readAllBytes}, 16 KiB buffers for a 24-byte answer.
     */
    private static String bodyOf(HttpClientResponse res) {
        if (!res.entity().hasEntity()) {
            return "";
        }
        OptionalLong length = res.headers().contentLength();
        if (length.isEmpty() || length.getAsLong() > SMALL_BODY) {
            return res.as(String.class);
        }
        Charset charset = res.headers().contentType().flatMap(HttpMediaType::charset).map(HttpBranchTransport::charset)
                .orElse(StandardCharsets.UTF_8);
        try {
            java.io.InputStream in = res.inputStream();
            byte[] body = in.readNBytes((int) length.getAsLong());
            in.read(); // the end of the entity, which lets Helidon give the connection back for keep-alive
            return new String(body, charset);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Charset charset(String name) {
        try {
            return Charset.forName(name);
        } catch (IllegalArgumentException e) {
            return StandardCharsets.UTF_8; // unknown or malformed: read as UTF-8
        }
    }

    static Outcome jsonRpcOutcome(String text) {
        try {
            JsonNode err = DtmJson.mapper().readTree(text).path("error");
            if (err.isMissingNode() || err.isNull()) {
                return Outcome.SUCCESS;
            }
            return switch (err.path("code").asInt(0)) {
                case -32901 -> Outcome.FAILURE;
                case -32902 -> Outcome.ONGOING;
                default -> Outcome.ERROR;
            };
        } catch (java.io.IOException e) {
            return Outcome.ERROR;
        }
    }

    /** Adds DTM's four query parameters to the URL, after any it already has. */
    static String withQuery(String url, BranchCall c) {
        StringBuilder sb = new StringBuilder(url.length() + 96).append(url);
        sb.append(url.indexOf('?') >= 0 ? '&' : '?');
        sb.append("gid=").append(enc(c.gid()));
        sb.append("&trans_type=").append(enc(c.transType()));
        sb.append("&branch_id=").append(enc(c.branchId()));
        sb.append("&op=").append(enc(c.op()));
        return sb.toString();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static String queryParam(String url, String name) {
        int q = url.indexOf('?');
        if (q < 0) {
            return "";
        }
        for (String part : url.substring(q + 1).split("&")) {
            int eq = part.indexOf('=');
            String k = eq < 0 ? part : part.substring(0, eq);
            if (k.equals(name)) {
                return eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return "";
    }

    private String rewrite(String url) {
        if (!dockerRewrite) {
            return url;
        }
        return url.replaceFirst("localhost", "host.docker.internal").replaceFirst("127\\.0\\.0\\.1",
                "host.docker.internal");
    }

    private static String detail(int status, String body) {
        String b = body.length() > MAX_DETAIL ? body.substring(0, MAX_DETAIL) + "…" : body;
        return "status " + status + ": " + b;
    }

    /** POSTs a JSON document and reports whether the answer was 2xx. Used by the alert webhook. */
    public boolean postJson(String url, Object doc, Duration timeout) {
        URI uri = URI.create(url);
        byte[] body = DtmJson.writeBytes(doc);
        try (HttpClientResponse res = connections.send(uri, conn -> http1.post().uri(uri).connection(conn)
                .readTimeout(timeout).header(HeaderNames.CONTENT_TYPE, "application/json").submit(body))) {
            return res.status().family() == io.helidon.http.Status.Family.SUCCESSFUL;
        } catch (RuntimeException e) {
            log.warn("POST {} failed: {}", url, e.toString());
            return false;
        }
    }

    @Override
    public void close() {
        connections.close();
        client.closeResource();
    }
}
