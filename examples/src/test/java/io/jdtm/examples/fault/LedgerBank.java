package io.jdtm.examples.fault;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.jdtm.client.BarrierDialect;
import io.jdtm.client.BarrierSchema;
import io.jdtm.client.BranchBarrier;
import io.jdtm.client.DtmFailureException;
import io.jdtm.client.RmResponse;
import io.jdtm.client.RmResponses;
import io.jdtm.protocol.DtmJson;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;

/**
 * The bank RM of the fault workload: a real HTTP service whose saga handlers move money between {@code accounts}
 * in PostgreSQL, every one behind the jdtm-client {@link BranchBarrier}, and write one ledger row per applied effect
 * (gid, branch, op, account, amount) in the same local transaction as the balance change — so a check can tell, per
 * transaction, which effects were applied. The {@link Faults} decide per call whether it is late, answers 500 before
 * or after committing, or is served normally; TransOut answers FAILURE on insufficient funds and TransIn when the
 * transfer asks it to refuse. Compensations never refuse (a balance may go negative, as a bank's would be in debt).
 *
 * <p>Every call is recorded (route, op, fault, answer, whether the effect ran) so a violation can be shown with the
 * calls that led to it. Thread-safe; one virtual thread per request.
 */
final class LedgerBank implements AutoCloseable {
    /** One call the bank answered, for the report of a violating transaction. */
    record Call(long atMillis, String route, String branchId, String op, Faults.Kind fault, int status,
            boolean applied, long tookMillis) {
        @Override
        public String toString() {
            return String.format("+%d.%03ds %-18s %s/%-10s fault=%-12s -> %d%s (%d ms)", atMillis / 1000,
                    atMillis % 1000, route, branchId, op, fault, status, applied ? " APPLIED" : "", tookMillis);
        }
    }

    /** A ledger row: one applied effect. */
    record Entry(String gid, String branchId, String op, String route, int account, long amount) {
        @Override
        public String toString() {
            return String.format("%s/%s %s account %d %+d", branchId, op, route, account, amount);
        }
    }

    private final HikariDataSource ds;
    private final String schema;
    private final String barrierTable;
    private final Faults faults;
    private final long start = System.nanoTime();
    private final java.time.Instant started = java.time.Instant.now();
    private final HttpServer server;
    private final Map<String, List<Call>> calls = new ConcurrentHashMap<>();
    private final LongAdder insufficientFunds = new LongAdder();
    private final LongAdder refusals = new LongAdder();
    private final LongAdder applied = new LongAdder();
    private final LongAdder served = new LongAdder();

    /**
     * Creates {@code schema} (accounts, ledger, barrier) in the database at {@code jdbcUrl}, every account with
     * {@code initialBalance}, and starts serving on a free port.
     */
    LedgerBank(String jdbcUrl, String schema, int accounts, long initialBalance, Faults faults) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(jdbcUrl);
        hc.setMaximumPoolSize(20);
        hc.setConnectionTimeout(10_000); // an overloaded bank answers 500 after 10 s instead of 30
        hc.setPoolName("bank");
        this.ds = new HikariDataSource(hc);
        this.schema = schema;
        this.barrierTable = schema + ".barrier";
        this.faults = faults;
        sql("drop schema if exists " + schema + " cascade",
                "create schema " + schema,
                "create table " + schema + ".account (id int primary key, balance bigint not null)",
                "create table " + schema + ".ledger (id bigserial primary key, gid varchar(128) not null, "
                        + "branch_id varchar(16) not null, op varchar(16) not null, route varchar(32) not null, "
                        + "account int not null, amount bigint not null, at timestamptz not null default clock_timestamp())",
                "create index on " + schema + ".ledger (gid)",
                "insert into " + schema + ".account select g, " + initialBalance + " from generate_series(1, "
                        + accounts + ") g");
        BarrierSchema.create(ds, BarrierDialect.POSTGRES, barrierTable);
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        } catch (IOException e) {
            throw new IllegalStateException("the bank cannot listen: " + e.getMessage(), e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/api/busi/", this::serve);
        server.start();
    }

    /** When the bank started: the zero of the call times in {@link Call#atMillis}. */
    java.time.Instant started() {
        return started;
    }

    /** The base URL of the saga routes. */
    String busiUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/api/busi";
    }

    /** FAILURE answers for insufficient funds, TransIn refusals, applied effects, calls served. */
    long insufficientFunds() {
        return insufficientFunds.sum();
    }

    long refusals() {
        return refusals.sum();
    }

    long applied() {
        return applied.sum();
    }

    long served() {
        return served.sum();
    }

    /** The calls a transaction received, in the order they arrived. */
    List<Call> calls(String gid) {
        List<Call> l = calls.get(gid);
        if (l == null) {
            return List.of();
        }
        synchronized (l) {
            return l.stream().sorted(java.util.Comparator.comparingLong(Call::atMillis)).toList();
        }
    }

    /** The ledger grouped by gid (rows in commit order per transaction) and every balance, read together. */
    record Books(Map<String, List<Entry>> ledger, Map<Integer, Long> balances) {}

    /**
     * The ledger and the balances from one snapshot (REPEATABLE READ), so they agree with each other even if a TM
     * still drives transactions while they are read (a drain that did not finish).
     */
    Books books() {
        Map<String, List<Entry>> ledger = new HashMap<>();
        Map<Integer, Long> balances = new HashMap<>();
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false); // one snapshot; also lets the driver stream with a fetch size
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try (PreparedStatement st = c.prepareStatement("select gid, branch_id, op, route, account, amount from "
                    + schema + ".ledger order by id")) {
                st.setFetchSize(10_000);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        Entry e = new Entry(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                rs.getInt(5), rs.getLong(6));
                        ledger.computeIfAbsent(e.gid(), g -> new ArrayList<>()).add(e);
                    }
                }
            }
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("select id, balance from " + schema + ".account")) {
                while (rs.next()) {
                    balances.put(rs.getInt(1), rs.getLong(2));
                }
            }
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("reading the books failed: " + e.getMessage(), e);
        }
        return new Books(ledger, balances);
    }

    private void serve(HttpExchange ex) throws IOException {
        long t0 = System.nanoTime();
        String path = ex.getRequestURI().getPath();
        String route = path.substring(path.lastIndexOf('/') + 1);
        Map<String, String> q = RmResponses.parseQuery(ex.getRequestURI().getRawQuery());
        byte[] body = ex.getRequestBody().readAllBytes();
        Faults.Kind fault = faults.next();
        boolean[] ran = {false};
        RmResponse resp;
        if (fault == Faults.Kind.ERROR_BEFORE) {
            resp = RmResponses.error("injected: error before the effect");
        } else {
            if (fault == Faults.Kind.SLOW_BEFORE) {
                pause(faults.delay());
            }
            resp = RmResponses.handle(() -> {
                JsonNode t = DtmJson.mapper().readTree(body);
                BranchBarrier.fromQuery(q).withTable(barrierTable).withDialect(BarrierDialect.POSTGRES)
                        .callWithDataSource(ds, tx -> {
                            business(tx, route, q, t);
                            ran[0] = true;
                        });
            });
            // the effect counts as applied only when its local transaction committed (a refusal rolls it back)
            ran[0] = ran[0] && resp.status() == 200;
            if (fault == Faults.Kind.ERROR_AFTER) {
                resp = RmResponses.error("injected: error after the effect (real answer " + resp.status() + ")");
            } else if (fault == Faults.Kind.SLOW_AFTER) {
                pause(faults.delay());
            }
        }
        if (ran[0]) {
            applied.increment();
        }
        served.increment();
        String gid = q.getOrDefault("gid", "");
        List<Call> l = calls.computeIfAbsent(gid, g -> new ArrayList<>(4));
        synchronized (l) {
            l.add(new Call(Duration.ofNanos(t0 - start).toMillis(), route, q.getOrDefault("branch_id", ""),
                    q.getOrDefault("op", ""), fault, resp.status(), ran[0],
                    Duration.ofNanos(System.nanoTime() - t0).toMillis()));
        }
        byte[] out = resp.body().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", RmResponse.CONTENT_TYPE);
        try {
            ex.sendResponseHeaders(resp.status(), out.length == 0 ? -1 : out.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(out);
            }
        } catch (IOException e) {
            // the TM stopped waiting (a slow call) or died: the answer is lost, which is the point
        } finally {
            ex.close();
        }
    }

    /** The effect of one route, in the barrier's local transaction. */
    private void business(Connection tx, String route, Map<String, String> q, JsonNode t) throws SQLException {
        int from = t.path("from").asInt();
        int to = t.path("to").asInt();
        long amount = t.path("amount").asLong();
        switch (route) {
            case "TransOut" -> {
                if (move(tx, from, -amount, true) == 0) {
                    insufficientFunds.increment();
                    throw new DtmFailureException("insufficient funds on account " + from);
                }
                ledger(tx, q, route, from, -amount);
            }
            case "TransOutCompensate" -> {
                move(tx, from, amount, false);
                ledger(tx, q, route, from, amount);
            }
            case "TransIn" -> {
                if (t.path("refuse").asBoolean()) {
                    refusals.increment();
                    throw new DtmFailureException("account " + to + " is closed");
                }
                move(tx, to, amount, false);
                ledger(tx, q, route, to, amount);
            }
            case "TransInCompensate" -> {
                move(tx, to, -amount, false);
                ledger(tx, q, route, to, -amount);
            }
            default -> throw new IllegalArgumentException("no route " + route);
        }
    }

    private int move(Connection tx, int account, long delta, boolean checkFunds) throws SQLException {
        try (PreparedStatement st = tx.prepareStatement("update " + schema + ".account set balance = balance + ? "
                + "where id = ?" + (checkFunds ? " and balance + ? >= 0" : ""))) {
            st.setLong(1, delta);
            st.setInt(2, account);
            if (checkFunds) {
                st.setLong(3, delta);
            }
            return st.executeUpdate();
        }
    }

    private void ledger(Connection tx, Map<String, String> q, String route, int account, long amount)
            throws SQLException {
        try (PreparedStatement st = tx.prepareStatement("insert into " + schema + ".ledger (gid, branch_id, op, "
                + "route, account, amount) values (?, ?, ?, ?, ?, ?)")) {
            st.setString(1, q.get("gid"));
            st.setString(2, q.get("branch_id"));
            st.setString(3, q.get("op"));
            st.setString(4, route);
            st.setInt(5, account);
            st.setLong(6, amount);
            st.executeUpdate();
        }
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d); // the injected slowness itself
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void sql(String... statements) {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("the bank database is not usable (" + e.getMessage() + ")", e);
        }
    }

    /** Stops serving; drops the schema unless {@code keep}. */
    void close(boolean keep) {
        server.stop(0);
        if (!keep) {
            try {
                sql("drop schema if exists " + schema + " cascade");
            } catch (IllegalStateException e) {
                // best effort: the name is unique per run
            }
        }
        ds.close();
    }

    @Override
    public void close() {
        close(false);
    }
}
