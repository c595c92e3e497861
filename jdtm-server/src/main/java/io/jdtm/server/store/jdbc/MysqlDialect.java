package io.jdtm.server.store.jdbc;

import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.TransGlobal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * MySQL 8 and MariaDB 10.6+ (tested on MariaDB 10.11) through MariaDB Connector/J: DTM's tables in database
 * {@code Store.Db}, which is created when missing. {@code datetime} columns have no zone, so jdtm writes and reads
 * them as UTC wall-clock time (DTM writes the process's local time; see docs/storage.md). Connections run in
 * READ COMMITTED: every check jdtm makes is a locking read or a conditional update, and READ COMMITTED takes no
 * gap locks, which removes the insert deadlocks of DTM issue #478 (U2) at their source.
 */
final class MysqlDialect implements ServerDialect {
    private static final int DUPLICATE_KEY = 1062;
    private static final Set<Integer> RETRYABLE = Set.of(1213 /* deadlock */, 1205 /* lock wait timeout */);

    @Override
    public String name() {
        return "mysql";
    }

    @Override
    public String jdbcUrl(StoreConfig cfg) {
        return base(cfg) + cfg.db() + options(cfg);
    }

    @Override
    public String namespace(StoreConfig cfg) {
        return cfg.db();
    }

    @Override
    public void prepareServer(StoreConfig cfg) throws SQLException {
        // Like DTM's script (CREATE DATABASE IF NOT EXISTS dtm): connect without a database and create it.
        try (Connection c = DriverManager.getConnection(base(cfg) + options(cfg), cfg.user(), cfg.password());
                Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE IF NOT EXISTS `" + cfg.db() + "` DEFAULT CHARACTER SET utf8mb4");
        }
    }

    @Override
    public String migrations() {
        return "classpath:db/migration/mysql";
    }

    @Override
    public String isolation() {
        return "TRANSACTION_READ_COMMITTED";
    }

    @Override
    public String shareLock() {
        // MariaDB has no FOR SHARE; both servers understand this spelling.
        return " LOCK IN SHARE MODE";
    }

    @Override
    public void setTime(PreparedStatement ps, int index, Instant t) throws SQLException {
        if (t == null) {
            ps.setNull(index, Types.TIMESTAMP);
        } else {
            ps.setObject(index, LocalDateTime.ofInstant(stored(t), ZoneOffset.UTC));
        }
    }

    @Override
    public void setBound(PreparedStatement ps, int index, Instant t) throws SQLException {
        // Sent with its fraction; the server compares a datetime column with it exactly.
        ps.setObject(index, LocalDateTime.ofInstant(t, ZoneOffset.UTC));
    }

    @Override
    public Instant getTime(ResultSet rs, int index) throws SQLException {
        LocalDateTime t = rs.getObject(index, LocalDateTime.class);
        return t == null ? null : t.toInstant(ZoneOffset.UTC);
    }

    @Override
    public boolean isUniqueViolation(SQLException e) {
        return hasCode(e, Set.of(DUPLICATE_KEY));
    }

    @Override
    public boolean isRetryable(SQLException e) {
        return hasCode(e, RETRYABLE);
    }

    @Override
    public OptionalLong insertGlobal(Connection c, Binder values) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO trans_global (" + Sql.GLOBAL_INSERT_COLUMNS
                + ") VALUES " + Sql.GLOBAL_INSERT_VALUES, Statement.RETURN_GENERATED_KEYS)) {
            values.bind(ps);
            try {
                ps.executeUpdate();
            } catch (SQLException e) {
                // A failed statement does not abort a MySQL transaction, so the caller can still roll back cleanly.
                if (isUniqueViolation(e)) {
                    return OptionalLong.empty();
                }
                throw e;
            }
            try (ResultSet keys = ps.getGeneratedKeys()) {
                if (!keys.next()) {
                    throw new SQLException("no generated id for trans_global");
                }
                return OptionalLong.of(keys.getLong(1));
            }
        }
    }

    @Override
    public boolean updateReturning() {
        return false;
    }

    @Override
    public String insertBranchIgnoringDuplicates() {
        // Not INSERT IGNORE: that would also turn truncation and other errors into warnings.
        return Sql.INSERT_BRANCH + " ON DUPLICATE KEY UPDATE id = id";
    }

    @Override
    public List<TransGlobal> claimDue(Connection c, Instant now, Instant due, Instant until, String owner, int limit)
            throws SQLException {
        // One locking read per status: each walks index status_next_cron_time in order and stops at the LIMIT,
        // so InnoDB locks only the rows it returns. A single "status IN (...) ORDER BY" would sort, and a locking
        // read locks every row it reads before the sort — one claimer would then hold all due rows.
        // Locking reads see the newest committed version, so a row claimed or leased (and committed) by another TM
        // is no longer due here; one still being claimed or leased is skipped.
        // The live-lease test is a filter on the rows of that index range, not part of the range (owner is not in
        // the index): the walk and its order stay the same. It can exclude a row only inside a look-ahead
        // (next_cron_time after now); in READ COMMITTED the lock of a row the WHERE rejects is released at once.
        return Sql.claimByStatus(c, this, now, due, until, owner, limit);
    }

    @Override
    public int resetCronTime(Connection c, Instant now, Instant after, int limit) throws SQLException {
        // MySQL allows neither LIMIT in an IN subquery nor reading the updated table in one; UPDATE ... LIMIT is
        // its own way to bound the batch.
        try (PreparedStatement ps = c.prepareStatement("UPDATE trans_global SET next_cron_time = ? WHERE status IN "
                + Sql.UNFINISHED + " AND next_cron_time > ? AND " + Sql.NOT_LEASED + " LIMIT ?")) {
            setTime(ps, 1, now);
            setBound(ps, 2, after);
            setBound(ps, 3, now);
            ps.setInt(4, limit);
            return ps.executeUpdate();
        }
    }

    @Override
    public List<String> resetStatements() {
        // TRUNCATE also restarts AUTO_INCREMENT.
        return List.of("TRUNCATE TABLE trans_branch_op", "TRUNCATE TABLE trans_global", "TRUNCATE TABLE kv",
                "TRUNCATE TABLE jdtm_attempt");
    }

    private static String base(StoreConfig cfg) {
        return "jdbc:mariadb://" + PostgresDialect.host(cfg.host()) + ":" + cfg.port() + "/";
    }

    private static String options(StoreConfig cfg) {
        // Connector/J 3+ tries TLS by default and fails against a local server's self-signed certificate
        // (TECH-NOTES §5); a loopback connection gains nothing from TLS.
        String h = cfg.host();
        boolean loopback = h.equals("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("[::1]");
        // useBulkStmtsForInserts=false: MariaDB's bulk protocol refuses the attempt history's INSERT … SELECT ("not
        // supported in the prepared statement protocol"). It also keeps Connector/J 4.0.0 from hanging when the
        // server refuses a PREPARE at max_prepared_stmt_count (server-wide): the statement then runs as plain text
        // (MariaDbTransStoreTest). useServerPrepStmts: the server parses and plans each statement once per
        // connection instead of on every execution (a sixth to a quarter less of MariaDB's CPU per saga,
        // bench/README.md).
        return "?connectTimeout=10000&tcpKeepAlive=true&useBulkStmtsForInserts=false&useServerPrepStmts=true"
                + (loopback ? "&sslMode=disable" : "");
    }

    private static boolean hasCode(SQLException e, Set<Integer> codes) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException se) {
                for (SQLException n = se; n != null; n = n.getNextException()) {
                    if (codes.contains(n.getErrorCode())) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** {@inheritDoc} Binary, since the table's collation compares without case. */
    @Override
    public String gidPrefixCondition() {
        return "BINARY substr(gid, 1, ?) = ?";
    }
}
