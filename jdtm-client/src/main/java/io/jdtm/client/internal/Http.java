package io.jdtm.client.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * Blocking HTTP calls on the JDK client, shared by the TM transport and the AP→RM calls; each carries the caller's trace
 * context ({@link TraceContext}). Thread-safe.
 */
public final class Http {

    /** Status and body text of an answer. */
    public record Response(int status, String body) {}

    private final HttpClient client;
    private final Duration defaultTimeout;

    public Http(HttpClient client, Duration defaultTimeout) {
        this.client = client;
        this.defaultTimeout = defaultTimeout;
    }

    public Duration defaultTimeout() {
        return defaultTimeout;
    }

    /**
     * Sends one request. A {@code null} body sends no body; {@code timeout} {@code null} uses the default.
     *
     * @throws IOException on transport errors and timeouts (interruption keeps the thread's interrupt flag)
     */
    public Response send(String method, String url, Map<String, String> headers, String body, Duration timeout)
            throws IOException {
        HttpRequest.Builder b;
        try {
            b = HttpRequest.newBuilder(URI.create(url));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a valid URL: '" + url + "'", e);
        }
        b.timeout(timeout == null ? defaultTimeout : timeout);
        b.header("Content-Type", "application/json");
        TraceContext.inject(b::setHeader); // the caller's trace; headers given explicitly win
        headers.forEach(b::setHeader);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        try {
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Response(r.statusCode(), r.body() == null ? "" : r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            InterruptedIOException io = new InterruptedIOException("interrupted while calling " + url);
            io.initCause(e);
            throw io;
        }
    }

    /** Appends query parameters to a URL that may already have some. */
    public static String withQuery(String url, Map<String, String> query) {
        if (query.isEmpty()) {
            return url;
        }
        StringBuilder sb = new StringBuilder(url);
        char sep = url.indexOf('?') >= 0 ? '&' : '?';
        for (Map.Entry<String, String> e : query.entrySet()) {
            sb.append(sep).append(enc(e.getKey())).append('=').append(enc(e.getValue()));
            sep = '&';
        }
        return sb.toString();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
