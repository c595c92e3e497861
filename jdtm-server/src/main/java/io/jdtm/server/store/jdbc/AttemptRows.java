package io.jdtm.server.store.jdbc;

import io.jdtm.protocol.Outcome;
import io.jdtm.protocol.TransStatus;
import io.jdtm.server.store.Attempt;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The SQL of the attempt history, on every dialect (SQLite, PostgreSQL, MySQL/MariaDB): table
 * {@code jdtm_attempt}, times in epoch milliseconds ({@code bigint}), so no engine's time-zone or precision rules
 * apply (docs/storage.md, "Attempt history").
 */
final class AttemptRows {
    private AttemptRows() {}

    /**
     * Inserts one attempt, only while its transaction is stored (the select reads its row by the unique gid): an
     * attempt never outlives retention. The attempt number is not stored: SQL engines keep every attempt, so it is
     * the attempt's place among those of its (branch_id, op), counted when read ({@link #read}).
     */
    static final String INSERT = "INSERT INTO jdtm_attempt (gid, branch_id, op, start_ms, latency_ms, outcome,"
            + " code, answer, next_try_ms, interval_s) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM trans_global"
            + " WHERE gid = ?";

    static final String SELECT_BY_GID = "SELECT gid, branch_id, op, start_ms, latency_ms, outcome, code,"
            + " answer, next_try_ms, interval_s FROM jdtm_attempt WHERE gid = ? ORDER BY id";

    /** The live counts of the admin UI: transactions per status. */
    static final String COUNT_BY_STATUS = "SELECT status, COUNT(*) FROM trans_global GROUP BY status";

    /** Binds {@link #INSERT}'s parameters. */
    static void bindInsert(PreparedStatement ps, Attempt a) throws SQLException {
        ps.setString(1, a.gid());
        ps.setString(2, a.branchId());
        ps.setString(3, a.op());
        ps.setLong(4, a.start().toEpochMilli());
        ps.setLong(5, a.latencyMillis());
        ps.setString(6, a.outcome().name());
        ps.setString(7, a.code());
        ps.setString(8, a.answer());
        if (a.nextTry() == null) {
            ps.setNull(9, Types.BIGINT);
        } else {
            ps.setLong(9, a.nextTry().toEpochMilli());
        }
        ps.setLong(10, a.intervalSeconds());
        ps.setString(11, a.gid());
    }

    /** Runs a bound {@link #SELECT_BY_GID}, numbering each attempt within its (branch_id, op). */
    static List<Attempt> read(PreparedStatement ps) throws SQLException {
        List<Attempt> out = new ArrayList<>();
        Map<String, Integer> counts = new HashMap<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                long next = rs.getLong(9);
                boolean noNext = rs.wasNull();
                String branchId = rs.getString(2);
                String op = rs.getString(3);
                int n = counts.merge(branchId + "\0" + op, 1, Integer::sum);
                out.add(new Attempt(rs.getString(1), branchId, op, n, Instant.ofEpochMilli(rs.getLong(4)),
                        rs.getLong(5), Outcome.valueOf(rs.getString(6)), rs.getString(7), rs.getString(8),
                        noNext ? null : Instant.ofEpochMilli(next), rs.getLong(10)));
            }
        }
        return out;
    }

    /** Runs {@link #COUNT_BY_STATUS}: every status, 0 when none; statuses jdtm does not know are left out. */
    static Map<TransStatus, Long> counts(PreparedStatement ps) throws SQLException {
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
