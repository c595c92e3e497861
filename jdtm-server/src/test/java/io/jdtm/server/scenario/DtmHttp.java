package io.jdtm.server.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import io.jdtm.protocol.DtmJson;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A plain HTTP client for the TM's API, as a third-party DTM client would use it. */
public final class DtmHttp {
    /** Status, raw body and the body parsed as JSON (null when it is not JSON). */
    public record Res(int status, String body, JsonNode json) {
        public String field(String name) {
            return json == null ? "" : json.path(name).asText("");
        }
    }

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    /** {@code base} is the server root, e.g. {@code http://localhost:36789}. */
    public DtmHttp(String base) {
        this.base = base;
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
        try {
            HttpResponse<String> r = client.send(b.timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode n = null;
            try {
                n = DtmJson.mapper().readTree(r.body());
            } catch (IOException e) {
                // not JSON: keep the raw body
            }
            return new Res(r.statusCode(), r.body(), n);
        } catch (IOException e) {
            throw new IllegalStateException("call to " + base + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
