package io.jdtm.client.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariDataSource;
import io.jdtm.client.BarrierDialect;
import io.jdtm.client.BranchBarrier;
import io.jdtm.client.DtmFailureException;
import io.jdtm.client.RmResponse;
import io.jdtm.client.RmResponses;
import io.jdtm.protocol.DtmJson;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A real RM for end-to-end tests: a bank with two accounts in a real SQL database, every handler behind the branch
 * barrier, served over HTTP by a {@link RecordingServer}. Account 1 pays, account 2 receives. Tests make a handler
 * answer FAILURE with {@link #fail(String)}.
 */
public final class BankRm implements AutoCloseable {
    public final RecordingServer http = new RecordingServer();
    private final TestAccounts accounts;
    private final HikariDataSource ds;
    private final String table;
    private final Set<String> failing = ConcurrentHashMap.newKeySet();
    private final Map<String, RmResponse> injected = new ConcurrentHashMap<>();

    public BankRm(HikariDataSource ds, BarrierDialect dialect) {
        this.accounts = new TestAccounts(ds, dialect, "jdtm_sdk_bank");
        this.ds = ds;
        this.table = accounts.barrierTable();
        // saga and msg
        http.on("/api/TransOut", r -> adjust(r, 1, -1));
        http.on("/api/TransOutRevert", r -> adjust(r, 1, +1));
        http.on("/api/TransIn", r -> adjust(r, 2, +1));
        http.on("/api/TransInRevert", r -> adjust(r, 2, -1));
        // tcc: Try moves the money, Confirm has nothing left to do, Cancel moves it back
        http.on("/api/TransOutTry", r -> adjust(r, 1, -1));
        http.on("/api/TransOutConfirm", r -> adjust(r, 1, 0));
        http.on("/api/TransOutCancel", r -> adjust(r, 1, +1));
        http.on("/api/TransInTry", r -> adjust(r, 2, +1));
        http.on("/api/TransInConfirm", r -> adjust(r, 2, 0));
        http.on("/api/TransInCancel", r -> adjust(r, 2, -1));
        // msg QueryPrepared for a msg whose local transaction ran with doAndSubmitDb
        http.on("/api/QueryPrepared", r -> RmResponses.handle(
                () -> BranchBarrier.fromQuery(r.query()).withTable(table).queryPrepared(ds)));
    }

    /** Serves XA branches {@code /api/TransOutXa} and {@code /api/TransInXa} through the SDK's RM-side XA helper. */
    public void enableXa(io.jdtm.client.XaLocal xa) {
        io.jdtm.client.XaLocal local = xa.withBarrierTable(table);
        http.on("/api/TransOutXa", r -> xaAdjust(local, r, 1, -1));
        http.on("/api/TransInXa", r -> xaAdjust(local, r, 2, +1));
    }

    private RmResponse xaAdjust(io.jdtm.client.XaLocal xa, RecordingServer.Request r, int account, int sign) {
        return RmResponses.handle(() -> {
            int amount = amount(r.body());
            xa.handle(r.query(), tx -> {
                if (failing.contains(r.path())) {
                    throw new DtmFailureException("Insufficient balance");
                }
                accounts.update(tx, account, (long) sign * amount);
            });
        });
    }

    public String url() {
        return http.url() + "/api";
    }

    public String barrierTable() {
        return table;
    }

    public HikariDataSource dataSource() {
        return ds;
    }

    /** Makes the handler at {@code path} (e.g. {@code /api/TransIn}) answer FAILURE: "Insufficient balance". */
    public void fail(String path) {
        failing.add(path);
    }

    /** Makes the handler at {@code path} answer 500 before touching the database, until {@link #heal()}. */
    public void error(String path) {
        injected.put(path, RmResponses.error("injected error at " + path));
    }

    /** Makes the handler at {@code path} answer {@code response} before touching the database, until {@link #heal()}. */
    public void inject(String path, RmResponse response) {
        injected.put(path, response);
    }

    /** Undoes {@link #error(String)} and {@link #fail(String)}. */
    public void heal() {
        injected.clear();
        failing.clear();
    }

    public void reset() {
        heal();
        accounts.reset();
    }

    public List<Integer> balances() {
        return accounts.balances();
    }

    /** Moves money on account 1 of the local database inside a caller's transaction (the AP side of a msg). */
    public void debit(Connection tx, int amount) throws SQLException {
        accounts.update(tx, 1, -amount);
    }

    private RmResponse adjust(RecordingServer.Request r, int account, int sign) {
        RmResponse injectedAnswer = injected.get(r.path());
        if (injectedAnswer != null) {
            return injectedAnswer;
        }
        return RmResponses.handle(() -> {
            int amount = amount(r.body());
            BranchBarrier.fromQuery(r.query()).withTable(table).callWithDataSource(ds, tx -> {
                if (failing.contains(r.path())) {
                    throw new DtmFailureException("Insufficient balance");
                }
                accounts.update(tx, account, (long) sign * amount);
            });
        });
    }

    private static int amount(String body) throws Exception {
        if (body.isEmpty()) {
            return 0;
        }
        JsonNode n = DtmJson.mapper().readTree(body);
        return n.path("amount").asInt();
    }

    @Override
    public void close() {
        http.close();
        accounts.drop();
    }
}
