package io.jdtm.server.store.jdbc;

import io.jdtm.protocol.BranchStatus;
import io.jdtm.protocol.TransOptions;
import io.jdtm.protocol.TransStatus;
import io.jdtm.protocol.TransType;
import io.jdtm.server.store.KvRow;
import io.jdtm.server.store.StoreException;
import io.jdtm.server.store.TransBranch;
import io.jdtm.server.store.TransGlobal;
import io.jdtm.server.store.TransStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The SQL both dialects share, in DTM's table and column names (spec §10.1), and the mapping between rows and the
 * store records. Column lists are fixed so that row readers can use positions.
 */
final class Sql {
    private Sql() {}

    static final String UNFINISHED = "('prepared','submitted','aborting')";
    static final String FINISHED = "('succeed','failed')";

    /**
     * The row is not under a live lease at the instant bound to its one parameter ({@link TransStore#leased},
     * negated): its owner holds no lease, or the lease's next_cron_time is not after now. Bind now with
     * {@link Dialect#setBound}, so that the stored time compares with now exactly as {@link TransStore#leased}
     * compares the row read back. The prefix holds no LIKE wildcard ({@code _}, {@code %}). MySQL's usual
     * case-insensitive collations would also match {@code LEASE:}; no writer uses such owners (DTM's poller writes
     * alphanumeric tokens).
     */
    static final String NOT_LEASED = "(owner NOT LIKE '" + TransStore.LEASE_PREFIX
            + "%' OR next_cron_time IS NULL OR next_cron_time <= ?)";

    static final String GLOBAL_COLUMNS = "id, gid, trans_type, status, query_prepared, protocol, create_time,"
            + " update_time, finish_time, rollback_time, result, rollback_reason, options, custom_data,"
            + " next_cron_interval, next_cron_time, owner, ext_data";
    static final String GLOBAL_INSERT_COLUMNS = "gid, trans_type, status, query_prepared, protocol, create_time,"
            + " update_time, finish_time, rollback_time, result, rollback_reason, options, custom_data,"
            + " next_cron_interval, next_cron_time, owner, ext_data";
    static final String GLOBAL_INSERT_VALUES = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    static final String BRANCH_COLUMNS =
            "id, gid, url, bin_data, branch_id, op, status, create_time, update_time, finish_time, rollback_time";
    static final String KV_COLUMNS = "id, cat, k, v, version, create_time, update_time";

    static final String BRANCH_VALUES = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    static final int BRANCH_PARAMS = 10;
    static final String INSERT_BRANCH = "INSERT INTO trans_branch_op (gid, url, bin_data, branch_id, op, status,"
            + " create_time, update_time, finish_time, rollback_time) VALUES " + BRANCH_VALUES;

    /** {@code insert} (a one-row branch INSERT, possibly with a suffix) made to insert {@code rows} rows at once. */
    static String branchRows(String insert, int rows) {
        int at = insert.indexOf(BRANCH_VALUES);
        return insert.substring(0, at) + String.join(", ", java.util.Collections.nCopies(rows, BRANCH_VALUES))
                + insert.substring(at + BRANCH_VALUES.length());
    }
    static final String SELECT_GLOBAL = "SELECT " + GLOBAL_COLUMNS + " FROM trans_global WHERE gid = ?";

    /** Times as the columns keep them: DTM's columns have second precision. */
    static Instant seconds(Instant t) {
        return t == null ? null : t.truncatedTo(ChronoUnit.SECONDS);
    }

    static void bindGlobal(PreparedStatement ps, TransGlobal g, Dialect d) throws SQLException {
        ps.setString(1, g.gid());
        ps.setString(2, g.transType().wire());
        ps.setString(3, g.status().wire());
        ps.setString(4, g.queryPrepared());
        ps.setString(5, g.protocol());
        d.setTime(ps, 6, g.createTime());
        d.setTime(ps, 7, g.updateTime());
        d.setTime(ps, 8, g.finishTime());
        d.setTime(ps, 9, g.rollbackTime());
        ps.setString(10, g.result());
        ps.setString(11, g.rollbackReason());
        ps.setString(12, g.options().toJson());
        ps.setString(13, g.customData());
        ps.setLong(14, g.nextCronInterval());
        d.setTime(ps, 15, g.nextCronTime());
        ps.setString(16, g.owner());
        ps.setString(17, g.extData());
    }

    static void bindBranch(PreparedStatement ps, TransBranch b, Dialect d) throws SQLException {
        bindBranch(ps, 0, b, d);
    }

    /** Binds one branch row's values after the first {@code offset} parameters. */
    static void bindBranch(PreparedStatement ps, int offset, TransBranch b, Dialect d) throws SQLException {
        ps.setString(offset + 1, b.gid());
        ps.setString(offset + 2, b.url());
        ps.setBytes(offset + 3, b.binData());
        ps.setString(offset + 4, b.branchId());
        ps.setString(offset + 5, b.op());
        ps.setString(offset + 6, b.status().wire());
        d.setTime(ps, offset + 7, b.createTime());
        d.setTime(ps, offset + 8, b.updateTime());
        d.setTime(ps, offset + 9, b.finishTime());
        d.setTime(ps, offset + 10, b.rollbackTime());
    }

    /** The row {@code g} becomes once stored with {@code id}: times cut to the columns' precision. */
    static TransGlobal stored(TransGlobal g, long id) {
        return new TransGlobal(id, g.gid(), g.transType(), g.status(), g.queryPrepared(), g.protocol(),
                seconds(g.createTime()), seconds(g.updateTime()), seconds(g.finishTime()),
                seconds(g.rollbackTime()), g.result(), g.rollbackReason(), g.options(), g.customData(),
                g.nextCronInterval(), seconds(g.nextCronTime()), g.owner(), g.extData());
    }

    /** Reads {@link #GLOBAL_COLUMNS} starting at column {@code from}. */
    static TransGlobal global(ResultSet rs, int from, Dialect d) throws SQLException {
        int i = from;
        long id = rs.getLong(i++);
        String gid = rs.getString(i++);
        String type = rs.getString(i++);
        TransType transType =
                TransType.find(type).orElseThrow(() -> new StoreException("unknown trans_type in store: " + type));
        TransStatus status = TransStatus.parse(rs.getString(i++));
        String queryPrepared = rs.getString(i++);
        String protocol = rs.getString(i++);
        Instant create = d.getTime(rs, i++);
        Instant update = d.getTime(rs, i++);
        Instant finish = d.getTime(rs, i++);
        Instant rollback = d.getTime(rs, i++);
        String result = rs.getString(i++);
        String reason = rs.getString(i++);
        String options = rs.getString(i++);
        String customData = rs.getString(i++);
        long interval = rs.getLong(i++);
        Instant next = d.getTime(rs, i++);
        String owner = rs.getString(i++);
        String extData = rs.getString(i);
        // DTM writes '' or NULL for "no options"; both mean none.
        TransOptions opts = options == null || options.isBlank() ? TransOptions.NONE : TransOptions.fromJson(options);
        return new TransGlobal(id, gid, transType, status, queryPrepared, protocol, create, update, finish,
                rollback, result, reason, opts, customData, interval, next, owner, extData);
    }

    static TransBranch branch(ResultSet rs, Dialect d) throws SQLException {
        return new TransBranch(
                rs.getLong(1),
                rs.getString(2),
                rs.getString(3),
                rs.getBytes(4),
                rs.getString(5),
                rs.getString(6),
                BranchStatus.parse(rs.getString(7)),
                d.getTime(rs, 8),
                d.getTime(rs, 9),
                d.getTime(rs, 10),
                d.getTime(rs, 11));
    }

    static KvRow kv(ResultSet rs, Dialect d) throws SQLException {
        return new KvRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5),
                d.getTime(rs, 6), d.getTime(rs, 7));
    }
}
