package io.jdtm.client.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.jdtm.client.RmResponse;
import io.jdtm.client.RmResponses;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A real HTTP server on a free port that records every request and answers from a per-path rule the test switches —
 * used as a fake RM and as a fake TM. Paths without a rule answer {@code 200 {"dtm_result":"SUCCESS"}}.
 */
public final class RecordingServer implements AutoCloseable {

    /** One recorded request. */
    public record Request(String method, String path, Map<String, String> query, Map<String, List<String>> headers,
            String body) {
        public String header(String name) {
            for (var e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }
    }

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, Function<Request, RmResponse>> rules = new ConcurrentHashMap<>();

    public RecordingServer() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Every request to {@code path} is answered by {@code rule}. */
    public RecordingServer on(String path, Function<Request, RmResponse> rule) {
        rules.put(path, rule);
        return this;
    }

    /** Every request to {@code path} gets this answer. */
    public RecordingServer answer(String path, RmResponse response) {
        return on(path, r -> response);
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public List<Request> requests(String path) {
        return requests.stream().filter(r -> r.path().equals(path)).toList();
    }

    public List<String> paths() {
        return requests.stream().map(Request::path).toList();
    }

    private void handle(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Request r = new Request(ex.getRequestMethod(), ex.getRequestURI().getPath(),
                RmResponses.parseQuery(ex.getRequestURI().getRawQuery()), Map.copyOf(ex.getRequestHeaders()), body);
        requests.add(r);
        RmResponse resp;
        try {
            resp = rules.getOrDefault(r.path(), x -> RmResponses.success()).apply(r);
        } catch (RuntimeException e) {
            resp = RmResponses.of(e);
        }
        byte[] out = resp.body().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", RmResponse.CONTENT_TYPE);
        ex.sendResponseHeaders(resp.status(), out.length == 0 ? -1 : out.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(out);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
