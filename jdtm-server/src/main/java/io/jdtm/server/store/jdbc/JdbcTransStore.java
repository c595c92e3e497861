package io.jdtm.server.store.jdbc;

import io.jdtm.protocol.TransStatus;
import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.Attempt;
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
import io.jdtm.server.store.WriterStats;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SQL engine: DTM's tables {@code trans_global}, {@code trans_branch_op} and {@code kv} with DTM's columns and
 * constraint names, plus jdtm's {@code jdtm_attempt}, on three {@link Dialect}s — the embedded SQLite file
 * ({@code Store.Driver} {@code boltdb} or {@code sqlite}, {@link #openEmbedded}), PostgreSQL and MySQL/MariaDB
 * ({@code postgres}, {@code mysql}, {@link #open}), so jdtm can be pointed at a database the Go server uses.
 *
 * <p><b>Schema.</b> Servers: created and upgraded by Flyway on {@link #open} ({@link ServerOpen}). SQLite: the
 * version in {@code PRAGMA user_version} ({@link SqliteSchema}).
 *
 * <p><b>Times.</b> The servers keep DTM's second precision: every time is stored cut to the second, in UTC
 * (Postgres: {@code timestamptz}, an absolute instant; MySQL: {@code datetime} holding UTC wall-clock time). SQLite
 * keeps epoch milliseconds. Rows read back carry the cut times.
 *
 * <p><b>Durability and concurrency.</b> Every mutating method returns after its transaction committed (SQLite: and
 * its WAL was fsynced). The hot-path writes (new transaction, branch status, global status, a pass's lease) of
 * concurrent transactions are grouped into one database transaction per batch by {@link GroupCommit}, so a burst
 * costs one commit, not one per write. On a server the other writes each borrow a pooled connection (HikariCP, sized
 * by {@code Store.MaxOpenConns}); SQLite has one writer connection, and every write goes through the one lane that
 * owns it. Reads use their own connections (SQLite: WAL readers, which never wait for the writer). Status changes
 * are compare-and-set statements; branch writes hold a shared lock on the global row, so they cannot interleave with
 * a status change; a pass's lease is taken, renewed and released by conditional updates of {@code owner} and
 * {@code next_cron_time}; the poller's claim uses {@code FOR UPDATE SKIP LOCKED} on the servers, so several TM
 * processes can share one database. Deadlocks, serialization failures and lock wait timeouts (whose transaction the
 * server rolled back) are retried with a short random pause (U2); see {@link Runner}. Thread-safe.
 */
public final class JdbcTransStore implements TransStore {
    private static final Logger LOG = LoggerFactory.getLogger(JdbcTransStore.class);
    /** Gids per query of {@link #findBranches(Collection)}. */
    private static final int BRANCH_READ_CHUNK = 100;
    /** Branch rows per INSERT statement: far below every driver's bind-parameter limit. */
    private static final int ROWS_PER_INSERT = 200;
    /** The fetcher of the group commit's lookups of global rows (one instance: lookups are grouped by it). */
    private final Step.Fetcher<Sql.Fetched> globalsByGid = this::fetchGlobals;

    private final Dialect dialect;
    private final Runner runner;
    private final JdbcKv kv;
    private final JdbcRetention retention;

    JdbcTransStore(Dialect dialect, Runner runner) {
        this.dialect = dialect;
        this.runner = runner;
        this.kv = new JdbcKv(dialect, runner);
        this.retention = new JdbcRetention(dialect, runner);
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
        return ServerOpen.open(cfg);
    }

    /**
     * Opens (creating when missing) the embedded store in {@code dataDir}: the file {@code jdtm.db}, in WAL mode with
     * {@code synchronous=FULL}, and its schema. One process per directory, like DTM's BoltDB store.
     *
     * @throws StoreException when the directory is in use or cannot be created, or the file cannot be opened
     */
    public static JdbcTransStore openEmbedded(Path dataDir) {
        SqliteFile file = SqliteFile.open(dataDir);
        LOG.info("sqlite store opened: {} (WAL, synchronous=FULL, schema v{})", file.file(), SqliteSchema.VERSION);
        SqliteDialect d = new SqliteDialect();
        return new JdbcTransStore(d, new Runner(d, file::writer, file::reader, 1, "sqlite://" + file.file(), file));
    }

    /** The group commit (tests look at its batches). */
    GroupCommit groupCommit() {
        return runner.group();
    }

    @Override
    public Optional<WriterStats> writerStats() {
        GroupCommit.Stats g = runner.group().stats();
        return Optional.of(new WriterStats(g.lanes(), g.batches(), g.writes(), g.busyNanos(), runner.retries()));
    }

    @Override
    public String name() {
        return dialect.name();
    }

    @Override
    public String toString() {
        return "JdbcTransStore[" + runner + "]";
    }

    @Override
    public void ping() {
        runner.read("ping", c -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
                return rs.next();
            }
        });
    }

    @Override
    public void reset() {
        runner.auto("reset", c -> {
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
        return runner.read("findGlobal", c -> Optional.ofNullable(selectGlobal(c, gid)));
    }

    @Override
    public List<TransBranch> findBranches(String gid) {
        return branchesOf(List.of(gid));
    }

    /** {@inheritDoc} One query per {@value #BRANCH_READ_CHUNK} gids. */
    @Override
    public Map<String, List<TransBranch>> findBranches(Collection<String> gids) {
        List<String> all = List.copyOf(new LinkedHashSet<>(gids));
        Map<String, List<TransBranch>> out = new HashMap<>();
        for (String gid : all) {
            out.put(gid, new ArrayList<>());
        }
        for (int from = 0; from < all.size(); from += BRANCH_READ_CHUNK) {
            List<String> chunk = all.subList(from, Math.min(all.size(), from + BRANCH_READ_CHUNK));
            for (TransBranch b : branchesOf(chunk)) {
                // one gid asked: every row is its (a case-insensitive collation may match another spelling)
                List<TransBranch> of = out.get(chunk.size() == 1 ? chunk.getFirst() : b.gid());
                if (of != null) {
                    of.add(b);
                }
            }
        }
        return out;
    }

    /** The branch rows of {@code gids} (at least one), in id order, in one query. */
    private List<TransBranch> branchesOf(List<String> gids) {
        boolean many = gids.size() > 1;
        String where = many ? "gid IN (" + Sql.marks(gids.size()) + ")" : "gid = ?";
        GroupCommit.Work<List<TransBranch>> read = c -> {
            if (many) {
                dialect.beforeKeyListRead(c);
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT " + Sql.BRANCH_COLUMNS + " FROM trans_branch_op WHERE " + where + " ORDER BY id")) {
                for (int i = 0; i < gids.size(); i++) {
                    ps.setString(i + 1, gids.get(i));
                }
                List<TransBranch> got = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        got.add(Sql.branch(rs, dialect));
                    }
                }
                return got;
            }
        };
        return many ? runner.readTx("findBranches", read) : runner.read("findBranches", read);
    }

    @Override
    public Page<TransGlobal> scanGlobals(ScanQuery q) {
        long before = Sql.cursor(q.position());
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
        List<TransGlobal> rows = runner.read("scanGlobals", c -> {
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
        return Sql.page(rows, q.limit(), TransGlobal::id);
    }

    // ---- writes ----

    /**
     * {@inheritDoc} One write in the gid's group-commit lane: the global row (nothing else when the gid exists),
     * then its branch rows. Side by side in a pipelined batch (PostgreSQL): the insert without {@code RETURNING},
     * its id read back with the batch's other lookups; alone, {@code RETURNING id}.
     */
    @Override
    public TransGlobal saveNew(TransGlobal g, List<TransBranch> branches) {
        Objects.requireNonNull(g, "global");
        requireSameGid(g.gid(), branches);
        String options = g.options().toJson(); // JSON work stays off the lane's thread
        Dialect.Binder values = ps -> Sql.bindGlobal(ps, g, options, dialect);
        Step<Long> alone = Step.code(c -> Step.done(dialect.insertGlobal(c, values).orElseThrow(
                () -> new UniqueConflictException("transaction " + g.gid() + " exists"))));
        Step<Long> inserted = alone;
        if (dialect.pipelinesBatches()) {
            inserted = new Step.Either<>(Step.update(Sql.INSERT_GLOBAL_OR_NOTHING, List.of(values), n -> {
                if (n[0] == 0) {
                    throw new UniqueConflictException("transaction " + g.gid() + " exists");
                }
                return new Step.Lookup<>(g.gid(), globalsByGid, f -> {
                    if (f == null) {
                        throw new SQLException("the row of " + g.gid() + " just inserted was not found");
                    }
                    return Step.done(f.withoutOptions().id());
                });
            }), alone);
        }
        return runner.grouped(g.gid(), "saveNew",
                inserted.then(id -> insertBranches(branches, 0).then(x -> Step.done(Sql.stored(g, id, dialect)))));
    }

    /**
     * Inserts {@code branches} from index {@code from} on, as DTM does on save: a branch row that somehow exists
     * already is left as it is. Multi-row statements: one for a typical transaction's branches.
     */
    private Step<Void> insertBranches(List<TransBranch> branches, int from) {
        if (from >= branches.size()) {
            return Step.done(null);
        }
        List<TransBranch> rows = branches.subList(from, Math.min(branches.size(), from + ROWS_PER_INSERT));
        Dialect.Binder bind = ps -> {
            for (int i = 0; i < rows.size(); i++) {
                Sql.bindBranch(ps, i * Sql.BRANCH_PARAMS, rows.get(i), dialect);
            }
        };
        return Step.update(Sql.branchRows(dialect.insertBranchIgnoringDuplicates(), rows.size()), List.of(bind),
                n -> insertBranches(branches, from + ROWS_PER_INSERT));
    }

    @Override
    public void appendBranches(String gid, TransStatus expected, List<TransBranch> branches) {
        requireSameGid(gid, branches);
        runner.tx("appendBranches", c -> {
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
        runner.grouped(gid, "updateBranches", writeBranches(gid, branches, expectedGlobal).then(all -> all
                ? Step.done(null)
                // Tells a changed status (then no row matched: nothing was written) from rows that do not exist
                // (left alone); statuses never return to an earlier one, so no row was written in the first case.
                : Step.code(c -> {
                    lockStatus(c, gid, expectedGlobal);
                    return Step.done(null);
                })));
    }

    @Override
    public TransGlobal changeStatus(String gid, StatusChange change) {
        return changeStatus(gid, change, List.of());
    }

    /**
     * {@inheritDoc} One write in the gid's group-commit lane: the compare-and-set of the status first (when it
     * fails nothing was changed), then, under the row lock it took, the branch rows by key.
     */
    @Override
    public TransGlobal changeStatus(String gid, StatusChange change, List<TransBranch> branches) {
        requireSameGid(gid, branches);
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
        Sql.Fetched changed = runner.grouped(gid, "changeStatus", updateAndRead(update, bind, gid).then(f ->
                f == null || branches.isEmpty() ? Step.done(f)
                        : writeBranches(gid, branches, null).then(all -> Step.done(f))));
        if (changed == null) {
            throw new NotFoundException("transaction " + gid + " is not " + change.from() + " (or is missing)");
        }
        return changed.global();
    }

    /**
     * Sets status, finish_time and update_time of existing branch rows, matched by (gid, branch_id, op), in one lock
     * order for every writer (two concurrent batches over the same rows then wait, never deadlock). With
     * {@code guard}, each row's statement also checks the global status under a shared lock (held to the commit,
     * so the status cannot change under it) instead of a separate locking read: one round trip for the usual row;
     * without, the caller holds the global row's lock already.
     *
     * @return a step giving whether every row was written (false also for an empty list)
     */
    private Step<Boolean> writeBranches(String gid, List<TransBranch> branches, TransStatus guard) {
        List<TransBranch> ordered = new ArrayList<>(branches);
        ordered.sort(Comparator.comparing(TransBranch::branchId).thenComparing(TransBranch::op));
        String sql = "UPDATE trans_branch_op SET status = ?, finish_time = ?, update_time = ? WHERE gid = ?"
                + " AND branch_id = ? AND op = ?" + (guard == null ? ""
                : " AND EXISTS (SELECT 1 FROM trans_global WHERE gid = ? AND status = ?" + dialect.shareLock() + ")");
        List<Dialect.Binder> binds = new ArrayList<>(ordered.size());
        for (TransBranch b : ordered) {
            binds.add(ps -> {
                ps.setString(1, b.status().wire());
                dialect.setTime(ps, 2, b.finishTime());
                dialect.setTime(ps, 3, b.updateTime());
                ps.setString(4, gid);
                ps.setString(5, b.branchId());
                ps.setString(6, b.op());
                if (guard != null) {
                    ps.setString(7, gid);
                    ps.setString(8, guard.wire());
                }
            });
        }
        return Step.update(sql, binds, counts -> {
            boolean all = counts.length > 0;
            for (int n : counts) {
                all &= n > 0;
            }
            return Step.done(all);
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
        return Optional.ofNullable(runner.grouped(gid, "acquire", updateAndRead(update, bind, gid)))
                .map(Sql.Fetched::global);
    }

    @Override
    public boolean renew(String gid, String owner, Instant until) {
        TransStore.requireLeaseOwner(owner);
        // No expiry check: a lease that lapsed but that nobody took is still the caller's (owner unchanged).
        return runner.grouped(gid, "renew", Step.update("UPDATE trans_global SET next_cron_time = ?"
                + " WHERE gid = ? AND owner = ? AND status IN " + Sql.UNFINISHED, List.of(ps -> {
                    dialect.setTime(ps, 1, until);
                    ps.setString(2, gid);
                    ps.setString(3, owner);
                }), n -> Step.done(n[0] > 0)));
    }

    @Override
    public boolean release(String gid, String owner, long intervalSeconds, Instant nextCronTime, Instant now) {
        TransStore.requireLeaseOwner(owner);
        return runner.grouped(gid, "release", Step.update("UPDATE trans_global SET owner = '',"
                + " next_cron_interval = ?, next_cron_time = ?, update_time = ? WHERE gid = ? AND owner = ?",
                List.of(ps -> {
                    ps.setLong(1, intervalSeconds);
                    dialect.setTime(ps, 2, nextCronTime);
                    dialect.setTime(ps, 3, now);
                    ps.setString(4, gid);
                    ps.setString(5, owner);
                }), n -> Step.done(n[0] > 0)));
    }

    @Override
    public List<TransGlobal> claimDue(Instant now, Duration lookahead, Duration lease, String owner, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, was " + limit);
        }
        Instant due = now.plus(lookahead);
        Instant until = now.plus(lease);
        String who = owner == null ? "" : owner;
        return runner.tx("claimDue", c -> dialect.claimDue(c, now, due, until, who, limit));
    }

    @Override
    public ResetResult resetCronTime(Instant now, Duration after, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, was " + limit);
        }
        int count = runner.auto("resetCronTime", c -> dialect.resetCronTime(c, now, now.plus(after), limit));
        // As DTM's SQL stores: a full batch means more rows may remain.
        return new ResetResult(count, count == limit);
    }

    @Override
    public boolean resetNextCronTime(String gid, Instant now) {
        return runner.auto("resetNextCronTime", c -> {
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
     * {@inheritDoc} Works in transactions of at most {@value JdbcRetention#DELETE_CHUNK} transactions each, so a
     * large backlog never holds many locks or a long transaction; rows another deleter holds are skipped.
     */
    @Override
    public int deleteFinishedBefore(Instant cutoff, int limit) {
        return retention.deleteFinishedBefore(cutoff, limit);
    }

    @Override
    public Map<TransStatus, Long> countByStatus() {
        return runner.read("countByStatus", c -> {
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
        // One transaction, one commit and one JDBC batch for the whole list: PostgreSQL's and MariaDB's drivers
        // send a batch's statements without waiting for each answer (one round trip instead of one per row; on
        // MariaDB with its bulk protocol off for inserts, which refuses INSERT … SELECT).
        runner.tx("recordAttempts", c -> {
            try (PreparedStatement ps = c.prepareStatement(AttemptRows.INSERT)) {
                for (Attempt a : attempts) {
                    AttemptRows.bindInsert(ps, a);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    @Override
    public List<Attempt> findAttempts(String gid) {
        return runner.read("findAttempts", c -> {
            try (PreparedStatement ps = c.prepareStatement(AttemptRows.SELECT_BY_GID)) {
                ps.setString(1, gid);
                return AttemptRows.read(ps);
            }
        });
    }

    @Override
    public List<KvRow> findKv(String cat, String key) {
        return kv.find(cat, key);
    }

    @Override
    public Page<KvRow> scanKv(String cat, String position, int limit) {
        return kv.scan(cat, position, limit);
    }

    @Override
    public void createKv(String cat, String key, String value, Instant now) {
        kv.create(cat, key, value, now);
    }

    @Override
    public void updateKv(KvRow row, String newValue, Instant now) {
        kv.update(row, newValue, now);
    }

    @Override
    public void deleteKv(String cat, String key) {
        kv.delete(cat, key);
    }

    /**
     * Lets every accepted write finish, then closes the pool (Hikari waits for borrowed connections) or the SQLite
     * file. Idempotent; calls after it fail with a {@link StoreException}.
     */
    @Override
    public void close() {
        runner.close();
    }

    // ---- helpers ----

    /**
     * Runs a one-row UPDATE of {@code gid}'s global row and returns the row as updated, or null when it matched
     * nothing: with {@code RETURNING} in one statement, else read back in the same transaction, where the row is
     * still locked by the update. The options stay unparsed ({@link Sql.Fetched}): the group-commit lanes leave the
     * JSON to their callers' threads.
     */
    private Step<Sql.Fetched> updateAndRead(String update, Dialect.Binder bind, String gid) {
        Step<Sql.Fetched> alone = Step.code(c -> Step.done(updateAndReadNow(c, update, bind, gid)));
        if (!dialect.pipelinesBatches()) {
            return alone;
        }
        // side by side: the update with the batch's other updates, the read with its other lookups
        return new Step.Either<>(Step.update(update, List.of(bind),
                n -> n[0] == 0 ? Step.done(null) : new Step.Lookup<>(gid, globalsByGid, Step::done)), alone);
    }

    private Sql.Fetched updateAndReadNow(Connection c, String update, Dialect.Binder bind, String gid)
            throws SQLException {
        if (dialect.updateReturning()) {
            try (PreparedStatement ps = c.prepareStatement(update + " RETURNING " + Sql.GLOBAL_COLUMNS)) {
                bind.bind(ps);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Sql.fetch(rs, 1, dialect) : null;
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement(update)) {
            bind.bind(ps);
            if (ps.executeUpdate() == 0) {
                return null;
            }
        }
        return fetchGlobal(c, gid);
    }

    /**
     * The global rows of {@code gids} (the group commit's lookups): one query ({@link Sql#globalsByGid}) per
     * {@value Sql#MAX_GLOBALS_BY_GID} gids, its size padded to a power of two so that a few prepared statements
     * serve every batch size.
     */
    private Map<String, Sql.Fetched> fetchGlobals(Connection c, Collection<String> gids) throws SQLException {
        Map<String, Sql.Fetched> out = new HashMap<>();
        if (gids.size() == 1) {
            // one gid asked: its row is the answer (a case-insensitive collation may match another spelling)
            String gid = gids.iterator().next();
            Sql.Fetched f = fetchGlobal(c, gid);
            if (f != null) {
                out.put(gid, f);
            }
            return out;
        }
        List<String> all = List.copyOf(gids);
        for (int from = 0; from < all.size(); from += Sql.MAX_GLOBALS_BY_GID) {
            List<String> chunk = all.subList(from, Math.min(all.size(), from + Sql.MAX_GLOBALS_BY_GID));
            int marks = chunk.size() == 1 ? 1 : Integer.highestOneBit(chunk.size() - 1) << 1;
            try (PreparedStatement ps = c.prepareStatement(Sql.globalsByGid(marks))) {
                for (int i = 0; i < marks; i++) {
                    ps.setString(i + 1, chunk.get(Math.min(i, chunk.size() - 1)));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Sql.Fetched f = Sql.fetch(rs, 1, dialect);
                        out.put(f.withoutOptions().gid(), f);
                    }
                }
            }
        }
        return out;
    }

    private TransGlobal selectGlobal(Connection c, String gid) throws SQLException {
        Sql.Fetched f = fetchGlobal(c, gid);
        return f == null ? null : f.global();
    }

    private Sql.Fetched fetchGlobal(Connection c, String gid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.SELECT_GLOBAL)) {
            ps.setString(1, gid);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Sql.fetch(rs, 1, dialect) : null;
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
}
