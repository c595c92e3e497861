package io.jdtm.server.store.jdbc;

import io.jdtm.protocol.BranchStatus;
import io.jdtm.protocol.TransOptions;
import io.jdtm.protocol.TransStatus;
import io.jdtm.protocol.TransType;
import io.jdtm.server.store.KvRow;
import io.jdtm.server.store.Page;
import io.jdtm.server.store.StoreException;
import io.jdtm.server.store.TransBranch;
import io.jdtm.server.store.TransGlobal;
import io.jdtm.server.store.TransStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.ToLongFunction;

/**
 * The SQL every dialect shares, in DTM's table and column names (spec §10.1), and the mapping between rows and the
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
    /** {@link #INSERT_BRANCH} leaving an existing (gid, branch_id, op) row as it is, where ON CONFLICT exists. */
    static final String INSERT_BRANCH_OR_NOTHING = INSERT_BRANCH + " ON CONFLICT (gid, branch_id, op) DO NOTHING";

    /** {@code insert} (a one-row branch INSERT, possibly with a suffix) made to insert {@code rows} rows at once. */
    static String branchRows(String insert, int rows) {
        int at = insert.indexOf(BRANCH_VALUES);
        return insert.substring(0, at) + String.join(", ", Collections.nCopies(rows, BRANCH_VALUES))
                + insert.substring(at + BRANCH_VALUES.length());
    }
    static final String SELECT_GLOBAL = "SELECT " + GLOBAL_COLUMNS + " FROM trans_global WHERE gid = ?";

    /** Binds the {@link #GLOBAL_INSERT_COLUMNS} of {@code g}; {@code options} is its options as JSON. */
    static void bindGlobal(PreparedStatement ps, TransGlobal g, String options, Dialect d) throws SQLException {
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
        ps.setString(12, options);
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
    static TransGlobal stored(TransGlobal g, long id, Dialect d) {
        return new TransGlobal(id, g.gid(), g.transType(), g.status(), g.queryPrepared(), g.protocol(),
                d.stored(g.createTime()), d.stored(g.updateTime()), d.stored(g.finishTime()),
                d.stored(g.rollbackTime()), g.result(), g.rollbackReason(), g.options(), g.customData(),
                g.nextCronInterval(), d.stored(g.nextCronTime()), g.owner(), g.extData());
    }

    static TransGlobal claimedCopy(TransGlobal g, Instant nextCronTime, String owner) {
        return new TransGlobal(g.id(), g.gid(), g.transType(), g.status(), g.queryPrepared(), g.protocol(),
                g.createTime(), g.updateTime(), g.finishTime(), g.rollbackTime(), g.result(), g.rollbackReason(),
                g.options(), g.customData(), g.nextCronInterval(), nextCronTime, owner, g.extData());
    }

    /** The most gids {@link #globalsByGid} reads in one statement. */
    static final int MAX_GLOBALS_BY_GID = 64;

    /**
     * The global rows of {@code n} gids (bound in order), one key lookup per gid joined by {@code UNION ALL}: each
     * is planned as a probe of the unique gid index whatever the table's statistics. A {@code gid IN (…)} list is
     * planned as a full scan while the table is small or was never analyzed, and a prepared statement keeps that
     * plan as the table grows (PostgresPlanTest).
     */
    static String globalsByGid(int n) {
        String one = "SELECT " + GLOBAL_COLUMNS + " FROM trans_global WHERE gid = ?";
        return String.join(" UNION ALL ", Collections.nCopies(n, one));
    }

    /** A global row unless its gid exists (PostgreSQL, SQLite): update count 1 or 0. */
    static final String INSERT_GLOBAL_OR_NOTHING = "INSERT INTO trans_global (" + GLOBAL_INSERT_COLUMNS + ") VALUES "
            + GLOBAL_INSERT_VALUES + " ON CONFLICT (gid) DO NOTHING";

    /**
     * Inserts a global row with {@code ON CONFLICT (gid) DO NOTHING RETURNING id} (PostgreSQL, SQLite): empty when
     * the gid exists, and the transaction stays usable. Catching the violation instead would also fill the server
     * log with "duplicate key" errors, which idempotent re-submits produce all the time.
     */
    static OptionalLong insertGlobalOrNothing(Connection c, Dialect.Binder values) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT_GLOBAL_OR_NOTHING + " RETURNING id")) {
            values.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
            }
        }
    }

    /**
     * The poller claim as one read per unfinished status, each walking index {@code status_next_cron_time} in order
     * up to the limit (with {@link Dialect#lockSkipLocked}), merged, then one {@code UPDATE … WHERE id IN (…)}
     * (MySQL, SQLite). A single {@code status IN (…) ORDER BY next_cron_time} would sort every due row on each claim.
     */
    static List<TransGlobal> claimByStatus(Connection c, Dialect d, Instant now, Instant due, Instant until,
            String owner, int limit) throws SQLException {
        List<TransGlobal> found = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + GLOBAL_COLUMNS + " FROM trans_global"
                + " WHERE status = ? AND next_cron_time <= ? AND " + NOT_LEASED
                + " ORDER BY next_cron_time, id LIMIT ?" + d.lockSkipLocked())) {
            for (String status : List.of("prepared", "submitted", "aborting")) {
                ps.setString(1, status);
                d.setBound(ps, 2, due);
                d.setBound(ps, 3, now);
                ps.setInt(4, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        found.add(global(rs, 1, d));
                    }
                }
            }
        }
        if (found.isEmpty()) {
            return List.of();
        }
        found.sort(Comparator.comparing(TransGlobal::nextCronTime).thenComparingLong(TransGlobal::id));
        List<TransGlobal> claimed = found.subList(0, Math.min(limit, found.size()));
        try (PreparedStatement ps = c.prepareStatement("UPDATE trans_global SET next_cron_time = ?, owner = ?"
                + " WHERE id IN (" + marks(claimed.size()) + ")")) {
            d.setTime(ps, 1, until);
            ps.setString(2, owner);
            for (int i = 0; i < claimed.size(); i++) {
                ps.setLong(3 + i, claimed.get(i).id());
            }
            ps.executeUpdate();
        }
        Instant stored = d.stored(until);
        return claimed.stream().map(g -> claimedCopy(g, stored, owner)).toList();
    }

    /** {@link Dialect#resetCronTime} with a bounded subquery (PostgreSQL, SQLite; MySQL allows no LIMIT there). */
    static int resetCronTimeBySubquery(Connection c, Dialect d, Instant now, Instant after, int limit)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE trans_global SET next_cron_time = ? WHERE id IN"
                + " (SELECT id FROM trans_global WHERE status IN " + UNFINISHED + " AND next_cron_time > ?"
                + " AND " + NOT_LEASED + " LIMIT ?" + d.lockSkipLocked() + ")")) {
            d.setTime(ps, 1, now);
            d.setBound(ps, 2, after);
            d.setBound(ps, 3, now);
            ps.setInt(4, limit);
            return ps.executeUpdate();
        }
    }

    /** The id below which a listing page starts: its position (the last row's id of the page before), or the top. */
    static long cursor(String position) {
        if (position == null || position.isEmpty()) {
            return Long.MAX_VALUE;
        }
        try {
            return Long.parseLong(position);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("position '" + position + "' is not a cursor of this store");
        }
    }

    /** A listing page of {@code rows} read with {@code limit}: a full page points at its last row's id. */
    static <T> Page<T> page(List<T> rows, int limit, ToLongFunction<T> id) {
        return new Page<>(rows, rows.size() < limit ? "" : Long.toString(id.applyAsLong(rows.getLast())));
    }

    /** {@code ?, ?, …}: {@code n} parameter marks. */
    static String marks(int n) {
        return String.join(", ", Collections.nCopies(n, "?"));
    }

    /** Reads {@link #GLOBAL_COLUMNS} starting at column {@code from}. */
    static TransGlobal global(ResultSet rs, int from, Dialect d) throws SQLException {
        return fetch(rs, from, d).global();
    }

    /**
     * A global row as read, with its options still JSON text: rows read by a group-commit lane are turned into
     * {@link TransGlobal}s on their caller's thread, so the lane (SQLite's only writer) spends no time in Jackson.
     */
    record Fetched(TransGlobal withoutOptions, String options) {
        TransGlobal global() {
            // DTM writes '' or NULL for "no options"; both mean none.
            return options == null || options.isBlank() ? withoutOptions
                    : withoutOptions.withOptions(TransOptions.fromJson(options));
        }
    }

    /** Reads {@link #GLOBAL_COLUMNS} starting at column {@code from}, leaving the options unparsed. */
    static Fetched fetch(ResultSet rs, int from, Dialect d) throws SQLException {
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
        return new Fetched(new TransGlobal(id, gid, transType, status, queryPrepared, protocol, create, update,
                finish, rollback, result, reason, TransOptions.NONE, customData, interval, next, owner, extData),
                options);
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
