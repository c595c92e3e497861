package io.jdtm.server.store.jdbc;

import io.jdtm.server.store.KvRow;
import io.jdtm.server.store.NotFoundException;
import io.jdtm.server.store.Page;
import io.jdtm.server.store.UniqueConflictException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * DTM's {@code kv} table for {@link JdbcTransStore}: rows by (category, key) with a version for compare-and-set
 * updates. Each write is one statement ({@link Runner#auto}: autocommit on a server, the one writer's lane on
 * SQLite).
 */
final class JdbcKv {
    private final Dialect dialect;
    private final Runner runner;

    JdbcKv(Dialect dialect, Runner runner) {
        this.dialect = dialect;
        this.runner = runner;
    }

    List<KvRow> find(String cat, String key) {
        boolean byCat = cat != null && !cat.isEmpty();
        boolean byKey = key != null && !key.isEmpty();
        String sql = "SELECT " + Sql.KV_COLUMNS + " FROM kv WHERE 1 = 1" + (byCat ? " AND cat = ?" : "")
                + (byKey ? " AND k = ?" : "") + " ORDER BY id";
        return runner.read("findKv", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                if (byCat) {
                    ps.setString(i++, cat);
                }
                if (byKey) {
                    ps.setString(i, key);
                }
                return kvRows(ps);
            }
        });
    }

    Page<KvRow> scan(String cat, String position, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, was " + limit);
        }
        long before = Sql.cursor(position);
        List<KvRow> rows = runner.read("scanKv", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT " + Sql.KV_COLUMNS + " FROM kv WHERE cat = ? AND id < ? ORDER BY id DESC LIMIT ?")) {
                ps.setString(1, cat == null ? "" : cat);
                ps.setLong(2, before);
                ps.setInt(3, limit);
                return kvRows(ps);
            }
        });
        return Sql.page(rows, limit, KvRow::id);
    }

    void create(String cat, String key, String value, Instant now) {
        runner.auto("createKv", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO kv (cat, k, v, version, create_time, update_time) VALUES (?, ?, ?, 1, ?, ?)")) {
                ps.setString(1, cat);
                ps.setString(2, key);
                ps.setString(3, value);
                dialect.setTime(ps, 4, now);
                dialect.setTime(ps, 5, now);
                ps.executeUpdate();
            } catch (SQLException e) {
                if (dialect.isUniqueViolation(e)) {
                    throw new UniqueConflictException("kv (" + cat + ", " + key + ") exists");
                }
                throw e;
            }
            return null;
        });
    }

    void update(KvRow row, String newValue, Instant now) {
        runner.auto("updateKv", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE kv SET v = ?, version = version + 1, update_time = ? WHERE id = ? AND version = ?")) {
                ps.setString(1, newValue);
                dialect.setTime(ps, 2, now);
                ps.setLong(3, row.id());
                ps.setLong(4, row.version());
                if (ps.executeUpdate() == 0) {
                    throw new NotFoundException("kv (" + row.cat() + ", " + row.k() + ") version " + row.version()
                            + " is gone or outdated");
                }
            }
            return null;
        });
    }

    void delete(String cat, String key) {
        runner.auto("deleteKv", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM kv WHERE cat = ? AND k = ?")) {
                ps.setString(1, cat);
                ps.setString(2, key);
                if (ps.executeUpdate() == 0) {
                    throw new NotFoundException("kv (" + cat + ", " + key + ") is missing");
                }
            }
            return null;
        });
    }

    private List<KvRow> kvRows(PreparedStatement ps) throws SQLException {
        List<KvRow> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(Sql.kv(rs, dialect));
            }
        }
        return out;
    }
}
