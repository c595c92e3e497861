package io.jdtm.server.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.jdtm.protocol.TransStatus;
import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.Attempt;
import io.jdtm.server.store.AttemptRows;
import io.jdtm.server.store.KvRow;
import io.jdtm.server.store.NotFoundException;
import io.jdtm.server.store.Page;
import io.jdtm.server.store.ResetResult;
import io.jdtm.server.store.ScanQuery;
import io.jdtm.server.store.StatusChange;
import io.jdtm.server.store.StoreException;
import io.jdtm.server.store.StoreUnavailableException;
import io.jdtm.server.store.TransBranch;
import io.jdtm.server.store.TransGlobal;
import io.jdtm.server.store.TransStore;
import io.jdtm.server.store.UniqueConflictException;
import java.io.IOException;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server SQL engine ({@code Store.Driver} {@code postgres} or {@code mysql}): DTM's tables {@code trans_global},
 * {@code trans_branch_op} and {@code kv} with DTM's columns and constraint names, so jdtm can be pointed at a
 * database the Go server uses. One engine, two {@link Dialect}s.
 *
 * <p><b>Schema.</b> Created and upgraded by Flyway on {@link #open}; history in {@code jdtm_schema_history}. An
 * existing DTM database is baselined at version 0 and adopted in place (tables that exist are kept, columns an
 * older DTM lacks are added), never recreated.
 *
 * <p><b>Times.</b> DTM's columns have second precision: every time is stored cut to the second, in UTC (Postgres:
 * {@code timestamptz}, an absolute instant; MySQL: {@code datetime} holding UTC wall-clock time). Rows read back
 * carry those cut times.
 *
 * <p><b>Durability and concurrency.</b> Every mutating method returns after its transaction committed. The hot-path
 * writes (new transaction, branch status, global status, a pass's lease) of concurrent transactions are grouped
 * into one database transaction per batch by {@link GroupCommit}, so a burst costs one commit, not one per write;
 * the other writes each borrow a pooled connection (HikariCP, sized by {@code Store.MaxOpenConns}). Status changes are compare-and-set statements;
 * branch writes hold a shared lock on the global row, so they cannot interleave with a status change; a pass's
 * lease is taken, renewed and released by conditional updates of {@code owner} and {@code next_cron_time}; the
 * poller's claim uses {@code FOR UPDATE SKIP LOCKED}, so several TM processes can share one database. Deadlocks,
 * serialization failures and lock wait timeouts (whose transaction the server rolled back) are retried up to
 * {@value #ATTEMPTS} times with a short random pause (U2). Thread-safe.
 */
public final class JdbcTransStore implements TransStore {
    private static final Logger LOG = LoggerFactory.getLogger(JdbcTransStore.class);
    private static final int ATTEMPTS = 4;
    private static final int DELETE_CHUNK = 500;
    /** Group-commit lanes (see {@link GroupCommit}): 2 measured best on a 2-core host (4 and 8 gave smaller batches). */
    private static final int MAX_LANES = 2;
    /** Branch rows per INSERT statement: far below every driver's bind-parameter limit. */
    private static final int ROWS_PER_INSERT = 200;
    /** Longest wait for a pooled connection before a call fails as "unavailable". */
    static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(5);
    /** PostgreSQL admin_shutdown, crash_shutdown, cannot_connect_now (server stopping, crashed or starting up). */
    private static final Set<String> UNAVAILABLE_STATES = Set.of("57P01", "57P02", "57P03");
    /**
     * At open, besides the above: too many connections (PostgreSQL 53300), a lock or deadlock met by the migration
     * (40001, 40P01, 55P03): they pass.
     */
    private static final Set<String> RETRY_STATES = Set.of("53300", "40001", "40P01", "55P03");
    /**
     * SQLState classes that mean the server answered and refused: invalid authorization (28: wrong user or
     * password), invalid catalog (3D: unknown database), syntax or access rule (42: MySQL's unknown database and
     * missing rights), feature not supported (0A). Waiting does not fix them.
     */
    private static final Set<String> CONFIG_STATE_CLASSES = Set.of("28", "3D", "42", "0A");
    /** HikariCP's message (no SQLState) for a pooled connection used after the pool closed it. */
    private static final String HIKARI_CLOSED = "Connection is closed";
    /** Hikari keeps minimumIdle connections open; DTM's MaxIdleConns is only a cap, so the floor stays small. */
    private static final int IDLE_FLOOR_CAP = 8;
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
    private static final Pattern PG_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private final Dialect dialect;
    private final HikariDataSource pool;
    private final String description;
    private final AtomicLong retries = new AtomicLong();
    private final GroupCommit group;

    private JdbcTransStore(Dialect dialect, HikariDataSource pool, String description) {
        this.dialect = dialect;
        this.pool = pool;
        this.description = description;
        // A lane holds one pooled connection while it commits a batch; leave most of the pool to everything else.
        int lanes = Math.clamp(pool.getMaximumPoolSize() / 4, 1, MAX_LANES);
        this.group = new GroupCommit(dialect.name(), lanes, new GroupCommit.Backend() {
            @Override
            public Connection connection() throws SQLException {
                return JdbcTransStore.this.connection();
            }

            @Override
            public <T> T runAlone(String what, GroupCommit.Work<T> work) {
                return tx(what, work::run);
            }

            @Override
            public RuntimeException unavailable(String what, SQLException e) {
                return JdbcTransStore.this.unavailable(what, e);
            }
        });
    }

    /**
     * Connects to the server {@code cfg.driver()} names ({@code postgres} or {@code mysql}), creates the MySQL
     * database when missing, migrates the schema and returns the open store. The caller closes it.
     *
     * @throws IllegalArgumentException when the driver is not a SQL one or a name is not a plain identifier
     * @throws StoreUnavailableException when the server cannot be reached, or the connection broke (also during
     *         the migration): the same call may succeed later
     * @throws StoreException when the server refused (credentials, database, rights) or the migration failed
     */
    public static JdbcTransStore open(StoreConfig cfg) {
        Objects.requireNonNull(cfg, "cfg");
        Dialect d = switch (cfg.driver()) {
            case "postgres" -> new PostgresDialect();
            case "mysql" -> new MysqlDialect();
            default -> throw new IllegalArgumentException("Store.Driver '" + cfg.driver() + "' is not a SQL driver");
        };
        String ns = d.namespace(cfg);
        // The namespace is spliced into DDL (CREATE DATABASE, the Flyway schema): only plain identifiers.
        Pattern allowed = d instanceof PostgresDialect ? PG_NAME : NAME;
        if (!allowed.matcher(ns).matches()) {
            throw new IllegalArgumentException((d instanceof PostgresDialect ? "Store.Schema" : "Store.Db") + " '" + ns
                    + "' must match " + allowed.pattern());
        }
        if (cfg.host() == null || cfg.host().isEmpty() || cfg.port() <= 0) {
            throw new IllegalArgumentException("Store.Host and Store.Port are required for " + d.name());
        }
        String where = d.name() + "://" + cfg.host() + ":" + cfg.port() + "/" + cfg.db()
                + (d instanceof PostgresDialect ? " schema " + ns : "");
        try {
            d.prepareServer(cfg);
        } catch (SQLException e) {
            throw openFailure("cannot reach " + where, e);
        }
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(poolConfig(cfg, d));
        } catch (RuntimeException e) {
            throw openFailure("cannot connect to " + where, e);
        }
        try {
            Flyway flyway = Flyway.configure(JdbcTransStore.class.getClassLoader())
                    .dataSource(pool)
                    .locations(d.migrations())
                    .javaMigrations(new AdoptOlderDtmSchema(d, ns))
                    .schemas(ns)
                    .defaultSchema(ns)
                    .createSchemas(true)
                    .table("jdtm_schema_history")
                    // A schema that DTM's own script filled has no history table: record version 0 and let the
                    // (idempotent) migrations adopt what is there.
                    .baselineOnMigrate(true)
                    .baselineVersion("0")
                    .baselineDescription("tables that existed before jdtm")
                    .load();
            repairCutOffMigration(flyway, where);
            MigrateResult r = flyway.migrate();
            warnIfNewer(flyway, where);
            LOG.info("{} store opened: {} (schema v{}, {} migration(s) applied now)", d.name(), where,
                    r.targetSchemaVersion == null ? r.initialSchemaVersion : r.targetSchemaVersion,
                    r.migrationsExecuted);
        } catch (FlywayException e) {
            pool.close();
            throw openFailure("schema migration of " + where + " failed", e);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        return new JdbcTransStore(d, pool, where);
    }

    /**
     * A migration that an earlier start began but could not finish (the connection dropped, the process was
     * killed) is recorded as failed on MySQL/MariaDB, whose DDL is not transactional (on PostgreSQL it was rolled
     * back whole and left no record), and Flyway then refuses to migrate until the record is removed. Every
     * migration of jdtm can be re-run over a half-applied one (each statement is "if not exists", V2 checks each
     * column), so the record is removed ({@code repair}) and the migration runs again.
     */
    private static void repairCutOffMigration(Flyway flyway, String where) {
        for (MigrationInfo m : flyway.info().all()) {
            if (m.getState().isFailed()) {
                LOG.warn("{}: migration V{} ({}) was cut off by an earlier start; running it again (jdtm's migrations"
                        + " can be re-run over a half-applied one)", where, m.getVersion(), m.getDescription());
                flyway.repair();
                return;
            }
        }
    }

    /**
     * Flyway's own warning for this is silenced with its failure logs (logback.xml): a schema migrated by a newer
     * jdtm is used as it is, which works as long as that release kept the tables compatible.
     */
    private static void warnIfNewer(Flyway flyway, String where) {
        MigrationInfo current = flyway.info().current();
        if (current != null && current.getState() == MigrationState.FUTURE_SUCCESS) {
            LOG.warn("{}: the schema is at version {}, newer than this jdtm knows; a newer jdtm migrated it", where,
                    current.getVersion());
        }
    }

    /**
     * Why {@link #open} failed, as the exception {@link StoreWait} needs: a {@link StoreUnavailableException} when
     * the server could not be reached or the connection broke (refused, reset, timed out, server starting up or
     * shutting down, too many connections: worth waiting for), else a {@link StoreException} (a mistake to fix:
     * wrong credentials, unknown database, missing rights, SQL the server refuses, a schema Flyway cannot adopt).
     * The message is one line: what failed and the driver's own reason.
     */
    static StoreException openFailure(String what, Throwable e) {
        SQLException reason = null;
        boolean reachable = false;
        boolean unreachable = false;
        for (Throwable t : causes(e)) {
            if (t instanceof SQLException se) {
                for (SQLException n = se; n != null && n != n.getNextException(); n = n.getNextException()) {
                    String state = n.getSQLState() == null ? "" : n.getSQLState();
                    if (reason == null || (reason.getSQLState() == null && !state.isEmpty())) {
                        reason = n; // the first one that names a SQLState, else the first one
                    }
                    if (state.length() >= 2 && CONFIG_STATE_CLASSES.contains(state.substring(0, 2))) {
                        reachable = true; // the server answered, and said no
                    } else if (state.startsWith("08") || UNAVAILABLE_STATES.contains(state)
                            || RETRY_STATES.contains(state) || n instanceof SQLTransientException
                            || n instanceof SQLRecoverableException || n instanceof SQLNonTransientConnectionException
                            // Flyway went on with a pooled connection the pool had closed because it broke (on
                            // MySQL it then reports that, and the broken connection itself is lost)
                            || (state.isEmpty() && HIKARI_CLOSED.equals(n.getMessage()))) {
                        unreachable = true;
                    }
                }
            } else if (t instanceof IOException) {
                unreachable = true; // refused, reset, unknown host, timed out, end of stream
            }
        }
        String why = reason == null ? firstLine(e.getMessage())
                : reason.getSQLState() != null ? reason.getMessage() + " (SQLState " + reason.getSQLState() + ")"
                : HIKARI_CLOSED.equals(reason.getMessage()) ? "the connection broke (" + HIKARI_CLOSED + ")"
                : reason.getMessage();
        String message = what + ": " + why;
        return unreachable && !reachable ? new StoreUnavailableException(message, e) : new StoreException(message, e);
    }

    /** {@code e} and its causes, then what they suppressed (Flyway's failed rollbacks) and their causes; each once. */
    private static List<Throwable> causes(Throwable e) {
        List<Throwable> out = new ArrayList<>();
        Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
            out.add(t);
        }
        for (int i = 0; i < out.size(); i++) {
            for (Throwable s : out.get(i).getSuppressed()) {
                for (Throwable t = s; t != null && seen.add(t); t = t.getCause()) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }

    private static HikariConfig poolConfig(StoreConfig cfg, Dialect d) {
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("jdtm-" + d.name());
        hc.setJdbcUrl(d.jdbcUrl(cfg));
        hc.setUsername(cfg.user());
        hc.setPassword(cfg.password());
        int max = Math.max(1, cfg.maxOpenConns());
        hc.setMaximumPoolSize(max);
        hc.setMinimumIdle(Math.clamp(cfg.maxIdleConns(), 0, Math.min(max, IDLE_FLOOR_CAP)));
        // ConnMaxLifeTime is in minutes, as in DTM; 0 means "forever" in both.
        hc.setMaxLifetime(cfg.connMaxLifeTime() <= 0 ? 0 : Duration.ofMinutes(cfg.connMaxLifeTime()).toMillis());
        hc.setTransactionIsolation(d.isolation());
        // Single statements run in autocommit (one round trip); multi-statement operations switch it off.
        hc.setAutoCommit(true);
        // One connection attempt at start: StoreWait retries (and logs each attempt) while the server is down.
        hc.setInitializationFailTimeout(1);
        // Once running, a request waits this long for a connection and then fails (503) instead of hanging while
        // the server is down; the pool keeps reconnecting in the background and recovers by itself.
        hc.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
        return hc;
    }

    /** Deadlocks and serialization failures retried so far (a number worth graphing; see docs/storage.md). */
    public long retries() {
        return retries.get();
    }

    @Override
    public String name() {
        return dialect.name();
    }

    @Override
    public String toString() {
        return "JdbcTransStore[" + description + "]";
    }

    @Override
    public void ping() {
        auto("ping", c -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
                return rs.next();
            }
        });
    }

    @Override
    public void reset() {
        auto("reset", c -> {
            try (Statement st = c.createStatement()) {
                for (String sql : dialect.resetStatements()) {
                    st.execute(sql);
                }
            }
            return null;
        });
    }

    // ---- reads ----

    @Override
    public Optional<TransGlobal> findGlobal(String gid) {
        return auto("findGlobal", c -> Optional.ofNullable(selectGlobal(c, gid)));
    }

    @Override
    public List<TransBranch> findBranches(String gid) {
        return auto("findBranches", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT " + Sql.BRANCH_COLUMNS + " FROM trans_branch_op WHERE gid = ? ORDER BY id")) {
                ps.setString(1, gid);
                List<TransBranch> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(Sql.branch(rs, dialect));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public Page<TransGlobal> scanGlobals(ScanQuery q) {
        long before = cursor(q.position());
        StringBuilder sql = new StringBuilder("SELECT " + Sql.GLOBAL_COLUMNS + " FROM trans_global WHERE id < ?");
        if (q.status() != null) {
            sql.append(" AND status = ?");
        }
        if (q.transType() != null) {
            sql.append(" AND trans_type = ?");
        }
        if (q.createFrom() != null) {
            sql.append(" AND create_time >= ?");
        }
        if (q.createTo() != null) {
            sql.append(" AND create_time <= ?");
        }
        if (!q.gidPrefix().isEmpty()) {
            sql.append(" AND ").append(dialect.gidPrefixCondition());
        }
        if (q.minInterval() >= 0) {
            sql.append(" AND status IN ('prepared', 'submitted', 'aborting') AND COALESCE(next_cron_interval, 0) >= ?");
        }
        sql.append(" ORDER BY id DESC LIMIT ?");
        List<TransGlobal> rows = auto("scanGlobals", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int i = 1;
                ps.setLong(i++, before);
                if (q.status() != null) {
                    ps.setString(i++, q.status().wire());
                }
                if (q.transType() != null) {
                    ps.setString(i++, q.transType().wire());
                }
                // Bounds are cut to the second like the stored times, so "inclusive" holds at second precision.
                if (q.createFrom() != null) {
                    dialect.setTime(ps, i++, q.createFrom());
                }
                if (q.createTo() != null) {
                    dialect.setTime(ps, i++, q.createTo());
                }
                if (!q.gidPrefix().isEmpty()) {
                    ps.setInt(i++, q.gidPrefix().length());
                    ps.setString(i++, q.gidPrefix());
                }
                if (q.minInterval() >= 0) {
                    ps.setLong(i++, q.minInterval());
                }
                ps.setInt(i, q.limit());
                List<TransGlobal> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(Sql.global(rs, 1, dialect));
                    }
                }
                return out;
            }
        });
        return new Page<>(rows, rows.size() < q.limit() ? "" : Long.toString(rows.getLast().id()));
    }

    @Override
    public List<KvRow> findKv(String cat, String key) {
        boolean byCat = cat != null && !cat.isEmpty();
        boolean byKey = key != null && !key.isEmpty();
        String sql = "SELECT " + Sql.KV_COLUMNS + " FROM kv WHERE 1 = 1" + (byCat ? " AND cat = ?" : "")
                + (byKey ? " AND k = ?" : "") + " ORDER BY id";
        return auto("findKv", c -> {
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

    @Override
    public Page<KvRow> scanKv(String cat, String position, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, was " + limit);
        }
        long before = cursor(position);
        List<KvRow> rows = auto("scanKv", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT " + Sql.KV_COLUMNS + " FROM kv WHERE cat = ? AND id < ? ORDER BY id DESC LIMIT ?")) {
                ps.setString(1, cat == null ? "" : cat);
                ps.setLong(2, before);
                ps.setInt(3, limit);
                return kvRows(ps);
            }
        });
        return new Page<>(rows, rows.size() < limit ? "" : Long.toString(rows.getLast().id()));
    }

    // ---- writes ----

    @Override
    public TransGlobal saveNew(TransGlobal g, List<TransBranch> branches) {
        Objects.requireNonNull(g, "global");
        requireSameGid(g.gid(), branches);
        return group.write(g.gid(), "saveNew", c -> {
            OptionalLong id = dialect.insertGlobal(c, ps -> Sql.bindGlobal(ps, g, dialect));
            if (id.isEmpty()) {
                throw new UniqueConflictException("transaction " + g.gid() + " exists");
            }
            // As DTM does on save: a branch row that somehow exists already is left as it is. Multi-row
            // statements: one round trip for a typical transaction's branches.
            for (int from = 0; from < branches.size(); from += ROWS_PER_INSERT) {
                List<TransBranch> rows = branches.subList(from, Math.min(branches.size(), from + ROWS_PER_INSERT));
                try (PreparedStatement ps = c.prepareStatement(
                        Sql.branchRows(dialect.insertBranchIgnoringDuplicates(), rows.size()))) {
                    for (int i = 0; i < rows.size(); i++) {
                        Sql.bindBranch(ps, i * Sql.BRANCH_PARAMS, rows.get(i), dialect);
                    }
                    ps.executeUpdate();
                }
            }
            return Sql.stored(g, id.getAsLong());
        });
    }

    @Override
    public void appendBranches(String gid, TransStatus expected, List<TransBranch> branches) {
        requireSameGid(gid, branches);
        tx("appendBranches", c -> {
            lockStatus(c, gid, expected);
            if (branches.isEmpty()) {
                return null;
            }
            try (PreparedStatement ps = c.prepareStatement(Sql.INSERT_BRANCH)) {
                for (TransBranch b : branches) {
                    Sql.bindBranch(ps, b, dialect);
                    ps.addBatch();
                }
                ps.executeBatch();
            } catch (SQLException e) {
                if (dialect.isUniqueViolation(e)) {
                    // The transaction is rolled back: none of the rows is written.
                    throw new UniqueConflictException("a (branch_id, op) of " + gid + " exists: " + keys(branches));
                }
                throw e;
            }
            return null;
        });
    }

    /** {@inheritDoc} Rows that do not exist are left alone (nothing is inserted, unlike DTM's async upsert, U1). */
    @Override
    public void updateBranches(String gid, TransStatus expectedGlobal, List<TransBranch> branches) {
        requireSameGid(gid, branches);
        // One lock order for every writer: two concurrent batches over the same rows then wait, never deadlock.
        List<TransBranch> ordered = new ArrayList<>(branches);
        ordered.sort(Comparator.comparing(TransBranch::branchId).thenComparing(TransBranch::op));
        // One statement per row that checks the global status under a shared lock (held to the commit, so the
        // status cannot change under it) instead of a separate locking read: one round trip for the usual row.
        String sql = "UPDATE trans_branch_op SET status = ?, finish_time = ?, update_time = ? WHERE gid = ?"
                + " AND branch_id = ? AND op = ? AND EXISTS (SELECT 1 FROM trans_global WHERE gid = ? AND status = ?"
                + dialect.shareLock() + ")";
        group.write(gid, "updateBranches", c -> {
            boolean allWritten = !ordered.isEmpty();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (TransBranch b : ordered) {
                    ps.setString(1, b.status().wire());
                    dialect.setTime(ps, 2, b.finishTime());
                    dialect.setTime(ps, 3, b.updateTime());
                    ps.setString(4, gid);
                    ps.setString(5, b.branchId());
                    ps.setString(6, b.op());
                    ps.setString(7, gid);
                    ps.setString(8, expectedGlobal.wire());
                    allWritten &= ps.executeUpdate() > 0;
                }
            }
            if (!allWritten) {
                // Tells a changed status (then no row matched: nothing was written) from rows that do not exist
                // (left alone); statuses never return to an earlier one, so no row was written in the first case.
                lockStatus(c, gid, expectedGlobal);
            }
            return null;
        });
    }

    @Override
    public TransGlobal changeStatus(String gid, StatusChange change) {
        StringBuilder set = new StringBuilder("status = ?, update_time = ?");
        boolean succeed = change.to() == TransStatus.SUCCEED;
        boolean failed = change.to() == TransStatus.FAILED;
        boolean reason = !change.rollbackReason().isEmpty();
        boolean result = !change.result().isEmpty();
        if (succeed) {
            set.append(", finish_time = ?");
        }
        if (failed) {
            set.append(", rollback_time = ?");
        }
        if (reason) {
            set.append(", rollback_reason = ?");
        }
        if (result) {
            set.append(", result = ?");
        }
        // Final rows leave the poller's due set by their status alone: claims select unfinished statuses.
        String update = "UPDATE trans_global SET " + set + " WHERE gid = ? AND status = ?";
        Dialect.Binder bind = ps -> {
            int i = 1;
            ps.setString(i++, change.to().wire());
            dialect.setTime(ps, i++, change.now());
            if (succeed || failed) {
                dialect.setTime(ps, i++, change.now());
            }
            if (reason) {
                ps.setString(i++, change.rollbackReason());
            }
            if (result) {
                ps.setString(i++, change.result());
            }
            ps.setString(i++, gid);
            ps.setString(i, change.from().wire());
        };
        NotFoundException miss =
                new NotFoundException("transaction " + gid + " is not " + change.from() + " (or is missing)");
        if (dialect.updateReturning()) {
            return group.write(gid, "changeStatus", c -> {
                try (PreparedStatement ps = c.prepareStatement(update + " RETURNING " + Sql.GLOBAL_COLUMNS)) {
                    bind.bind(ps);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) {
                            throw miss;
                        }
                        return Sql.global(rs, 1, dialect);
                    }
                }
            });
        }
        // Read back inside the transaction: the row is still locked by the update, so this is the row as changed.
        return group.write(gid, "changeStatus", c -> {
            try (PreparedStatement ps = c.prepareStatement(update)) {
                bind.bind(ps);
                if (ps.executeUpdate() == 0) {
                    throw miss;
                }
            }
            return selectGlobal(c, gid);
        });
    }

    /**
     * {@inheritDoc} One conditional UPDATE in the gid's group-commit lane: a concurrent acquire waits for the row
     * lock and then re-checks the condition on the row as the winner left it, so exactly one of them wins.
     */
    @Override
    public Optional<TransGlobal> acquire(String gid, String owner, Instant now, Instant until) {
        TransStore.requireLeaseOwner(owner);
        String update = "UPDATE trans_global SET owner = ?, next_cron_time = ? WHERE gid = ? AND status IN "
                + Sql.UNFINISHED + " AND " + Sql.NOT_LEASED;
        Dialect.Binder bind = ps -> {
            ps.setString(1, owner);
            dialect.setTime(ps, 2, until);
            ps.setString(3, gid);
            dialect.setBound(ps, 4, now);
        };
        if (dialect.updateReturning()) {
            return group.write(gid, "acquire", c -> {
                try (PreparedStatement ps = c.prepareStatement(update + " RETURNING " + Sql.GLOBAL_COLUMNS)) {
                    bind.bind(ps);
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next() ? Optional.of(Sql.global(rs, 1, dialect)) : Optional.empty();
                    }
                }
            });
        }
        // As changeStatus: the read-back sees the row still locked by the update, so it is the row as acquired.
        return group.write(gid, "acquire", c -> {
            try (PreparedStatement ps = c.prepareStatement(update)) {
                bind.bind(ps);
                if (ps.executeUpdate() == 0) {
                    return Optional.empty();
                }
            }
            return Optional.ofNullable(selectGlobal(c, gid));
        });
    }

    @Override
    public boolean renew(String gid, String owner, Instant until) {
        TransStore.requireLeaseOwner(owner);
        // No expiry check: a lease that lapsed but that nobody took is still the caller's (owner unchanged).
        return group.write(gid, "renew", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE trans_global SET next_cron_time = ?"
                    + " WHERE gid = ? AND owner = ? AND status IN " + Sql.UNFINISHED)) {
                dialect.setTime(ps, 1, until);
                ps.setString(2, gid);
                ps.setString(3, owner);
                return ps.executeUpdate() > 0;
            }
        });
    }

    @Override
    public boolean release(String gid, String owner, long intervalSeconds, Instant nextCronTime, Instant now) {
        TransStore.requireLeaseOwner(owner);
        return group.write(gid, "release", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE trans_global SET owner = '',"
                    + " next_cron_interval = ?, next_cron_time = ?, update_time = ? WHERE gid = ? AND owner = ?")) {
                ps.setLong(1, intervalSeconds);
                dialect.setTime(ps, 2, nextCronTime);
                dialect.setTime(ps, 3, now);
                ps.setString(4, gid);
                ps.setString(5, owner);
                return ps.executeUpdate() > 0;
            }
        });
    }

    @Override
    public List<TransGlobal> claimDue(Instant now, Duration lookahead, Duration lease, String owner, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, was " + limit);
        }
        Instant due = now.plus(lookahead);
        Instant until = now.plus(lease);
        String who = owner == null ? "" : owner;
        return tx("claimDue", c -> dialect.claimDue(c, now, due, until, who, limit));
    }

    @Override
    public ResetResult resetCronTime(Instant now, Duration after, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, was " + limit);
        }
        int count = auto("resetCronTime", c -> dialect.resetCronTime(c, now, now.plus(after), limit));
        // As DTM's SQL stores: a full batch means more rows may remain.
        return new ResetResult(count, count == limit);
    }

    @Override
    public boolean resetNextCronTime(String gid, Instant now) {
        return auto("resetNextCronTime", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE trans_global SET next_cron_time = ?,"
                    + " update_time = ? WHERE gid = ? AND " + Sql.NOT_LEASED)) {
                dialect.setTime(ps, 1, now);
                dialect.setTime(ps, 2, now);
                ps.setString(3, gid);
                dialect.setBound(ps, 4, now);
                if (ps.executeUpdate() > 0) {
                    return true;
                }
            }
            // Nothing written: a live lease, or no such row (an admin call, not the hot path: a second read is fine).
            if (selectGlobal(c, gid) == null) {
                throw new NotFoundException("transaction " + gid + " is missing");
            }
            return false;
        });
    }

    /**
     * {@inheritDoc} Works in transactions of at most {@value #DELETE_CHUNK} transactions each, so a large backlog
     * never holds many locks or a long transaction; rows another deleter holds are skipped.
     */
    @Override
    public int deleteFinishedBefore(Instant cutoff, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, was " + limit);
        }
        int deleted = 0;
        while (deleted < limit) {
            int chunk = Math.min(DELETE_CHUNK, limit - deleted);
            int n = tx("deleteFinishedBefore", c -> deleteChunk(c, cutoff, chunk));
            deleted += n;
            if (n < chunk) {
                break;
            }
        }
        return deleted;
    }

    private int deleteChunk(Connection c, Instant cutoff, int chunk) throws SQLException {
        // No ORDER BY: retention order does not matter, and on MySQL a sort would make the locking read lock
        // every old finished row before the LIMIT applies.
        List<Long> ids = new ArrayList<>();
        List<String> gids = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT id, gid FROM trans_global WHERE status IN "
                + Sql.FINISHED + " AND update_time < ? LIMIT ? FOR UPDATE SKIP LOCKED")) {
            dialect.setTime(ps, 1, cutoff);
            ps.setInt(2, chunk);
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
        String marks = String.join(", ", java.util.Collections.nCopies(ids.size(), "?"));
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM trans_branch_op WHERE gid IN (" + marks + ")")) {
            for (int i = 0; i < gids.size(); i++) {
                ps.setString(i + 1, gids.get(i));
            }
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM jdtm_attempt WHERE gid IN (" + marks + ")")) {
            for (int i = 0; i < gids.size(); i++) {
                ps.setString(i + 1, gids.get(i));
            }
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM trans_global WHERE id IN (" + marks + ")")) {
            for (int i = 0; i < ids.size(); i++) {
                ps.setLong(i + 1, ids.get(i));
            }
            return ps.executeUpdate();
        }
    }

    @Override
    public Map<TransStatus, Long> countByStatus() {
        return auto("countByStatus", c -> {
            try (PreparedStatement ps = c.prepareStatement(AttemptRows.COUNT_BY_STATUS)) {
                return AttemptRows.counts(ps);
            }
        });
    }

    // ---- attempt history ----

    @Override
    public void recordAttempts(List<Attempt> attempts) {
        if (attempts.isEmpty()) {
            return;
        }
        // one transaction, one commit for the whole batch; a statement per row, because MariaDB's bulk protocol
        // refuses INSERT … SELECT ("not supported in the prepared statement protocol")
        tx("recordAttempts", c -> {
            try (PreparedStatement ps = c.prepareStatement(AttemptRows.INSERT)) {
                for (Attempt a : attempts) {
                    AttemptRows.bindInsert(ps, a);
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }

    @Override
    public List<Attempt> findAttempts(String gid) {
        return auto("findAttempts", c -> {
            try (PreparedStatement ps = c.prepareStatement(AttemptRows.SELECT_BY_GID)) {
                ps.setString(1, gid);
                return AttemptRows.read(ps);
            }
        });
    }

    @Override
    public void createKv(String cat, String key, String value, Instant now) {
        auto("createKv", c -> {
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

    @Override
    public void updateKv(KvRow row, String newValue, Instant now) {
        auto("updateKv", c -> {
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

    @Override
    public void deleteKv(String cat, String key) {
        auto("deleteKv", c -> {
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

    /** Closes the pool; statements in flight finish first (Hikari waits for borrowed connections). Idempotent. */
    @Override
    public void close() {
        group.close();
        if (!pool.isClosed()) {
            pool.close();
            LOG.info("{} store closed: {}", dialect.name(), description);
        }
    }

    // ---- plumbing ----

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs single-statement work in autocommit: one round trip, committed when the statement returns. */
    private <T> T auto(String what, Work<T> work) {
        return run(what, false, work);
    }

    /** Runs work in one transaction, committed before returning and rolled back on any failure. */
    private <T> T tx(String what, Work<T> work) {
        return run(what, true, work);
    }

    private <T> T run(String what, boolean transaction, Work<T> work) {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = connection()) {
                if (!transaction) {
                    return work.run(c);
                }
                c.setAutoCommit(false);
                try {
                    T result = work.run(c);
                    c.commit();
                    return result;
                } catch (SQLException | RuntimeException | Error e) {
                    rollbackQuietly(c);
                    throw e;
                }
                // Hikari restores autocommit when the connection goes back to the pool.
            } catch (SQLException e) {
                if (attempt < ATTEMPTS && dialect.isRetryable(e)) {
                    retries.incrementAndGet();
                    LOG.debug("{}: {} (attempt {}), retrying", what, e.getMessage(), attempt);
                    pause(attempt);
                    continue;
                }
                StoreUnavailableException down = unavailable(what, e);
                if (down != null) {
                    throw down;
                }
                throw new StoreException(dialect.name() + " " + what + " failed: " + e.getMessage(), e);
            }
        }
    }

    /** The 503 for a failure that means the database cannot be reached; null for any other failure. */
    private StoreUnavailableException unavailable(String what, SQLException e) {
        SQLException unreachable = unavailability(e);
        return unreachable == null ? null
                : new StoreUnavailableException(dialect.name() + " " + what + " failed: " + describe(unreachable), e);
    }

    /**
     * The part of {@code e} saying the server could not be reached, rather than that the statement failed: no
     * connection in time (Hikari), a broken or refused connection (SQLState class 08, both drivers), or a
     * PostgreSQL server that is shutting down or starting up. Null when {@code e} is another failure.
     */
    static SQLException unavailability(SQLException e) {
        SQLException batch = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException se) {
                for (SQLException n = se; n != null; n = n.getNextException()) {
                    String state = n.getSQLState();
                    if (n instanceof SQLTransientConnectionException || n instanceof SQLNonTransientConnectionException
                            || (state != null && (state.startsWith("08") || UNAVAILABLE_STATES.contains(state)))) {
                        if (!(n instanceof BatchUpdateException)) {
                            return n;
                        }
                        batch = batch == null ? n : batch; // its message repeats the statement; prefer the cause
                    }
                }
            }
        }
        return batch;
    }

    /** The failure's own message, plus the last connection error behind a pool timeout. */
    private static String describe(SQLException u) {
        String m = String.valueOf(u.getMessage());
        Throwable cause = u.getCause();
        if (u instanceof SQLTransientConnectionException && cause != null && cause.getMessage() != null
                && !m.contains(cause.getMessage())) {
            m += "; last connection error: " + cause.getMessage();
        }
        return m;
    }

    private Connection connection() throws SQLException {
        if (pool.isClosed()) {
            throw new StoreException("the " + dialect.name() + " store is closed");
        }
        return pool.getConnection();
    }

    private static void pause(int attempt) {
        // Random, growing: the transactions that deadlocked must not meet again in lock step.
        long ms = ThreadLocalRandom.current().nextLong(1, 5L * attempt + 2);
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException e) {
            // The connection is broken; Hikari evicts it. The original failure is what the caller needs.
            LOG.debug("rollback failed: {}", e.getMessage());
        }
    }

    private TransGlobal selectGlobal(Connection c, String gid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.SELECT_GLOBAL)) {
            ps.setString(1, gid);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Sql.global(rs, 1, dialect) : null;
            }
        }
    }

    /**
     * Takes a shared lock on the global row and checks its status: the status cannot change until this
     * transaction ends, while other branch writers of the same transaction are not blocked.
     */
    private void lockStatus(Connection c, String gid, TransStatus expected) throws SQLException {
        String found;
        try (PreparedStatement ps =
                c.prepareStatement("SELECT status FROM trans_global WHERE gid = ?" + dialect.shareLock())) {
            ps.setString(1, gid);
            try (ResultSet rs = ps.executeQuery()) {
                found = rs.next() ? rs.getString(1) : null;
            }
        }
        if (found == null) {
            throw new NotFoundException("transaction " + gid + " is missing");
        }
        if (!found.equals(expected.wire())) {
            throw new NotFoundException("transaction " + gid + " is " + found + ", not " + expected);
        }
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

    static TransGlobal claimedCopy(TransGlobal g, Instant nextCronTime, String owner) {
        return new TransGlobal(g.id(), g.gid(), g.transType(), g.status(), g.queryPrepared(), g.protocol(),
                g.createTime(), g.updateTime(), g.finishTime(), g.rollbackTime(), g.result(), g.rollbackReason(),
                g.options(), g.customData(), g.nextCronInterval(), nextCronTime, owner, g.extData());
    }


    private static void requireSameGid(String gid, List<TransBranch> branches) {
        for (TransBranch b : branches) {
            if (!b.gid().equals(gid)) {
                throw new IllegalArgumentException("branch (" + b.branchId() + ", " + b.op() + ") has gid '"
                        + b.gid() + "', expected '" + gid + "'");
            }
        }
    }

    private static String keys(List<TransBranch> branches) {
        return branches.stream().map(b -> "(" + b.branchId() + ", " + b.op() + ")").toList().toString();
    }

    private static long cursor(String position) {
        if (position == null || position.isEmpty()) {
            return Long.MAX_VALUE;
        }
        try {
            return Long.parseLong(position);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("position '" + position + "' is not a cursor of this store");
        }
    }
}
