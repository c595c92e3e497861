package io.jdtm.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.jdtm.client.DtmException;
import io.jdtm.client.DtmFailureException;
import io.jdtm.client.DtmOngoingException;
import io.jdtm.client.DtmUnknownException;
import io.jdtm.client.Transport;
import io.jdtm.protocol.DtmJson;
import io.jdtm.protocol.Outcome;
import io.jdtm.protocol.TransRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link Transport} over DTM's REST API ({@code <base>/newGid}, {@code /prepare}, …, spec §3). Success of an operation
 * is decided as DTM's Go client does: status 200 and no {@code FAILURE} in the body (spec §2.1). Value endpoints
 * ({@code query}, {@code prepareWorkflow}, {@code newGid}) are judged by status only, since their data may legally
 * contain those words.
 */
public final class HttpTransport implements Transport {

    private final String base;
    private final Http http;
    private final Map<String, String> headers;

    public HttpTransport(String baseUrl, Http http) {
        this(baseUrl, http, Map.of());
    }

    /** @param headers sent with every call to the TM, e.g. {@code Authorization: Bearer …} */
    public HttpTransport(String baseUrl, Http http, Map<String, String> headers) {
        this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.http = http;
        this.headers = Map.copyOf(headers);
    }

    @Override
    public String serverAddress() {
        return base;
    }

    @Override
    public String newGid() {
        JsonNode n = value("GET", "newGid", null, "", null);
        String gid = n.path("gid").asText("");
        if (gid.isEmpty()) {
            throw new DtmUnknownException("newGid answered without a gid: " + n, "", 200, null);
        }
        return gid;
    }

    @Override
    public void prepare(TransRequest r, List<byte[]> binPayloads) {
        operation("prepare", r.gid(), DtmJson.write(textOnly(r, binPayloads)), timeout(r));
    }

    @Override
    public void submit(TransRequest r, List<byte[]> binPayloads) {
        operation("submit", r.gid(), DtmJson.write(textOnly(r, binPayloads)), timeout(r));
    }

    @Override
    public void abort(TransRequest r) {
        operation("abort", r.gid(), DtmJson.write(r), timeout(r));
    }

    @Override
    public void registerBranch(Map<String, String> branch, byte[] data) {
        Map<String, String> body = new LinkedHashMap<>(branch);
        if (data != null) {
            body.put("data", new String(data, StandardCharsets.UTF_8)); // DTM's REST API carries text only
        }
        operation("registerBranch", branch.getOrDefault("gid", ""), DtmJson.write(body), null);
    }

    @Override
    public JsonNode prepareWorkflow(TransRequest r) {
        return value("POST", "prepareWorkflow", DtmJson.write(r), r.gid(), timeout(r));
    }

    @Override
    public JsonNode query(String gid) {
        return value("GET", Http.withQuery("query", Map.of("gid", gid)), null, gid, null);
    }

    /** The request itself: DTM's REST API carries the text payloads; binary ones (protobuf) need gRPC. */
    private static TransRequest textOnly(TransRequest r, List<byte[]> binPayloads) {
        if (r.payloads() == null && !r.stepsOrEmpty().isEmpty() && !binPayloads.isEmpty()) {
            throw new IllegalStateException(r.transType() + " " + r.gid() + " has payloads that are not text "
                    + "(protobuf messages for gRPC branches); DTM's HTTP API carries only text: use the gRPC transport "
                    + "(DtmClient.builder().grpcTarget(...))");
        }
        return r;
    }

    private static Duration timeout(TransRequest r) {
        return r.requestTimeout() == null ? null : Duration.ofSeconds(r.requestTimeout());
    }

    private void operation(String op, String gid, String body, Duration timeout) {
        Http.Response resp = call("POST", op, body, gid, timeout);
        if (resp.status() == 200 && !resp.body().contains("FAILURE")) {
            return;
        }
        throw error(op, gid, resp);
    }

    private JsonNode value(String method, String op, String body, String gid, Duration timeout) {
        Http.Response resp = call(method, op, body, gid, timeout);
        if (resp.status() != 200) {
            throw error(op, gid, resp);
        }
        try {
            return DtmJson.mapper().readTree(resp.body());
        } catch (IOException e) {
            throw new DtmUnknownException(op + " answered 200 with a body that is not JSON: " + abbreviate(resp.body()),
                    gid, 200, e);
        }
    }

    private Http.Response call(String method, String op, String body, String gid, Duration timeout) {
        String url = base + "/" + op;
        try {
            return http.send(method, url, headers, body, timeout);
        } catch (IOException e) {
            throw new DtmUnknownException("calling the TM at " + url + " failed: " + e, gid, e);
        }
    }

    /** Maps a non-success answer to the typed error, with the TM's message when it sent one. */
    static DtmException error(String op, String gid, Http.Response resp) {
        String message = messageOf(resp.body());
        String text = op + " answered " + resp.status() + ": " + message;
        return switch (Outcome.ofHttp(resp.status(), resp.body())) {
            case FAILURE -> new DtmFailureException(text, gid);
            case ONGOING -> new DtmOngoingException(text, gid);
            default -> new DtmUnknownException(text, gid, resp.status(), null);
        };
    }

    static String messageOf(String body) {
        try {
            JsonNode n = DtmJson.mapper().readTree(body);
            if (n != null && n.hasNonNull("message")) {
                return n.get("message").asText();
            }
            if (n != null && n.hasNonNull("error")) {
                return n.get("error").asText();
            }
        } catch (IOException | RuntimeException ignored) {
            // not JSON: the raw body is the best message there is
        }
        return abbreviate(body);
    }

    static String abbreviate(String s) {
        return s.length() <= 500 ? s : s.substring(0, 500) + "…";
    }
}
