package io.jdtm.server.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Retention for {@link JdbcTransStore}: deletes finished transactions (their global row, branch rows and attempt
 * history) last updated before a cutoff, in transactions of at most {@value #DELETE_CHUNK} transactions each.
 */
final class JdbcRetention {
    static final int DELETE_CHUNK = 500;

    private final Dialect dialect;
    private final Runner runner;

    JdbcRetention(Dialect dialect, Runner runner) {
        this.dialect = dialect;
        this.runner = runner;
    }

    int deleteFinishedBefore(Instant cutoff, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, was " + limit);
        }
        int deleted = 0;
        while (deleted < limit) {
            int chunk = Math.min(DELETE_CHUNK, limit - deleted);
            // The candidates are found by a read, which may walk many finished rows: it holds no locks, and on
            // SQLite it does not stall the writer. No ORDER BY: retention order does not matter.
            List<Long> candidates = runner.read("deleteFinishedBefore", c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT id FROM trans_global WHERE status IN "
                        + Sql.FINISHED + " AND update_time < ? LIMIT ?")) {
                    dialect.setTime(ps, 1, cutoff);
                    ps.setInt(2, chunk);
                    List<Long> ids = new ArrayList<>();
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            ids.add(rs.getLong(1));
                        }
                    }
                    return ids;
                }
            });
            int n = candidates.isEmpty() ? 0 : runner.tx("deleteFinishedBefore", c -> deleteRows(c, candidates, cutoff));
            deleted += n;
            if (candidates.size() < chunk || n == 0) {
                break;
            }
        }
        return deleted;
    }

    /** Deletes those of the rows {@code candidates} that are still finished before the cutoff, and nobody holds. */
    private int deleteRows(Connection c, List<Long> candidates, Instant cutoff) throws SQLException {
        List<Long> ids = new ArrayList<>();
        List<String> gids = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT id, gid FROM trans_global WHERE id IN ("
                + Sql.marks(candidates.size()) + ") AND status IN " + Sql.FINISHED + " AND update_time < ?"
                + dialect.lockSkipLocked())) {
            for (int i = 0; i < candidates.size(); i++) {
                ps.setLong(i + 1, candidates.get(i));
            }
            dialect.setTime(ps, candidates.size() + 1, cutoff);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                    gids.add(rs.getString(2));
                }
            }
        }
        if (ids.isEmpty()) {
            return 0;
        }
        String marks = Sql.marks(ids.size());
        for (String table : List.of("trans_branch_op", "jdtm_attempt")) {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE gid IN (" + marks + ")")) {
                for (int i = 0; i < gids.size(); i++) {
                    ps.setString(i + 1, gids.get(i));
                }
                ps.executeUpdate();
            }
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM trans_global WHERE id IN (" + marks + ")")) {
            for (int i = 0; i < ids.size(); i++) {
                ps.setLong(i + 1, ids.get(i));
            }
            return ps.executeUpdate();
        }
    }
}
