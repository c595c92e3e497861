package io.jdtm.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.jdtm.client.BranchBarrier;
import io.jdtm.client.DtmClient;
import io.jdtm.client.DtmFailureException;
import io.jdtm.client.RmResponse;
import io.jdtm.client.RmResponses;
import io.jdtm.client.XaLocal;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * The business service of DTM's "transfer" quick start: user 1 pays {@code amount} to user 2. It is the RM of every
 * example — saga actions and compensations, TCC try/confirm/cancel, XA branches and the msg QueryPrepared — each
 * handler behind the branch barrier so retries, null compensations and late actions are harmless. It also serves the
 * application's own routes (the workflow callback), since the examples keep AP and RM in one process.
 *
 * <p>A request body {@code {"amount":30,"trans_in_result":"FAILURE"}} makes the TransIn handlers refuse, which is how
 * the examples show a rollback. Every call is printed as it is answered.
 */
public final class Bank implements AutoCloseable {
    public static final int PAYER = Accounts.PAYER;
    public static final int PAYEE = Accounts.PAYEE;
    public static final int INITIAL_BALANCE = Accounts.INITIAL_BALANCE;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A route: query parameters and body in, answer out. */
    @FunctionalInterface
    public interface Route {
        RmResponse handle(Map<String, String> query, byte[] body) throws Exception;
    }

    private final Accounts accounts;
    private final PrintStream out;
    private final XaLocal xa;
    private final HttpServer server;
    private final Map<String, Route> routes = new ConcurrentHashMap<>();

    /**
     * Starts the service on {@code port} (0 = any free port) over the accounts in {@code <schema>.user_account}.
     */
    public Bank(Database db, String schema, int port, DtmClient dtm, PrintStream out) {
        this(new Accounts(db, schema), db, port, dtm, out);
    }

    Bank(Accounts accounts, Database db, int port, DtmClient dtm, PrintStream out) {
        this.accounts = accounts;
        this.out = out;
        this.xa = dtm.xaLocal(db.xaDataSource());
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        } catch (IOException e) {
            throw new IllegalStateException("the bank cannot listen on port " + port + ": " + e.getMessage(), e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::serve);

        // saga, tcc, msg, workflow: the business of each branch behind the barrier of the request's
        // (trans_type, gid, branch_id, op)
        for (String name : Accounts.branches()) {
            route("/api/busi/" + name, (q, b) -> RmResponses.handle(() -> {
                Req r = Req.of(b);
                accounts.run(name, BranchBarrier.fromQuery(q), r.amount(), r.transInFails());
            }));
        }
        // xa: one URL per branch for phase 1 (op=action) and phase 2 (op=commit|rollback)
        route("/api/busi/TransOutXa", (q, b) -> RmResponses.handle(
                () -> xa.handle(q, tx -> accounts.adjust(tx, PAYER, -Req.of(b).amount()))));
        route("/api/busi/TransInXa", (q, b) -> RmResponses.handle(
                () -> xa.handle(q, tx -> accounts.adjust(tx, PAYEE, Req.of(b).refusedIfAsked()))));
        // msg: did the AP's local transaction commit?
        route("/api/busi/QueryPrepared", (q, b) -> RmResponses.handle(
                () -> BranchBarrier.fromQuery(q).queryPrepared(accounts.dataSource())));
        server.start();
    }

    /** The base URL of the business routes, e.g. {@code http://127.0.0.1:8081/api/busi}. */
    public String busiUrl() {
        return baseUrl() + "/api/busi";
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Adds a route of the application (e.g. the workflow callback) under {@code path}. */
    public void route(String path, Route route) {
        routes.put(path, route);
    }

    /** The body of a transfer request; {@code transInFails} makes the TransIn handlers answer FAILURE. */
    public static Map<String, Object> transfer(int amount, boolean transInFails) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("amount", amount);
        if (transInFails) {
            m.put("trans_in_result", "FAILURE");
        }
        return m;
    }

    /** Both users back to {@value #INITIAL_BALANCE}, nothing frozen. */
    public void reset() {
        accounts.reset();
    }

    /** The balances of user 1 and user 2. */
    public List<Integer> balances() {
        return accounts.balances();
    }

    /** The bank's database (the msg example's AP shares it for its local transaction). */
    public javax.sql.DataSource dataSource() {
        return accounts.dataSource();
    }

    /** Debits the payer inside the caller's local transaction (the AP side of the msg example). */
    public void debit(Connection tx, int amount) throws SQLException {
        accounts.adjust(tx, PAYER, -amount);
    }

    /** A transfer request as the handlers read it. */
    record Req(int amount, boolean transInFails) {
        static Req of(byte[] body) throws IOException {
            JsonNode n = JSON.readTree(body.length == 0 ? "{}".getBytes() : body);
            return new Req(n.path("amount").asInt(), "FAILURE".equals(n.path("trans_in_result").asText("")));
        }

        /** The amount, or FAILURE when the request asks TransIn to refuse. */
        int refusedIfAsked() {
            if (transInFails) {
                throw new DtmFailureException("TransIn refused: the request asked for FAILURE");
            }
            return amount;
        }
    }

    private void serve(HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        String path = ex.getRequestURI().getPath();
        Map<String, String> q = RmResponses.parseQuery(ex.getRequestURI().getRawQuery());
        Route route = routes.get(path);
        RmResponse resp;
        if (route == null) {
            resp = new RmResponse(404, "{\"error\":\"no route " + path + "\"}");
        } else {
            try {
                resp = route.handle(q, body);
            } catch (Exception e) {
                resp = RmResponses.of(e);
            }
        }
        print(path, q, body, resp);
        byte[] out = resp.body().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", RmResponse.CONTENT_TYPE);
        ex.sendResponseHeaders(resp.status(), out.length == 0 ? -1 : out.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(out);
        }
    }

    private void print(String path, Map<String, String> q, byte[] body, RmResponse resp) {
        String who = path.startsWith("/api/busi/") ? "bank" : "app ";
        String name = path.substring(path.lastIndexOf('/') + 1);
        String outcome = switch (resp.status()) {
            case 200 -> "SUCCESS";
            case 409 -> "FAILURE";
            case 425 -> "ONGOING";
            default -> "ERROR " + resp.status();
        };
        String amount = "";
        try {
            JsonNode n = JSON.readTree(body.length == 0 ? "{}".getBytes() : body);
            amount = n.has("amount") ? "amount " + n.get("amount").asInt() : "";
        } catch (IOException ignored) {
            // not JSON: nothing to show
        }
        printCall(out, who, name, q.getOrDefault("branch_id", ""), q.getOrDefault("op", ""), amount, outcome);
    }

    /** One line per answered call, the same for the HTTP and the gRPC bank. */
    static void printCall(PrintStream out, String who, String name, String branchId, String op, String amount,
            String outcome) {
        out.printf("  %s <- %-18s branch %-3s op %-9s %-10s -> %s%n", who, name, branchId, op, amount, outcome);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
