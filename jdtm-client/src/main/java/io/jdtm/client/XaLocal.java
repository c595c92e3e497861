package io.jdtm.client;

import io.jdtm.client.internal.Checks;
import io.jdtm.client.internal.SimpleXid;
import io.jdtm.protocol.Ops;
import io.jdtm.protocol.TransType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.XAConnection;
import javax.sql.XADataSource;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;

/**
 * The RM side of an XA transaction (spec §9.5), over JDBC XA ({@link XADataSource}) for MySQL/MariaDB and
 * PostgreSQL. One handler serves all three calls on the branch URL; {@link #handle} dispatches on {@code op}:
 *
 * <ul>
 *   <li>{@code action} (phase 1, called by the AP through {@link Xa#callBranch}): start the XA branch
 *       {@code <gid>-<branch_id>}, insert the barrier row, run the business code, register the branch with the TM
 *       ({@code phase2_url}), then end and prepare. Any error rolls the XA branch back.
 *   <li>{@code commit} / {@code rollback} (phase 2, called by the TM): commit or roll back the prepared branch; an
 *       unknown xid (already done) counts as success. After a rollback a barrier row blocks a late phase 1.
 * </ul>
 *
 * <p>A gRPC branch method serves all three calls the same way: {@code xaLocal.handle(BranchContext.current().toQuery(),
 * business)} ({@code io.jdtm.client.grpc}); phase 1 then registers the branch over gRPC at the {@code dtm-dtm}
 * address.
 *
 * <p>PostgreSQL needs {@code max_prepared_transactions > 0} (see the README). MariaDB/MySQL need XA-capable storage
 * (InnoDB). Immutable and thread-safe; build it once per database with {@link DtmClient#xaLocal(XADataSource)}.
 */
public final class XaLocal {

    /** Business code of phase 1, run on a connection enlisted in the XA branch; throw to roll back. */
    @FunctionalInterface
    public interface Business {
        void run(Connection tx) throws Exception;
    }

    private final DtmClient client;
    private final XADataSource xaDataSource;
    private final String table;

    XaLocal(DtmClient client, XADataSource xaDataSource, String table) {
        this.client = client;
        this.xaDataSource = xaDataSource;
        this.table = table;
    }

    /** The same helper with another barrier table. */
    public XaLocal withBarrierTable(String t) {
        BranchBarrier.of("xa", "g", "01", Ops.ACTION).withTable(t); // validates the name
        return new XaLocal(client, xaDataSource, t);
    }

    /**
     * Handles one request to the branch URL, from its query parameters ({@code gid}, {@code branch_id}, {@code op},
     * plus {@code dtm} and {@code phase2_url} for phase 1).
     *
     * @throws DtmFailureException the business code refused (phase 1); answer 409 — the AP then aborts
     * @throws DtmUnknownException a database or TM error; answer 500
     * @throws IllegalArgumentException a required query parameter is missing
     */
    public void handle(Map<String, String> query, Business business) {
        Checks.notNull("query", query);
        String gid = Checks.gid(query.get("gid"));
        String branchId = Checks.url("query parameter 'branch_id'", query.get("branch_id"));
        String op = Checks.url("query parameter 'op'", query.get("op"));
        SimpleXid xid = SimpleXid.of(gid, branchId);
        switch (op) {
            case Ops.ACTION -> phase1(query, gid, branchId, xid, Checks.notNull("business", business));
            case Ops.COMMIT, Ops.ROLLBACK -> phase2(gid, branchId, op, xid);
            default -> throw new IllegalArgumentException("xa branch op must be action, commit or rollback, was '"
                    + op + "'");
        }
    }

    private void phase1(Map<String, String> q, String gid, String branchId, SimpleXid xid, Business business) {
        String dtm = Checks.url("query parameter 'dtm'", q.get("dtm"));
        String phase2Url = Checks.url("query parameter 'phase2_url'", q.get("phase2_url"));
        XAConnection xc = null;
        XAResource res = null;
        boolean started = false;
        try {
            xc = xaDataSource.getXAConnection();
            res = xc.getXAResource();
            res.start(xid, XAResource.TMNOFLAGS);
            started = true;
            Connection tx = xc.getConnection();
            insertBarrier(tx, gid, branchId, Ops.ACTION);
            business.run(tx);
            Map<String, String> reg = new LinkedHashMap<>();
            reg.put("gid", gid);
            reg.put("trans_type", TransType.XA.wire());
            reg.put("branch_id", branchId);
            reg.put("url", phase2Url);
            client.transportFor(dtm).registerBranch(reg, null);
            res.end(xid, XAResource.TMSUCCESS);
            started = false;
            res.prepare(xid);
        } catch (Throwable e) {
            if (res != null) {
                try {
                    if (started) {
                        res.end(xid, XAResource.TMFAIL);
                    }
                    res.rollback(xid);
                } catch (XAException re) {
                    e.addSuppressed(re);
                }
            }
            throw failure(e, gid, "xa phase 1 of " + xid);
        } finally {
            close(xc);
        }
    }

    private void phase2(String gid, String branchId, String op, SimpleXid xid) {
        XAConnection xc = null;
        try {
            xc = xaDataSource.getXAConnection();
            XAResource res = xc.getXAResource();
            try {
                if (Ops.COMMIT.equals(op)) {
                    res.commit(xid, false);
                } else {
                    res.rollback(xid);
                }
            } catch (XAException e) {
                if (!alreadyDone(e)) {
                    throw e;
                }
            }
            if (Ops.ROLLBACK.equals(op)) {
                // blocks (or waits for) a late phase 1 of this branch: its barrier insert now conflicts
                try (Connection c = xc.getConnection()) {
                    c.setAutoCommit(true);
                    insertBarrier(c, gid, branchId, Ops.ROLLBACK);
                }
            }
        } catch (Throwable e) {
            throw failure(e, gid, "xa " + op + " of " + xid);
        } finally {
            close(xc);
        }
    }

    private void insertBarrier(Connection c, String gid, String branchId, String reason) throws SQLException {
        BarrierDialect d = BarrierDialect.of(c);
        try (PreparedStatement st = c.prepareStatement(d.insertIgnore(table))) {
            st.setString(1, TransType.XA.wire());
            st.setString(2, gid);
            st.setString(3, branchId);
            st.setString(4, Ops.ACTION);
            st.setString(5, Ops.FIRST_BARRIER_ID);
            st.setString(6, reason);
            st.executeUpdate();
        }
    }

    /** XAER_NOTA (unknown xid): the branch was already committed or rolled back. */
    private static boolean alreadyDone(XAException e) {
        if (e.errorCode == XAException.XAER_NOTA) {
            return true;
        }
        String m = String.valueOf(e.getMessage()) + (e.getCause() == null ? "" : " " + e.getCause().getMessage());
        return m.contains("XAER_NOTA") || m.contains("does not exist");
    }

    private static RuntimeException failure(Throwable e, String gid, String what) {
        if (e instanceof Error err) {
            throw err;
        }
        if (e instanceof DtmException de) {
            return de;
        }
        if (e instanceof RuntimeException re) {
            return re;
        }
        return new DtmUnknownException(what + " failed: " + e, gid, e);
    }

    private static void close(XAConnection xc) {
        if (xc != null) {
            try {
                xc.close();
            } catch (SQLException ignored) {
                // nothing left to do with a broken connection
            }
        }
    }
}
