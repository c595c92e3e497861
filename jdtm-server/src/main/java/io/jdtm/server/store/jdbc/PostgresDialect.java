package io.jdtm.server.store.jdbc;

import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.TransGlobal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;

/**
 * PostgreSQL (tested on 15): DTM's tables in schema {@code Store.Schema} of database {@code Store.Db}, times in
 * {@code timestamp(0) with time zone} bound as UTC offsets (the column keeps the instant; the session zone does not
 * matter). The claim is one statement: lock due rows with {@code FOR UPDATE SKIP LOCKED}, update them, return them.
 */
final class PostgresDialect implements ServerDialect {
    // SQLSTATEs: unique_violation, serialization_failure, deadlock_detected, lock_not_available.
    private static final String UNIQUE = "23505";
    private static final List<String> RETRYABLE = List.of("40001", "40P01", "55P03");

    @Override
    public String name() {
        return "postgres";
    }

    @Override
    public String jdbcUrl(StoreConfig cfg) {
        // currentSchema sets the search_path, so DTM's unqualified table names resolve in Store.Schema, as in DTM.
        // Not reWriteBatchedInserts: a rewritten batch answers SUCCESS_NO_INFO instead of each statement's update
        // count, which the pipelined group commit reads (a batch is sent in one round trip all the same).
        return "jdbc:postgresql://" + host(cfg.host()) + ":" + cfg.port() + "/" + enc(cfg.db())
                + "?currentSchema=" + enc(namespace(cfg)) + "&tcpKeepAlive=true"
                + "&ApplicationName=jdtm";
    }

    @Override
    public boolean pipelinesBatches() {
        return true;
    }

    @Override
    public String namespace(StoreConfig cfg) {
        return cfg.schema() == null || cfg.schema().isEmpty() ? "public" : cfg.schema();
    }

    @Override
    public void prepareServer(StoreConfig cfg) {
        // The database must exist (DTM needs it too); Flyway creates the schema.
    }

    @Override
    public String migrations() {
        return "classpath:db/migration/postgres";
    }

    @Override
    public String isolation() {
        return "TRANSACTION_READ_COMMITTED";
    }

    @Override
    public String shareLock() {
        return " FOR SHARE";
    }

    @Override
    public void setTime(PreparedStatement ps, int index, Instant t) throws SQLException {
        if (t == null) {
            ps.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
        } else {
            ps.setObject(index, OffsetDateTime.ofInstant(stored(t), ZoneOffset.UTC));
        }
    }

    @Override
    public void setBound(PreparedStatement ps, int index, Instant t) throws SQLException {
        // timestamptz keeps microseconds; a column of precision 0 compared with it is compared exactly.
        ps.setObject(index, OffsetDateTime.ofInstant(t, ZoneOffset.UTC));
    }

    @Override
    public Instant getTime(ResultSet rs, int index) throws SQLException {
        OffsetDateTime t = rs.getObject(index, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    @Override
    public boolean isUniqueViolation(SQLException e) {
        return hasState(e, List.of(UNIQUE));
    }

    @Override
    public boolean isRetryable(SQLException e) {
        return hasState(e, RETRYABLE);
    }

    @Override
    public OptionalLong insertGlobal(Connection c, Binder values) throws SQLException {
        return Sql.insertGlobalOrNothing(c, values);
    }

    @Override
    public boolean updateReturning() {
        return true;
    }

    @Override
    public String insertBranchIgnoringDuplicates() {
        return Sql.INSERT_BRANCH_OR_NOTHING;
    }

    /**
     * Sequential scans and parallel workers are off for the read: a table that was never analyzed (autovacuum off,
     * or not yet run since it grew) has a row estimate from when it was small and the default selectivity of 0.5 %
     * per listed key, so "gid IN (64 keys)" looks like a third of the table. Postgres then read all of it (81 ms
     * with 490,000 branch rows) instead of the (gid, branch_id, op) index (2 ms), or, with sequential scans off,
     * started two parallel workers for the index scan (8 ms idle, 18 ms on a busy machine).
     */
    @Override
    public void beforeKeyListRead(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET LOCAL enable_seqscan = off; SET LOCAL max_parallel_workers_per_gather = 0");
        }
    }

    @Override
    public List<TransGlobal> claimDue(Connection c, Instant now, Instant due, Instant until, String owner, int limit)
            throws SQLException {
        // SKIP LOCKED: a row another claimer is taking is skipped, not waited for. After the lock, Postgres
        // re-checks the WHERE clause on the newest row version, so a row whose claim or lease committed meanwhile
        // (its next_cron_time moved to the future) is not taken again. The live-lease test only filters the rows of
        // the index range (status, next_cron_time <= due), so the plan is the same: it can exclude a row only inside
        // a look-ahead (next_cron_time after now); without one every row of the range passes it.
        // One index range per unfinished status (LATERAL), read in index order: "status IN (...) ORDER BY
        // next_cron_time" would collect and sort every due row of all three statuses for each claim (190 ms with
        // 100,000 due rows, sorted on disk). Each range locks at most `limit` rows as its LIMIT pulls them; the
        // outer LIMIT keeps the oldest `limit` of those (the rest stay unclaimed and are unlocked at commit).
        // Bitmap scans are off for this transaction: the planner's row estimate for "next_cron_time <= now" comes
        // from statistics taken before the rows became due (a backlog after an outage is estimated at a few rows),
        // and with it the planner prefers a bitmap scan of the whole due range plus a sort to the ordered index scan.
        try (Statement st = c.createStatement()) {
            st.execute("SET LOCAL enable_bitmapscan = off");
        }
        String statuses = Sql.UNFINISHED.substring(1, Sql.UNFINISHED.length() - 1);
        String sql = "WITH due AS (SELECT d.id, d.due_time FROM unnest(ARRAY[" + statuses + "]) AS s(st)"
                + " CROSS JOIN LATERAL (SELECT id, next_cron_time AS due_time FROM trans_global WHERE status = s.st"
                + " AND next_cron_time <= ? AND " + Sql.NOT_LEASED
                + " ORDER BY next_cron_time, id LIMIT ? FOR UPDATE SKIP LOCKED) d ORDER BY d.due_time, d.id LIMIT ?)"
                + " UPDATE trans_global t SET next_cron_time = ?, owner = ? FROM due WHERE t.id = due.id"
                + " RETURNING due.due_time, " + prefixed("t.", Sql.GLOBAL_COLUMNS);
        record Row(Instant dueTime, TransGlobal global) {}
        List<Row> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            setBound(ps, 1, due);
            setBound(ps, 2, now);
            ps.setInt(3, limit);
            ps.setInt(4, limit);
            setTime(ps, 5, until);
            ps.setString(6, owner);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Row(getTime(rs, 1), Sql.global(rs, 2, this)));
                }
            }
        }
        // RETURNING has no order; the contract wants the oldest due first.
        rows.sort(Comparator.comparing(Row::dueTime).thenComparingLong(r -> r.global().id()));
        return rows.stream().map(Row::global).toList();
    }

    @Override
    public int resetCronTime(Connection c, Instant now, Instant after, int limit) throws SQLException {
        return Sql.resetCronTimeBySubquery(c, this, now, after, limit);
    }

    @Override
    public List<String> resetStatements() {
        // DTM's sequences are not OWNED BY their columns, so TRUNCATE ... RESTART IDENTITY would not reset them.
        return List.of(
                "TRUNCATE trans_global, trans_branch_op, kv",
                "TRUNCATE jdtm_attempt RESTART IDENTITY",
                "ALTER SEQUENCE trans_global_seq RESTART",
                "ALTER SEQUENCE trans_branch_op_seq RESTART",
                "ALTER SEQUENCE kv_seq RESTART");
    }

    private static String prefixed(String prefix, String columns) {
        StringBuilder sb = new StringBuilder();
        for (String col : columns.split(",")) {
            if (!sb.isEmpty()) {
                sb.append(", ");
            }
            sb.append(prefix).append(col.strip());
        }
        return sb.toString();
    }

    private static boolean hasState(SQLException e, List<String> states) {
        // Batches wrap the real error in a BatchUpdateException; walk the whole chain.
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException se) {
                for (SQLException n = se; n != null; n = n.getNextException()) {
                    if (n.getSQLState() != null && states.contains(n.getSQLState())) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    static String host(String h) {
        return h.contains(":") && !h.startsWith("[") ? "[" + h + "]" : h;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
