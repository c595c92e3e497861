package io.jdtm.server.store;

import io.jdtm.protocol.Outcome;
import io.jdtm.protocol.TransStatus;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The SQL of the attempt history, shared by the SQL engines (SQLite, PostgreSQL, MySQL/MariaDB): table
 * {@code jdtm_attempt}, times in epoch milliseconds ({@code bigint}), so no engine's time-zone or precision rules
 * apply (docs/storage.md, "Attempt history").
 */
public final class AttemptRows {
    private AttemptRows() {}

    /**
     * Inserts one attempt, numbered 1 + the highest number stored for its (gid, branch_id, op), and only while the
     * transaction is stored (the select reads its row by the unique gid): an attempt never outlives retention.
     */
    public static final String INSERT = "INSERT INTO jdtm_attempt (gid, branch_id, op, attempt, start_ms,"
            + " latency_ms, outcome, code, answer, next_try_ms, interval_s) SELECT ?, ?, ?, (SELECT"
            + " COALESCE(MAX(a.attempt), 0) + 1 FROM jdtm_attempt a WHERE a.gid = ? AND a.branch_id = ? AND a.op = ?),"
            + " ?, ?, ?, ?, ?, ?, ? FROM trans_global WHERE gid = ?";

    public static final String SELECT_BY_GID = "SELECT gid, branch_id, op, attempt, start_ms, latency_ms, outcome,"
            + " code, answer, next_try_ms, interval_s FROM jdtm_attempt WHERE gid = ? ORDER BY id";

    /** The live counts of the admin UI: transactions per status. */
    public static final String COUNT_BY_STATUS = "SELECT status, COUNT(*) FROM trans_global GROUP BY status";

    public static final String DELETE_BY_GID = "DELETE FROM jdtm_attempt WHERE gid = ?";

    /** Binds {@link #INSERT}'s parameters. */
    public static void bindInsert(PreparedStatement ps, Attempt a) throws SQLException {
        ps.setString(1, a.gid());
        ps.setString(2, a.branchId());
        ps.setString(3, a.op());
        ps.setString(4, a.gid());
        ps.setString(5, a.branchId());
        ps.setString(6, a.op());
        ps.setLong(7, a.start().toEpochMilli());
        ps.setLong(8, a.latencyMillis());
        ps.setString(9, a.outcome().name());
        ps.setString(10, a.code());
        ps.setString(11, a.answer());
        if (a.nextTry() == null) {
            ps.setNull(12, Types.BIGINT);
        } else {
            ps.setLong(12, a.nextTry().toEpochMilli());
        }
        ps.setLong(13, a.intervalSeconds());
        ps.setString(14, a.gid());
    }

    /** Runs a bound {@link #SELECT_BY_GID}. */
    public static List<Attempt> read(PreparedStatement ps) throws SQLException {
        List<Attempt> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                long next = rs.getLong(10);
                boolean noNext = rs.wasNull();
                out.add(new Attempt(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4),
                        Instant.ofEpochMilli(rs.getLong(5)), rs.getLong(6), Outcome.valueOf(rs.getString(7)),
                        rs.getString(8), rs.getString(9), noNext ? null : Instant.ofEpochMilli(next),
                        rs.getLong(11)));
            }
        }
        return out;
    }

    /** Runs {@link #COUNT_BY_STATUS}: every status, 0 when none; statuses jdtm does not know are left out. */
    public static Map<TransStatus, Long> counts(PreparedStatement ps) throws SQLException {
        Map<TransStatus, Long> out = new EnumMap<>(TransStatus.class);
        for (TransStatus s : TransStatus.values()) {
            out.put(s, 0L);
        }
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                try {
                    out.merge(TransStatus.parse(rs.getString(1)), rs.getLong(2), Long::sum);
                } catch (IllegalArgumentException e) {
                    // a status written by someone else: not one of DTM's five
                }
            }
        }
        return out;
    }
}
