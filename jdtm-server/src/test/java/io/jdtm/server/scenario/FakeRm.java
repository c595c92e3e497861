package io.jdtm.server.scenario;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;

/**
 * A real business service (RM) over HTTP for scenario tests: every path answers {@code 200 SUCCESS} unless a test
 * scripted other answers for it; every call is recorded with its method, query, headers and body.
 * Thread-safe.
 */
public final class FakeRm implements AutoCloseable {

    /** One scripted answer; {@code delay} simulates a slow service. */
    public record Reply(int status, String body, Duration delay) {
        public static Reply of(int status, String body) {
            return new Reply(status, body, Duration.ZERO);
        }

        public static final Reply SUCCESS = of(200, "{\"dtm_result\":\"SUCCESS\"}");
        public static final Reply FAILURE = of(409, "{\"dtm_result\":\"FAILURE\",\"message\":\"Insufficient balance\"}");
        public static final Reply ONGOING = of(425, "{\"dtm_result\":\"ONGOING\"}");
        public static final Reply ERROR = of(500, "{\"error\":\"boom\"}");
    }

    /** One recorded call; {@code body} is {@code rawBody} read as UTF-8 (lossy for bytes that are not UTF-8). */
    public record Call(String method, String path, Map<String, String> query, Map<String, String> headers,
            String body, Instant at, byte[] rawBody) {
        public String gid() {
            return query.getOrDefault("gid", "");
        }

        public String op() {
            return query.getOrDefault("op", "");
        }

        public String branchId() {
            return query.getOrDefault("branch_id", "");
        }
    }

    /**
     * When one call was being handled: from its arrival to the moment its answer started to be sent, and the
     * status it was answered with.
     */
    public record Span(String gid, String path, String op, String branchId, Instant start, Instant end, int status) {
        public boolean overlaps(Span o) {
            return start.isBefore(o.end) && o.start.isBefore(end);
        }
    }

    private final HttpServer server;
    private final List<Span> spans = new CopyOnWriteArrayList<>();
    private final Answers<Reply> answers = new Answers<>(Reply.SUCCESS, Reply.ERROR);
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger peak = new java.util.concurrent.atomic.AtomicInteger();

    private FakeRm(SSLContext tls) throws IOException {
        InetSocketAddress at = new InetSocketAddress("127.0.0.1", 0);
        if (tls == null) {
            server = HttpServer.create(at, 512);
        } else {
            HttpsServer https = HttpsServer.create(at, 512);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            server = https;
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    public static FakeRm start() {
        return start(null);
    }

    /** An RM over HTTPS with the certificate of {@code tls} ({@link #url} then says https). */
    public static FakeRm start(SSLContext tls) {
        try {
            return new FakeRm(tls);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public String url(String path) {
        return (server instanceof HttpsServer ? "https" : "http") + "://localhost:" + server.getAddress().getPort()
                + path;
    }

    /** Every later call to {@code path} gets this answer (after any scripted ones). */
    public FakeRm answer(String path, Reply r) {
        answers.fix(path, r);
        return this;
    }

    /** The next calls to {@code path} get these answers, in order; then the fixed answer or SUCCESS. */
    public FakeRm script(String path, Reply... replies) {
        answers.script(path, List.of(replies));
        return this;
    }

    public List<Call> calls() {
        return List.copyOf(calls);
    }

    public List<Call> calls(String path) {
        return calls.stream().filter(c -> c.path().equals(path)).toList();
    }

    public List<Call> calls(Predicate<Call> p) {
        return calls.stream().filter(p).toList();
    }

    public int count(String path) {
        return calls(path).size();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        Map<String, String> query = parseQuery(ex.getRequestURI().getRawQuery());
        Map<String, String> headers = new HashMap<>();
        ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), String.join(",", v)));
        byte[] raw = ex.getRequestBody().readAllBytes();
        String body = new String(raw, StandardCharsets.UTF_8);
        Instant start = Instant.now();
        calls.add(new Call(ex.getRequestMethod(), path, query, headers, body, start, raw));
        peak.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        int status = 0;
        Instant end = null;
        try {
            Reply r = answers.next(path);
            status = r.status();
            delay(r);
            // the span ends as the answer starts: the TM cannot have it earlier, and may call again at once
            end = Instant.now();
            reply(ex, r);
        } finally {
            inFlight.decrementAndGet();
            spans.add(new Span(query.getOrDefault("gid", ""), path, query.getOrDefault("op", ""),
                    query.getOrDefault("branch_id", ""), start, end == null ? Instant.now() : end, status));
        }
    }

    /** Holds the next call to {@code path} (after earlier holds of it) at a gate. */
    public Gate<Reply> hold(String path) {
        return answers.hold(path);
    }


    /** Every answered call's span, in the order the answers ended. */
    public List<Span> spans() {
        return List.copyOf(spans);
    }

    /** The most calls this RM was answering at the same time. */
    public int peakConcurrency() {
        return peak.get();
    }

    private static void delay(Reply r) {
        if (!r.delay().isZero()) {
            try {
                Thread.sleep(r.delay().toMillis()); // a deliberately slow service
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void reply(HttpExchange ex, Reply r) throws IOException {
        byte[] out = r.body().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(r.status(), out.length == 0 ? -1 : out.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(out);
        }
    }


    static Map<String, String> parseQuery(String raw) {
        Map<String, String> m = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return m;
        }
        for (String part : raw.split("&")) {
            int eq = part.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            m.put(k, v);
        }
        return m;
    }

    /** Paths called, in order, for one gid (e.g. {@code [/TransOut, /TransIn]}). */
    public List<String> pathsFor(String gid) {
        List<String> out = new ArrayList<>();
        for (Call c : calls) {
            if (c.gid().equals(gid)) {
                out.add(c.path());
            }
        }
        return out;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
