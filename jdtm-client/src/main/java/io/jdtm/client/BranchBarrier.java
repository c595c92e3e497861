package io.jdtm.client;

import io.jdtm.client.internal.Checks;
import io.jdtm.protocol.Ops;
import io.jdtm.protocol.TransType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * DTM's sub-transaction barrier (spec §9): makes a branch handler safe against repeated requests, compensation
 * without a prior action ("null compensation") and an action arriving after its compensation ("hanging"), by
 * inserting a row into the barrier table <em>in the same local transaction</em> as the business SQL.
 *
 * <pre>{@code
 * // inside an RM handler for .../TransOut?gid=…&trans_type=saga&branch_id=01&op=action
 * BranchBarrier.fromQuery(queryParams).callWithDataSource(dataSource, tx -> {
 *     try (var st = tx.prepareStatement("update account set balance = balance - ? where id = ?")) { … }
 * });
 * }</pre>
 *
 * <p>Make one barrier per incoming request: it numbers its calls ({@code barrier_id} {@code 01}, {@code 02}, …), so a
 * handler may protect several local transactions and a retried request reuses the same ids. It is safe to use from
 * one request's threads but must not be shared between requests. The table defaults to
 * {@value #DEFAULT_TABLE} (create it with {@code barrier.mysql.sql}/{@code barrier.postgres.sql} or
 * {@link BarrierSchema}); the dialect is detected from the connection unless set.
 */
public final class BranchBarrier {

    /** DTM's default barrier table. */
    public static final String DEFAULT_TABLE = "dtm_barrier.barrier";

    private static final Pattern TABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");

    /** Business code run inside the barrier's local transaction; throw {@link DtmFailureException} for FAILURE. */
    @FunctionalInterface
    public interface Business {
        void run(Connection tx) throws Exception;
    }

    private final String transType;
    private final String gid;
    private final String branchId;
    private final String op;
    private final String table;
    private final BarrierDialect dialect; // null: detect from the connection
    private final AtomicInteger barrierId = new AtomicInteger();

    private BranchBarrier(String transType, String gid, String branchId, String op, String table,
            BarrierDialect dialect) {
        this.transType = transType;
        this.gid = gid;
        this.branchId = branchId;
        this.op = op;
        this.table = table;
        this.dialect = dialect;
    }

    /**
     * The barrier of a branch request, from the query parameters the TM sends: {@code trans_type}, {@code gid},
     * {@code branch_id}, {@code op} — all required.
     *
     * @throws IllegalArgumentException naming the first missing parameter
     */
    public static BranchBarrier fromQuery(Map<String, String> query) {
        Checks.notNull("query", query);
        return of(query.get("trans_type"), query.get("gid"), query.get("branch_id"), query.get("op"));
    }

    /** A barrier from its four identifying values, all required. */
    public static BranchBarrier of(String transType, String gid, String branchId, String op) {
        return new BranchBarrier(required("trans_type", transType), required("gid", gid),
                required("branch_id", branchId), required("op", op), DEFAULT_TABLE, null);
    }

    private static String required(String name, String v) {
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException("barrier needs the '" + name + "' parameter; it is missing or empty");
        }
        return v;
    }

    /** The same barrier over another table ({@code schema.table} or {@code table}). */
    public BranchBarrier withTable(String table) {
        if (table == null || !TABLE.matcher(table).matches()) {
            throw new IllegalArgumentException("barrier table must look like schema.table, was '" + table + "'");
        }
        return new BranchBarrier(transType, gid, branchId, op, table, dialect);
    }

    /** The same barrier with a fixed dialect instead of detecting it. */
    public BranchBarrier withDialect(BarrierDialect d) {
        return new BranchBarrier(transType, gid, branchId, op, table, Checks.notNull("dialect", d));
    }

    public String transType() {
        return transType;
    }

    public String gid() {
        return gid;
    }

    public String branchId() {
        return branchId;
    }

    public String op() {
        return op;
    }

    public String table() {
        return table;
    }

    /** The fixed dialect, if one was set. */
    public Optional<BarrierDialect> dialect() {
        return Optional.ofNullable(dialect);
    }

    /** The next barrier id ({@code 01}, {@code 02}, …), shared by SQL and Redis calls on this barrier. */
    String nextBarrierId() {
        int n = barrierId.incrementAndGet();
        return n < 10 ? "0" + n : Integer.toString(n);
    }

    /** The op whose row a compensation blocks: try for cancel, action for compensate and (workflow) rollback. */
    static String originOp(String op) {
        return switch (op) {
            case Ops.CANCEL -> Ops.TRY;
            case Ops.COMPENSATE, Ops.ROLLBACK -> Ops.ACTION;
            default -> "";
        };
    }

    /**
     * Runs {@code business} behind the barrier on {@code conn} (spec §9.2). The barrier rows and the business SQL
     * share one local transaction:
     *
     * <ul>
     *   <li>If {@code conn} is in auto-commit mode, the barrier begins, commits or rolls back the transaction itself
     *       and restores auto-commit.
     *   <li>Otherwise it joins the caller's transaction (for example one managed by Spring) and neither commits nor
     *       rolls back: the caller must roll back when this method throws.
     * </ul>
     *
     * <p>The business code is skipped (and the call succeeds) for a repeated request, for a compensation whose
     * action never ran, and for an action arriving after its compensation.
     *
     * @throws DtmDuplicatedException op {@code msg} and the row exists (the TM already asked QueryPrepared)
     * @throws DtmFailureException or any other unchecked exception thrown by {@code business}, unchanged
     * @throws DtmUnknownException on a database error or a checked exception from {@code business} (cause attached)
     */
    public void call(Connection conn, Business business) {
        Checks.notNull("connection", conn);
        Checks.notNull("business", business);
        boolean own;
        try {
            own = conn.getAutoCommit();
            if (own) {
                conn.setAutoCommit(false);
            }
        } catch (SQLException e) {
            throw new DtmUnknownException("barrier could not start a local transaction: " + e, gid, e);
        }
        try {
            callInTransaction(conn, business);
            if (own) {
                conn.commit();
            }
        } catch (Throwable e) {
            if (own) {
                try {
                    conn.rollback();
                } catch (SQLException re) {
                    e.addSuppressed(re);
                }
            }
            throw unchecked(e, gid);
        } finally {
            if (own) {
                try {
                    conn.setAutoCommit(true);
                } catch (SQLException ignored) {
                    // the connection is broken; the pool will discard it
                }
            }
        }
    }

    /**
     * {@link #call} on a connection taken from {@code dataSource} (and returned to it afterwards), in its own local
     * transaction.
     */
    public void callWithDataSource(DataSource dataSource, Business business) {
        Checks.notNull("dataSource", dataSource);
        try (Connection c = dataSource.getConnection()) {
            if (!c.getAutoCommit()) {
                c.setAutoCommit(true);
            }
            call(c, business);
        } catch (SQLException e) {
            throw new DtmUnknownException("barrier could not get a connection: " + e, gid, e);
        }
    }

    private void callInTransaction(Connection tx, Business business) throws Exception {
        BarrierDialect d = dialect != null ? dialect : BarrierDialect.of(tx);
        String bid = nextBarrierId();
        String origin = originOp(op);
        int originAffected = origin.isEmpty() ? 0 : insert(tx, d, origin, bid, op);
        int currentAffected = insert(tx, d, op, bid, op);
        if (Ops.MSG.equals(op) && currentAffected == 0) {
            throw new DtmDuplicatedException("msg barrier of " + gid + " already exists: the TM asked QueryPrepared "
                    + "first, or the business transaction already ran", gid);
        }
        boolean nullCompensation = !origin.isEmpty() && originAffected > 0;
        if (nullCompensation || currentAffected == 0) {
            return; // null compensation, repeated request or hanging action: nothing to do, success
        }
        business.run(tx);
    }

    private int insert(Connection tx, BarrierDialect d, String rowOp, String bid, String reason) throws SQLException {
        try (PreparedStatement st = tx.prepareStatement(d.insertIgnore(table))) {
            st.setString(1, transType);
            st.setString(2, gid);
            st.setString(3, branchId);
            st.setString(4, rowOp);
            st.setString(5, bid);
            st.setString(6, reason);
            return st.executeUpdate();
        }
    }

    /**
     * The body of the AP's QueryPrepared endpoint for a msg started with {@link Msg#doAndSubmitDb} (spec §9.3):
     * returns normally when the local transaction committed (the TM then submits the msg) and throws
     * {@link DtmFailureException} when it did not — in that case it also makes sure it never will.
     *
     * @throws DtmFailureException the msg must roll back (answer 409)
     * @throws DtmUnknownException database error (answer 500; the TM asks again)
     */
    public void queryPrepared(DataSource dataSource) {
        Checks.notNull("dataSource", dataSource);
        try (Connection c = dataSource.getConnection()) {
            if (!c.getAutoCommit()) {
                c.setAutoCommit(true);
            }
            BarrierDialect d = dialect != null ? dialect : BarrierDialect.of(c);
            try (PreparedStatement st = c.prepareStatement(d.insertIgnore(table))) {
                st.setString(1, TransType.MSG.wire());
                st.setString(2, gid);
                st.setString(3, Ops.QUERY_PREPARED_BRANCH_ID);
                st.setString(4, Ops.MSG);
                st.setString(5, Ops.FIRST_BARRIER_ID);
                st.setString(6, Ops.ROLLBACK);
                st.executeUpdate();
            }
            String reason;
            try (PreparedStatement st = c.prepareStatement("select reason from " + table
                    + " where gid = ? and branch_id = ? and op = ? and barrier_id = ?")) {
                st.setString(1, gid);
                st.setString(2, Ops.QUERY_PREPARED_BRANCH_ID);
                st.setString(3, Ops.MSG);
                st.setString(4, Ops.FIRST_BARRIER_ID);
                try (ResultSet rs = st.executeQuery()) {
                    reason = rs.next() ? rs.getString(1) : "";
                }
            }
            if (Ops.ROLLBACK.equals(reason)) {
                throw new DtmFailureException("msg " + gid + " was not committed locally: roll it back", gid);
            }
        } catch (SQLException e) {
            throw new DtmUnknownException("barrier queryPrepared failed: " + e, gid, e);
        }
    }

    static RuntimeException unchecked(Throwable e, String gid) {
        if (e instanceof RuntimeException re) {
            return re;
        }
        if (e instanceof Error err) {
            throw err;
        }
        return new DtmUnknownException("barrier call failed: " + e, gid, e);
    }

    @Override
    public String toString() {
        return "BranchBarrier{" + transType + " " + gid + " " + branchId + " " + op + " on " + table + "}";
    }
}
