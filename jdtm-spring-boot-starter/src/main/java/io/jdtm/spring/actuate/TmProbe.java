package io.jdtm.spring.actuate;

import io.jdtm.client.DtmClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Asks the TM whether it answers, for the health indicators of both Boot lines. Over HTTP it calls DTM's health
 * check {@code GET /api/ping} (spec §3, answered {@code {"msg":"pong"}}) next to the configured
 * {@code .../api/dtmsvr}; a gRPC-only client asks for a new gid ({@code dtmgimp.Dtm/NewGid}), the cheapest call DTM's
 * gRPC API has, so the check works against jdtm and an unchanged DTM. Thread-safe; close it with the context.
 */
public final class TmProbe implements AutoCloseable {

    /** What one check found: up or not, and details for the health endpoint. */
    public record Result(boolean up, Map<String, Object> details) {}

    private final DtmClient client;
    private final String pingUrl; // null: ask newGid through the client
    private final Duration timeout;
    private final HttpClient http;

    /**
     * @param client the application's client (its protocol and address are reported; gRPC-only clients are probed
     *     through it)
     * @param httpBaseUrl the TM's HTTP base URL ({@code http://host:36789/api/dtmsvr}), or {@code null} when the
     *     application has none (gRPC only)
     */
    public TmProbe(DtmClient client, String httpBaseUrl, Duration timeout) {
        this.client = client;
        this.timeout = timeout;
        this.pingUrl = pingUrl(httpBaseUrl);
        this.http = pingUrl == null ? null : HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** {@code http://h:p/api/ping} for {@code http://h:p/api/dtmsvr}; {@code null} when the base has another shape. */
    static String pingUrl(String base) {
        if (base == null) {
            return null;
        }
        String b = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        return b.endsWith("/dtmsvr") ? b.substring(0, b.length() - "dtmsvr".length()) + "ping" : null;
    }

    /** One check; never throws. */
    public Result check() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("protocol", client.protocol());
        d.put("server", client.serverUrl());
        long start = System.nanoTime();
        try {
            if (pingUrl != null) {
                d.put("check", "GET " + pingUrl);
                HttpRequest req = HttpRequest.newBuilder(URI.create(pingUrl)).timeout(timeout).GET().build();
                HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    d.put("error", "the TM answered " + r.statusCode());
                    return new Result(false, d);
                }
            } else {
                d.put("check", "newGid");
                client.newGid();
            }
            d.put("latencyMillis", (System.nanoTime() - start) / 1_000_000);
            return new Result(true, d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            d.put("error", "interrupted");
            return new Result(false, d);
        } catch (IOException | RuntimeException e) {
            d.put("error", e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            return new Result(false, d);
        }
    }

    @Override
    public void close() {
        if (http != null) {
            http.close();
        }
    }
}
