package io.jdtm.server.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import io.jdtm.protocol.DtmJson;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;

/** A plain HTTP client for the TM's API, as a third-party DTM client would use it. */
public final class DtmHttp {
    /** Status, raw body, the body parsed as JSON (null when it is not JSON) and the answer's headers. */
    public record Res(int status, String body, JsonNode json, HttpHeaders headers) {
        public String field(String name) {
            return json == null ? "" : json.path(name).asText("");
        }

        /** The first value of a header, or "". */
        public String header(String name) {
            return headers.firstValue(name).orElse("");
        }
    }

    private final HttpClient client;
    private final SSLContext tls;
    private final String base;
    private final Map<String, String> headers;

    /** {@code base} is the server root, e.g. {@code http://localhost:36789}. */
    public DtmHttp(String base) {
        this(base, null, Map.of());
    }

    /**
     * @param tls the client's TLS (trust and client certificate) for an https base; null for the JDK's default
     * @param headers sent with every request, e.g. {@code Authorization}
     */
    public DtmHttp(String base, SSLContext tls, Map<String, String> headers) {
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (tls != null) {
            b.sslContext(tls);
        }
        this.client = b.build();
        this.tls = tls;
        this.base = base;
        this.headers = Map.copyOf(headers);
    }

    /** The same server, with {@code Authorization: Bearer <token>} on every request. */
    public DtmHttp withBearer(String token) {
        return new DtmHttp(base, tls, Map.of("Authorization", "Bearer " + token));
    }

    public Res post(String path, String json) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.ofString(json))
                .header("Content-Type", "application/json"));
    }

    public Res post(String path, Object doc) {
        return post(path, DtmJson.write(doc));
    }

    public Res get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    public Res delete(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).DELETE());
    }

    public Res send(HttpRequest.Builder b) {
        headers.forEach(b::setHeader);
        try {
            HttpResponse<String> r = client.send(b.timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode n = null;
            try {
                n = DtmJson.mapper().readTree(r.body());
            } catch (IOException e) {
                // not JSON: keep the raw body
            }
            return new Res(r.statusCode(), r.body(), n, r.headers());
        } catch (IOException e) {
            throw new IllegalStateException("call to " + base + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
