package io.jdtm.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.jdtm.protocol.DtmJson;
import io.jdtm.protocol.TransRequest;
import io.jdtm.protocol.TransStatus;
import io.jdtm.protocol.TransType;
import io.jdtm.server.metrics.ServerMetrics;
import io.jdtm.server.store.KvRow;
import io.jdtm.server.store.Page;
import io.jdtm.server.store.ResetResult;
import io.jdtm.server.store.ScanQuery;
import io.jdtm.server.store.TransGlobal;
import io.jdtm.server.trans.DtmException;
import io.jdtm.server.trans.TransQueries;
import io.jdtm.server.trans.TransService;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * DTM's HTTP API (spec §3): every route under {@code /api/dtmsvr}, plus {@code /api/ping}, {@code /api/metrics}
 * and the JSON-RPC endpoint. Handlers run on virtual threads and block freely. Success bodies of operations are
 * {@code {"dtm_result":"SUCCESS"}}; failures are mapped by {@link ErrorMapper}.
 */
public final class HttpApi {
    static final String BASE = "/api/dtmsvr";
    private static final byte[] SUCCESS = "{\"dtm_result\":\"SUCCESS\"}".getBytes();
    private static final byte[] PONG = "{\"msg\":\"pong\"}".getBytes();

    private final TransService service;
    private final TransQueries queries;
    private final ServerMetrics metrics;
    private final TransJson json;
    private final String version;
    private final long defaultResetTimeout;
    private final JsonRpcApi jsonRpc;
    private final long maxBodyBytes;

    public HttpApi(TransService service, ServerMetrics metrics, ZoneId zone, String version, long timeoutToFail,
            long maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
        this.service = service;
        this.queries = service.queries();
        this.metrics = metrics;
        this.json = new TransJson(zone);
        this.version = version;
        this.defaultResetTimeout = 3 * timeoutToFail;
        this.jsonRpc = new JsonRpcApi(service);
    }

    /** Adds every route and the metrics filter. */
    public void routing(HttpRouting.Builder r) {
        r.addFilter((chain, req, res) -> {
            long t0 = System.nanoTime();
            try {
                chain.proceed();
            } finally {
                String path = req.path().path();
                if (!path.startsWith("/api/")) {
                    return; // the admin UI's static files are not API calls
                }
                String api = path.substring(path.lastIndexOf('/') + 1).toLowerCase(java.util.Locale.ROOT);
                metrics.request("http", api, res.status().code() < 400, (System.nanoTime() - t0) / 1e9);
            }
        });
        // whatever a handler did not catch still gets a JSON answer without Java names
        r.error(Throwable.class, (req, res, t) -> fail(res, t));
        r.get(BASE + "/version", (req, res) -> answer(res, () -> Map.of("version", version)));
        r.get(BASE + "/newGid", (req, res) -> answer(res, () -> ordered("gid", Gids.next(), "dtm_result", "SUCCESS")));
        r.post(BASE + "/prepare", (req, res) -> operation(res, () -> service.prepare(transRequest(req))));
        r.post(BASE + "/submit", (req, res) -> operation(res, () -> service.submit(transRequest(req))));
        r.post(BASE + "/abort", (req, res) -> operation(res, () -> service.abort(transRequest(req))));
        r.post(BASE + "/forceStop", (req, res) -> operation(res, () -> service.forceStop(gidOfBody(req))));
        for (String p : List.of("/registerBranch", "/registerXaBranch", "/registerTccBranch")) {
            r.post(BASE + p, (req, res) -> operation(res, () -> service.registerBranch(stringMap(req))));
        }
        r.post(BASE + "/prepareWorkflow", (req, res) -> answer(res, () -> {
            TransService.WorkflowState s = service.prepareWorkflow(transRequest(req));
            ObjectNode n = DtmJson.mapper().createObjectNode();
            n.set("transaction", json.global(s.transaction()));
            n.set("progresses", json.branches(s.progresses()));
            return n;
        }));
        r.get(BASE + "/query", (req, res) -> answer(res, () -> query(req)));
        // jdtm's operator API (docs/admin-ui.md): admin scope when Auth is on
        r.get(BASE + "/attempts", (req, res) -> answer(res, () -> {
            String gid = param(req, "gid");
            ObjectNode n = DtmJson.mapper().createObjectNode();
            n.put("gid", gid);
            ArrayNode a = n.putArray("attempts");
            queries.attempts(gid).forEach(at -> a.add(json.attempt(at)));
            return n;
        }));
        r.get(BASE + "/counts", (req, res) -> answer(res, () -> {
            ObjectNode n = DtmJson.mapper().createObjectNode();
            ObjectNode c = n.putObject("counts");
            long total = 0;
            for (var e : queries.counts().entrySet()) {
                c.put(e.getKey().wire(), e.getValue());
                total += e.getValue();
            }
            n.put("total", total);
            return n;
        }));
        r.get(BASE + "/all", (req, res) -> answer(res, () -> all(req)));
        r.get(BASE + "/resetCronTime", (req, res) -> answer(res, () -> {
            long timeout = longParam(req, "timeout", defaultResetTimeout);
            int limit = (int) longParam(req, "limit", 100);
            ResetResult rr = service.resetCronTime(Duration.ofSeconds(timeout), limit);
            return ordered("has_remaining", rr.hasRemaining(), "succeed_count", rr.count());
        }));
        r.post(BASE + "/resetNextCronTime", (req, res) -> operation(res,
                () -> service.resetNextCronTime(gidOfBody(req))));
        r.get(BASE + "/subscribe", (req, res) -> operation(res,
                () -> service.topics().subscribe(param(req, "topic"), param(req, "url"), param(req, "remark"))));
        r.get(BASE + "/unsubscribe", (req, res) -> operation(res,
                () -> service.topics().unsubscribe(param(req, "topic"), param(req, "url"))));
        r.delete(BASE + "/topic/{topicName}", (req, res) -> operation(res,
                () -> service.topics().deleteTopic(req.path().pathParameters().get("topicName"))));
        r.get(BASE + "/scanKV", (req, res) -> answer(res, () -> {
            int limit = (int) longParam(req, "limit", 100);
            Page<KvRow> page = queries.scanKv(param(req, "cat"), param(req, "position"), limit);
            ObjectNode n = DtmJson.mapper().createObjectNode();
            ArrayNode a = n.putArray("kv");
            page.items().forEach(k -> a.add(json.kv(k)));
            n.put("next_position", page.next());
            return n;
        }));
        r.get(BASE + "/queryKV", (req, res) -> answer(res, () -> {
            ObjectNode n = DtmJson.mapper().createObjectNode();
            ArrayNode a = n.putArray("kv");
            queries.queryKv(param(req, "cat"), param(req, "key")).forEach(k -> a.add(json.kv(k)));
            return n;
        }));
        r.any("/api/ping", (req, res) -> {
            res.header(HeaderValues.CONTENT_TYPE_JSON);
            res.send(PONG);
        });
        r.get("/api/metrics", (req, res) -> {
            res.header(HeaderNames.CONTENT_TYPE, metrics.contentType());
            res.send(metrics.scrape());
        });
        r.post("/api/json-rpc", (req, res) -> {
            JsonRpcApi.Reply reply;
            try {
                reply = jsonRpc.handle(body(req));
            } catch (Exception e) {
                reply = JsonRpcApi.unreadable(e);
            }
            res.status(Status.create(reply.httpStatus()));
            res.header(HeaderValues.CONTENT_TYPE_JSON);
            res.send(DtmJson.writeBytes(reply.body()));
        });
    }

    // ---------------------------------------------------------------- endpoints with a value

    private Object query(ServerRequest req) {
        Optional<TransQueries.Found> found = queries.query(param(req, "gid"));
        ObjectNode n = DtmJson.mapper().createObjectNode();
        if (found.isPresent()) {
            n.set("transaction", json.global(found.get().global()));
        } else {
            n.putNull("transaction");
        }
        n.set("branches", json.branches(found.isPresent() ? found.get().branches() : List.of()));
        return n;
    }

    private Object all(ServerRequest req) {
        String gid = param(req, "gid");
        String position = param(req, "position");
        int limit = (int) longParam(req, "limit", 100);
        ObjectNode n = DtmJson.mapper().createObjectNode();
        if (!gid.isEmpty()) {
            Optional<TransGlobal> g = queries.find(gid);
            if (g.isPresent()) {
                n.putArray("transactions").add(json.global(g.get()));
            } else {
                n.putNull("transactions");
            }
            n.put("next_position", position);
            return n;
        }
        TransStatus status = null;
        String s = param(req, "status");
        if (!s.isEmpty()) {
            try {
                status = TransStatus.parse(s);
            } catch (IllegalArgumentException e) {
                throw DtmException.badRequest("status: " + e.getMessage());
            }
        }
        String t = param(req, "transType");
        TransType type = t.isEmpty() ? null : TransType.find(t)
                .orElseThrow(() -> DtmException.badRequest("unknown transType '" + t + "'"));
        Instant from = millisParam(req, "createTimeStart");
        Instant to = millisParam(req, "createTimeEnd");
        // jdtm's filters: a gid prefix, and "stuck" (unfinished, retried at least N times; 0: every unfinished one)
        long stuck = longParam(req, "stuck", 0);
        long minInterval = param(req, "stuck").isEmpty() ? -1 : queries.stuckInterval(stuck);
        Page<TransGlobal> page = queries.all(new ScanQuery(position, limit, status, type, from, to,
                param(req, "gidPrefix"), minInterval));
        if (page.items().isEmpty()) {
            n.putNull("transactions");
        } else {
            ArrayNode a = n.putArray("transactions");
            page.items().forEach(g -> a.add(json.global(g)));
        }
        n.put("next_position", page.next());
        return n;
    }

    // ---------------------------------------------------------------- request decoding

    /**
     * The request body, at most {@code MaxBodyBytes}. A larger body is read to its end and dropped before the 413,
     * so the client, still sending, can read the answer (closing early would give it a broken pipe instead).
     */
    byte[] body(ServerRequest req) throws IOException {
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        try (InputStream in = req.content().inputStream()) {
            byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
            if (b.length > maxBodyBytes) {
                long rest = in.transferTo(OutputStream.nullOutputStream());
                throw DtmException.tooLarge("request body is " + (b.length + rest) + " bytes, larger than the "
                        + "configured MaxBodyBytes (" + maxBodyBytes + ")");
            }
            return b;
        }
    }

    private TransRequest transRequest(ServerRequest req) throws IOException {
        byte[] b = body(req);
        if (b.length == 0) {
            throw DtmException.badRequest("request body is empty; expected a JSON transaction");
        }
        TransRequest r = DtmJson.mapper().readValue(b, TransRequest.class);
        if (r == null) {
            throw DtmException.badRequest("request body is null; expected a JSON transaction");
        }
        return r.gid() == null ? r : r.withGid(stripGid(r.gid()));
    }

    /** The HTTP API removes CR, LF and ';' from gids, as DTM does. */
    static String stripGid(String gid) {
        if (gid.indexOf('\r') < 0 && gid.indexOf('\n') < 0 && gid.indexOf(';') < 0) {
            return gid;
        }
        return gid.replace("\r", "").replace("\n", "").replace(";", "");
    }

    private String gidOfBody(ServerRequest req) throws IOException {
        byte[] b = body(req);
        if (b.length == 0) {
            throw DtmException.badRequest("request body is empty; expected {\"gid\":\"...\"}");
        }
        JsonNode n = DtmJson.mapper().readTree(b);
        if (n == null || !n.isObject()) {
            throw DtmException.badRequest("request body must be a JSON object with a gid");
        }
        for (var it = n.fields(); it.hasNext(); ) {
            var f = it.next();
            if (f.getKey().equalsIgnoreCase("gid")) {
                return stripGid(f.getValue().asText(""));
            }
        }
        return "";
    }

    /** registerBranch's body: a flat JSON object whose values are all strings. */
    Map<String, String> stringMap(ServerRequest req) throws IOException {
        return stringMap(DtmJson.mapper().readTree(body(req)), true);
    }

    static Map<String, String> stringMap(JsonNode n, boolean strip) {
        if (n == null || !n.isObject()) {
            throw DtmException.badRequest("body must be a flat JSON object of strings");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (var it = n.fields(); it.hasNext(); ) {
            var f = it.next();
            if (!f.getValue().isTextual()) {
                throw DtmException.badRequest("body must be a flat JSON object of strings; '" + f.getKey() + "' is "
                        + f.getValue().getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
            }
            m.put(f.getKey(), f.getValue().asText());
        }
        if (strip && m.containsKey("gid")) {
            m.put("gid", stripGid(m.get("gid")));
        }
        return m;
    }

    private static String param(ServerRequest req, String name) {
        return req.query().first(name).orElse("");
    }

    private static long longParam(ServerRequest req, String name, long dflt) {
        String v = param(req, name);
        if (v.isEmpty()) {
            return dflt;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw DtmException.badRequest(name + " must be a number, got '" + v + "'");
        }
    }

    private static Instant millisParam(ServerRequest req, String name) {
        String v = param(req, name);
        if (v.isEmpty()) {
            return null;
        }
        long ms = longParam(req, name, 0);
        return Instant.ofEpochSecond(ms / 1000); // DTM truncates to seconds
    }

    // ---------------------------------------------------------------- answers

    /** A handler body that may throw. */
    interface Body<T> {
        T get() throws Exception;
    }

    /** A handler body with no value. */
    interface Action {
        void run() throws Exception;
    }

    private static void operation(ServerResponse res, Action a) {
        try {
            a.run();
            res.header(HeaderValues.CONTENT_TYPE_JSON);
            res.send(SUCCESS);
        } catch (Exception e) {
            fail(res, e);
        }
    }

    private static void answer(ServerResponse res, Body<?> b) {
        byte[] out;
        try {
            out = DtmJson.writeBytes(b.get());
        } catch (Exception e) {
            fail(res, e);
            return;
        }
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        res.send(out);
    }

    private static void fail(ServerResponse res, Throwable e) {
        ErrorMapper.Answer a = ErrorMapper.map(e);
        res.status(Status.create(a.status()));
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        if (a.retryAfterSeconds() > 0) {
            res.header(HeaderNames.RETRY_AFTER, Integer.toString(a.retryAfterSeconds()));
        }
        res.send(DtmJson.writeBytes(a.body()));
    }

    private static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
