package io.jdtm.server.store.sqlite;

import io.jdtm.protocol.BranchStatus;
import io.jdtm.protocol.TransOptions;
import io.jdtm.protocol.TransStatus;
import io.jdtm.protocol.TransType;
import io.jdtm.server.store.Attempt;
import io.jdtm.server.store.AttemptRows;
import io.jdtm.server.store.KvRow;
import io.jdtm.server.store.NotFoundException;
import io.jdtm.server.store.Page;
import io.jdtm.server.store.ResetResult;
import io.jdtm.server.store.ScanQuery;
import io.jdtm.server.store.StatusChange;
import io.jdtm.server.store.StoreException;
import io.jdtm.server.store.TransBranch;
import io.jdtm.server.store.TransGlobal;
import io.jdtm.server.store.TransStore;
import io.jdtm.server.store.UniqueConflictException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The embedded default engine ({@code Store.Driver} {@code boltdb} or {@code sqlite}): one SQLite file,
 * {@code <dataDir>/jdtm.db}, in WAL mode with {@code synchronous=FULL}.
 *
 * <p><b>Durability.</b> Every mutating method returns only after its transaction committed and SQLite fsynced the
 * WAL, so an acknowledged write survives {@code kill -9} and power loss. Writes go through one
 * {@link GroupCommitWriter}: concurrent writes share a commit (and its fsync), and each runs in its own savepoint,
 * so one write failing (a compare-and-set miss, a unique conflict) never affects another.
 *
 * <p><b>Thread-safety.</b> All methods may be called from any number of (virtual) threads. Reads never wait for the
 * writer: they run on a small pool of read-only connections, which WAL lets read the last committed state while a
 * write is in progress. A read that starts after a write returned sees that write.
 *
 * <p><b>Processes.</b> Single process per data file, like DTM's BoltDB store. Times are stored in milliseconds.
 */
public final class SqliteTransStore implements TransStore {
    /** The file name inside the data directory. */
    public static final String FILE_NAME = "jdtm.db";
    /** Held while a store is open, so a second process on the same data directory fails at once. */
    static final String LOCK_NAME = "jdtm.lock";

    private static final Logger LOG = LoggerFactory.getLogger(SqliteTransStore.class);
    private static final int READERS = 4;
    private static final int BUSY_TIMEOUT_MS = 5_000;
    private static final String UNFINISHED = "('prepared','submitted','aborting')";
    /** No live lease at the bound time {@code ?} (see {@link TransStore#leased}). */
    private static final String FREE = "(substr(owner, 1, " + LEASE_PREFIX.length() + ") <> '" + LEASE_PREFIX
            + "' OR next_cron_time <= ?)";
    private static final String FINISHED = "('succeed','failed')";

    private static final String GLOBAL_COLUMNS = "id, gid, trans_type, status, query_prepared, protocol, create_time,"
            + " update_time, finish_time, rollback_time, result, rollback_reason, options, custom_data,"
            + " next_cron_interval, next_cron_time, owner, ext_data";
    private static final String BRANCH_COLUMNS =
            "id, gid, url, bin_data, branch_id, op, status, create_time, update_time, finish_time, rollback_time";
    private static final String KV_COLUMNS = "id, cat, k, v, version, create_time, update_time";

    private static final String INSERT_GLOBAL = "INSERT INTO trans_global (gid, trans_type, status, query_prepared,"
            + " protocol, create_time, update_time, finish_time, rollback_time, result, rollback_reason, options,"
            + " custom_data, next_cron_interval, next_cron_time, owner, ext_data)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String INSERT_BRANCH = "INSERT INTO trans_branch_op (gid, url, bin_data, branch_id, op,"
            + " status, create_time, update_time, finish_time, rollback_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String SELECT_GLOBAL_BY_GID =
            "SELECT " + GLOBAL_COLUMNS + " FROM trans_global WHERE gid = ?";
    private static final String SELECT_STATUS = "SELECT status FROM trans_global WHERE gid = ?";
    /**
     * The due rows, oldest first. One ordered index range per unfinished status, merged: {@code status IN (…)
     * ORDER BY next_cron_time} would sort every due row on each claim, which under a backlog stalls the writer.
     */
    private static final String CLAIM_SELECT = String.join(" UNION ALL ",
                    claimRange("prepared"), claimRange("submitted"), claimRange("aborting"))
            + " ORDER BY next_cron_time, id LIMIT ?";

    private final Path file;
    private final GroupCommitWriter writer;
    private final BlockingQueue<CachedConnection> readers = new ArrayBlockingQueue<>(READERS);
    private volatile boolean closed;

    private DirLock lock;

    private SqliteTransStore(Path file, GroupCommitWriter writer) {
        this.file = file;
        this.writer = writer;
    }

    /**
     * Opens (creating when missing) the store in {@code dataDir}: creates the directory and the schema, starts the
     * writer thread and the read pool.
     *
     * @throws StoreException when the directory or the database cannot be opened
     */
    public static SqliteTransStore open(Path dataDir) {
        Objects.requireNonNull(dataDir, "dataDir");
        Path file = dataDir.resolve(FILE_NAME).toAbsolutePath();
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new StoreException("cannot create the data directory " + dataDir.toAbsolutePath() + ": " + e, e);
        }
        DirLock lock = DirLock.acquire(dataDir.resolve(LOCK_NAME).toAbsolutePath());
        String url = "jdbc:sqlite:" + file;
        CachedConnection w = null;
        List<CachedConnection> opened = new ArrayList<>();
        try {
            SQLiteConfig wc = new SQLiteConfig();
            wc.setJournalMode(SQLiteConfig.JournalMode.WAL);
            // FULL: in WAL mode every commit fsyncs the WAL, so an acknowledged write is on disk.
            wc.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
            wc.setBusyTimeout(BUSY_TIMEOUT_MS);
            // Otherwise sqlite-jdbc prepares and runs a "last_insert_rowid()" query after every insert.
            wc.setGetGeneratedKeys(false);
            w = new CachedConnection(wc.createConnection(url));
            SqliteSchema.migrate(w, file.toString());
            for (int i = 0; i < READERS; i++) {
                SQLiteConfig rc = new SQLiteConfig();
                rc.setBusyTimeout(BUSY_TIMEOUT_MS);
                // query_only rather than a read-only open: a read-only WAL reader cannot create the -shm file.
                Connection c = rc.createConnection(url);
                opened.add(new CachedConnection(c));
                try (var st = c.createStatement()) {
                    st.execute("PRAGMA query_only = 1");
                }
            }
        } catch (SQLException | RuntimeException e) {
            closeQuietly(w);
            opened.forEach(SqliteTransStore::closeQuietly);
            lock.release();
            if (e instanceof StoreException se) {
                throw se;
            }
            throw new StoreException("cannot open the sqlite store " + file + ": " + e.getMessage(), e);
        }
        SqliteTransStore store = new SqliteTransStore(file, new GroupCommitWriter(w, "jdtm-sqlite-writer"));
        store.lock = lock;
        store.readers.addAll(opened);
        LOG.info("sqlite store opened: {} (WAL, synchronous=FULL, schema v{})", file, SqliteSchema.VERSION);
        return store;
    }

    /** The database file. */
    public Path file() {
        return file;
    }

    /** The group-commit writer (tests inspect it). */
    GroupCommitWriter writer() {
        return writer;
    }

    @Override
    public String name() {
        return "sqlite";
    }

    @Override
    public void ping() {
        if (!writer.isRunning()) {
            throw new StoreException("the sqlite store is closed");
        }
        read(c -> {
            try (ResultSet rs = c.prepare("SELECT 1").executeQuery()) {
                return rs.next();
            }
        });
    }

    @Override
    public void reset() {
        write(c -> {
            c.execute("DELETE FROM trans_branch_op");
            c.execute("DELETE FROM trans_global");
            c.execute("DELETE FROM kv");
            c.execute("DELETE FROM jdtm_attempt");
            // Restart the ids too, as dropping and recreating the tables would.
            c.execute("DELETE FROM sqlite_sequence");
            return null;
        });
    }

    // ---- reads ----

    @Override
    public Optional<TransGlobal> findGlobal(String gid) {
        return read(c -> Optional.ofNullable(selectGlobal(c, gid))).map(Fetched::toGlobal);
    }

    @Override
    public List<TransBranch> findBranches(String gid) {
        return read(c -> {
            PreparedStatement ps =
                    c.prepare("SELECT " + BRANCH_COLUMNS + " FROM trans_branch_op WHERE gid = ? ORDER BY id");
            ps.setString(1, gid);
            List<TransBranch> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(branch(rs));
                }
            }
            return out;
        });
    }

    @Override
    public Page<TransGlobal> scanGlobals(ScanQuery q) {
        long before = cursor(q.position());
        StringBuilder sql = new StringBuilder("SELECT " + GLOBAL_COLUMNS + " FROM trans_global WHERE id < ?");
        List<Object> args = new ArrayList<>();
        args.add(before);
        if (q.status() != null) {
            sql.append(" AND status = ?");
            args.add(q.status().wire());
        }
        if (q.transType() != null) {
            sql.append(" AND trans_type = ?");
            args.add(q.transType().wire());
        }
        if (q.createFrom() != null) {
            sql.append(" AND create_time >= ?");
            args.add(q.createFrom().toEpochMilli());
        }
        if (q.createTo() != null) {
            sql.append(" AND create_time <= ?");
            args.add(q.createTo().toEpochMilli());
        }
        if (!q.gidPrefix().isEmpty()) {
            sql.append(" AND substr(gid, 1, ?) = ?"); // not LIKE: SQLite's LIKE ignores case
            args.add((long) q.gidPrefix().length());
            args.add(q.gidPrefix());
        }
        if (q.minInterval() >= 0) {
            sql.append(" AND status IN " + UNFINISHED + " AND COALESCE(next_cron_interval, 0) >= ?");
            args.add(q.minInterval());
        }
        sql.append(" ORDER BY id DESC LIMIT ?");
        args.add(q.limit());
        List<TransGlobal> rows = read(c -> {
            PreparedStatement ps = c.prepare(sql.toString());
            bind(ps, args);
            List<TransGlobal> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(global(rs).toGlobal());
                }
            }
            return out;
        });
        String next = rows.size() < q.limit() ? "" : Long.toString(rows.getLast().id());
        return new Page<>(rows, next);
    }

    @Override
    public List<KvRow> findKv(String cat, String key) {
        StringBuilder sql = new StringBuilder("SELECT " + KV_COLUMNS + " FROM kv WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        if (cat != null && !cat.isEmpty()) {
            sql.append(" AND cat = ?");
            args.add(cat);
        }
        if (key != null && !key.isEmpty()) {
            sql.append(" AND k = ?");
            args.add(key);
        }
        sql.append(" ORDER BY id");
        return read(c -> {
            PreparedStatement ps = c.prepare(sql.toString());
            bind(ps, args);
            return kvRows(ps);
        });
    }

    @Override
    public Page<KvRow> scanKv(String cat, String position, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, was " + limit);
        }
        long before = cursor(position);
        List<KvRow> rows = read(c -> {
            PreparedStatement ps =
                    c.prepare("SELECT " + KV_COLUMNS + " FROM kv WHERE cat = ? AND id < ? ORDER BY id DESC LIMIT ?");
            ps.setString(1, cat == null ? "" : cat);
            ps.setLong(2, before);
            ps.setInt(3, limit);
            return kvRows(ps);
        });
        String next = rows.size() < limit ? "" : Long.toString(rows.getLast().id());
        return new Page<>(rows, next);
    }

    // ---- writes ----

    @Override
    public TransGlobal saveNew(TransGlobal g, List<TransBranch> branches) {
        Objects.requireNonNull(g, "global");
        requireSameGid(g.gid(), branches);
        String options = g.options().toJson(); // JSON work stays off the writer thread
        return write(c -> {
            PreparedStatement ps = c.prepare(INSERT_GLOBAL);
            bindGlobal(ps, g, options);
            try {
                ps.executeUpdate();
            } catch (SQLException e) {
                throw uniqueOr(e, "transaction " + g.gid() + " exists");
            }
            // As DTM does on save: a branch row that somehow exists already is left as it is.
            PreparedStatement pb = c.prepare(INSERT_BRANCH + " ON CONFLICT (gid, branch_id, op) DO NOTHING");
            for (TransBranch b : branches) {
                bindBranch(pb, b);
                pb.executeUpdate();
            }
            return selectGlobal(c, g.gid());
        }).toGlobal();
    }

    @Override
    public void appendBranches(String gid, TransStatus expected, List<TransBranch> branches) {
        requireSameGid(gid, branches);
        write(c -> {
            requireStatus(c, gid, expected);
            PreparedStatement pb = c.prepare(INSERT_BRANCH);
            for (TransBranch b : branches) {
                bindBranch(pb, b);
                try {
                    pb.executeUpdate();
                } catch (SQLException e) {
                    // The savepoint undoes the rows inserted before this one: all or nothing.
                    throw uniqueOr(e, "branch (" + b.branchId() + ", " + b.op() + ") of " + gid + " exists");
                }
            }
            return null;
        });
    }

    /** {@inheritDoc} Rows that do not exist are left alone (nothing is inserted). */
    @Override
    public void updateBranches(String gid, TransStatus expectedGlobal, List<TransBranch> branches) {
        requireSameGid(gid, branches);
        write(c -> {
            requireStatus(c, gid, expectedGlobal);
            PreparedStatement ps = c.prepare("UPDATE trans_branch_op SET status = ?, finish_time = ?,"
                    + " update_time = ? WHERE gid = ? AND branch_id = ? AND op = ?");
            for (TransBranch b : branches) {
                ps.setString(1, b.status().wire());
                setTime(ps, 2, b.finishTime());
                setTime(ps, 3, b.updateTime());
                ps.setString(4, gid);
                ps.setString(5, b.branchId());
                ps.setString(6, b.op());
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public TransGlobal changeStatus(String gid, StatusChange change) {
        StringBuilder sql = new StringBuilder("UPDATE trans_global SET status = ?, update_time = ?");
        List<Object> args = new ArrayList<>();
        args.add(change.to().wire());
        args.add(change.now().toEpochMilli());
        if (change.to() == TransStatus.SUCCEED) {
            sql.append(", finish_time = ?");
            args.add(change.now().toEpochMilli());
        }
        if (change.to() == TransStatus.FAILED) {
            sql.append(", rollback_time = ?");
            args.add(change.now().toEpochMilli());
        }
        if (!change.rollbackReason().isEmpty()) {
            sql.append(", rollback_reason = ?");
            args.add(change.rollbackReason());
        }
        if (!change.result().isEmpty()) {
            sql.append(", result = ?");
            args.add(change.result());
        }
        // Final rows drop out of the poller's due set by their status alone (claimDue selects unfinished ones).
        sql.append(" WHERE gid = ? AND status = ?");
        args.add(gid);
        args.add(change.from().wire());
        return write(c -> {
            PreparedStatement ps = c.prepare(sql.toString());
            bind(ps, args);
            if (ps.executeUpdate() == 0) {
                throw new NotFoundException("transaction " + gid + " is not " + change.from() + " (or is missing)");
            }
            return selectGlobal(c, gid);
        }).toGlobal();
    }

    @Override
    public Optional<TransGlobal> acquire(String gid, String owner, Instant now, Instant until) {
        TransStore.requireLeaseOwner(owner);
        Fetched f = write(c -> {
            PreparedStatement ps = c.prepare("UPDATE trans_global SET owner = ?, next_cron_time = ? WHERE gid = ?"
                    + " AND status IN " + UNFINISHED + " AND " + FREE);
            ps.setString(1, owner);
            setTime(ps, 2, until);
            ps.setString(3, gid);
            setTime(ps, 4, now);
            return ps.executeUpdate() == 0 ? null : selectGlobal(c, gid);
        });
        return Optional.ofNullable(f).map(Fetched::toGlobal);
    }

    @Override
    public boolean renew(String gid, String owner, Instant until) {
        TransStore.requireLeaseOwner(owner);
        return write(c -> {
            PreparedStatement ps = c.prepare("UPDATE trans_global SET next_cron_time = ? WHERE gid = ? AND owner = ?"
                    + " AND status IN " + UNFINISHED);
            setTime(ps, 1, until);
            ps.setString(2, gid);
            ps.setString(3, owner);
            return ps.executeUpdate() > 0;
        });
    }

    @Override
    public boolean release(String gid, String owner, long intervalSeconds, Instant nextCronTime, Instant now) {
        TransStore.requireLeaseOwner(owner);
        return write(c -> {
            PreparedStatement ps = c.prepare("UPDATE trans_global SET owner = '', next_cron_interval = ?,"
                    + " next_cron_time = ?, update_time = ? WHERE gid = ? AND owner = ?");
            ps.setLong(1, intervalSeconds);
            setTime(ps, 2, nextCronTime);
            setTime(ps, 3, now);
            ps.setString(4, gid);
            ps.setString(5, owner);
            return ps.executeUpdate() > 0;
        });
    }

    @Override
    public List<TransGlobal> claimDue(Instant now, Duration lookahead, Duration lease, String owner, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, was " + limit);
        }
        long due = now.plus(lookahead).toEpochMilli();
        Instant until = Instant.ofEpochMilli(now.plus(lease).toEpochMilli());
        String who = owner == null ? "" : owner;
        // Select and update in one write task: the writer runs tasks one at a time, so no other claimer can see
        // these rows as due in between.
        return write(c -> {
            PreparedStatement sel = c.prepare(CLAIM_SELECT);
            for (int i = 0; i < 3; i++) {
                sel.setLong(3 * i + 1, due);
                sel.setLong(3 * i + 2, now.toEpochMilli());
                sel.setInt(3 * i + 3, limit);
            }
            sel.setInt(10, limit);
            List<Fetched> found = new ArrayList<>();
            try (ResultSet rs = sel.executeQuery()) {
                while (rs.next()) {
                    found.add(global(rs));
                }
            }
            PreparedStatement upd = c.prepare("UPDATE trans_global SET next_cron_time = ?, owner = ? WHERE id = ?");
            for (Fetched f : found) {
                upd.setLong(1, until.toEpochMilli());
                upd.setString(2, who);
                upd.setLong(3, f.base().id());
                upd.executeUpdate();
            }
            return found;
        }).stream().map(f -> claimedCopy(f.toGlobal(), until, who)).toList();
    }

    @Override
    public ResetResult resetCronTime(Instant now, Duration after, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, was " + limit);
        }
        int count = write(c -> {
            PreparedStatement ps = c.prepare("UPDATE trans_global SET next_cron_time = ? WHERE id IN (SELECT id FROM"
                    + " trans_global WHERE status IN " + UNFINISHED + " AND next_cron_time > ? AND " + FREE
                    + " LIMIT ?)");
            ps.setLong(1, now.toEpochMilli());
            ps.setLong(2, now.plus(after).toEpochMilli());
            ps.setLong(3, now.toEpochMilli());
            ps.setInt(4, limit);
            return ps.executeUpdate();
        });
        // As DTM's SQL stores: a full batch means more rows may remain.
        return new ResetResult(count, count == limit);
    }

    @Override
    public boolean resetNextCronTime(String gid, Instant now) {
        return write(c -> {
            PreparedStatement ps = c.prepare("UPDATE trans_global SET next_cron_time = ?, update_time = ?"
                    + " WHERE gid = ? AND " + FREE);
            setTime(ps, 1, now);
            setTime(ps, 2, now);
            ps.setString(3, gid);
            setTime(ps, 4, now);
            if (ps.executeUpdate() > 0) {
                return true;
            }
            if (selectGlobal(c, gid) == null) {
                throw new NotFoundException("transaction " + gid + " is missing");
            }
            return false;
        });
    }

    @Override
    public int deleteFinishedBefore(Instant cutoff, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, was " + limit);
        }
        long before = cutoff.toEpochMilli();
        // Find the candidates on a reader: this may scan many finished rows, and the writer must not stall on it.
        List<Long> ids = read(c -> {
            // No ORDER BY: any old rows will do, and sorting would visit every finished row on each call.
            PreparedStatement ps = c.prepare("SELECT id FROM trans_global WHERE status IN " + FINISHED
                    + " AND update_time < ? LIMIT ?");
            ps.setLong(1, before);
            ps.setInt(2, limit);
            List<Long> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getLong(1));
                }
            }
            return out;
        });
        if (ids.isEmpty()) {
            return 0;
        }
        return write(c -> {
            // RETURNING gid: the branch rows hang off the gid. The conditions are checked again, since the row may
            // have changed since it was read.
            PreparedStatement del = c.prepare("DELETE FROM trans_global WHERE id = ? AND status IN " + FINISHED
                    + " AND update_time < ? RETURNING gid");
            PreparedStatement delBranches = c.prepare("DELETE FROM trans_branch_op WHERE gid = ?");
            PreparedStatement delAttempts = c.prepare(AttemptRows.DELETE_BY_GID);
            int deleted = 0;
            for (long id : ids) {
                del.setLong(1, id);
                del.setLong(2, before);
                String gid = null;
                try (ResultSet rs = del.executeQuery()) {
                    if (rs.next()) {
                        gid = rs.getString(1);
                    }
                }
                if (gid != null) {
                    delBranches.setString(1, gid);
                    delBranches.executeUpdate();
                    delAttempts.setString(1, gid);
                    delAttempts.executeUpdate();
                    deleted++;
                }
            }
            return deleted;
        });
    }

    @Override
    public Map<TransStatus, Long> countByStatus() {
        return read(c -> AttemptRows.counts(c.prepare(AttemptRows.COUNT_BY_STATUS)));
    }

    // ---- attempt history ----

    @Override
    public void recordAttempts(List<Attempt> attempts) {
        if (attempts.isEmpty()) {
            return;
        }
        write(c -> {
            PreparedStatement ps = c.prepare(AttemptRows.INSERT);
            for (Attempt a : attempts) {
                AttemptRows.bindInsert(ps, a);
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public List<Attempt> findAttempts(String gid) {
        return read(c -> {
            PreparedStatement ps = c.prepare(AttemptRows.SELECT_BY_GID);
            ps.setString(1, gid);
            return AttemptRows.read(ps);
        });
    }

    @Override
    public void createKv(String cat, String key, String value, Instant now) {
        write(c -> {
            PreparedStatement ps = c.prepare(
                    "INSERT INTO kv (cat, k, v, version, create_time, update_time) VALUES (?, ?, ?, 1, ?, ?)");
            ps.setString(1, cat);
            ps.setString(2, key);
            ps.setString(3, value);
            setTime(ps, 4, now);
            setTime(ps, 5, now);
            try {
                ps.executeUpdate();
            } catch (SQLException e) {
                throw uniqueOr(e, "kv (" + cat + ", " + key + ") exists");
            }
            return null;
        });
    }

    @Override
    public void updateKv(KvRow row, String newValue, Instant now) {
        write(c -> {
            PreparedStatement ps = c.prepare(
                    "UPDATE kv SET v = ?, version = version + 1, update_time = ? WHERE id = ? AND version = ?");
            ps.setString(1, newValue);
            setTime(ps, 2, now);
            ps.setLong(3, row.id());
            ps.setLong(4, row.version());
            if (ps.executeUpdate() == 0) {
                throw new NotFoundException(
                        "kv (" + row.cat() + ", " + row.k() + ") version " + row.version() + " is gone or outdated");
            }
            return null;
        });
    }

    @Override
    public void deleteKv(String cat, String key) {
        write(c -> {
            PreparedStatement ps = c.prepare("DELETE FROM kv WHERE cat = ? AND k = ?");
            ps.setString(1, cat);
            ps.setString(2, key);
            if (ps.executeUpdate() == 0) {
                throw new NotFoundException("kv (" + cat + ", " + key + ") is missing");
            }
            return null;
        });
    }

    /** Finishes every accepted write, stops the writer and closes all connections. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        writer.close();
        // Connections lent out right now are closed when they come back (see read()).
        CachedConnection c;
        while ((c = readers.poll()) != null) {
            closeQuietly(c);
        }
        if (lock != null) {
            lock.release();
        }
        LOG.info("sqlite store closed: {}", file);
    }

    // ---- plumbing ----

    @FunctionalInterface
    private interface ReadTask<T> {
        T run(CachedConnection c) throws SQLException;
    }

    private <T> T write(GroupCommitWriter.WriteTask<T> task) {
        return writer.execute(task);
    }

    private <T> T read(ReadTask<T> task) {
        CachedConnection c = borrow();
        try {
            return task.run(c);
        } catch (SQLException e) {
            c.forgetStatements();
            throw new StoreException("sqlite read failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (CachedConnection.causedBySql(e)) {
                c.forgetStatements();
            }
            throw e;
        } finally {
            readers.add(c);
            // A close() that ran while this connection was lent out could not close it: do it now.
            if (closed) {
                CachedConnection back;
                while ((back = readers.poll()) != null) {
                    closeQuietly(back);
                }
            }
        }
    }

    private CachedConnection borrow() {
        boolean interrupted = false;
        try {
            while (true) {
                if (closed) {
                    throw new StoreException("the sqlite store is closed");
                }
                try {
                    // Bounded wait so that a reader queued behind a close() notices it.
                    CachedConnection c = readers.poll(100, TimeUnit.MILLISECONDS);
                    if (c != null) {
                        return c;
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static Fetched selectGlobal(CachedConnection c, String gid) throws SQLException {
        PreparedStatement ps = c.prepare(SELECT_GLOBAL_BY_GID);
        ps.setString(1, gid);
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? global(rs) : null;
        }
    }

    private static void requireStatus(CachedConnection c, String gid, TransStatus expected) throws SQLException {
        PreparedStatement ps = c.prepare(SELECT_STATUS);
        ps.setString(1, gid);
        String found;
        try (ResultSet rs = ps.executeQuery()) {
            found = rs.next() ? rs.getString(1) : null;
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

    private static String claimRange(String status) {
        return "SELECT * FROM (SELECT " + GLOBAL_COLUMNS + " FROM trans_global WHERE status = '" + status
                + "' AND next_cron_time <= ? AND " + FREE + " ORDER BY next_cron_time, id LIMIT ?)";
    }

    private static StoreException uniqueOr(SQLException e, String conflictMessage) {
        if (e instanceof SQLiteException se
                && (se.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE
                        || se.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY)) {
            return new UniqueConflictException(conflictMessage);
        }
        return new StoreException("sqlite: " + e.getMessage(), e);
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

    private static void bind(PreparedStatement ps, List<Object> args) throws SQLException {
        for (int i = 0; i < args.size(); i++) {
            Object a = args.get(i);
            switch (a) {
                case String s -> ps.setString(i + 1, s);
                case Long l -> ps.setLong(i + 1, l);
                case Integer n -> ps.setInt(i + 1, n);
                default -> throw new IllegalStateException("unexpected argument type " + a.getClass());
            }
        }
    }

    private static void bindGlobal(PreparedStatement ps, TransGlobal g, String options) throws SQLException {
        ps.setString(1, g.gid());
        ps.setString(2, g.transType().wire());
        ps.setString(3, g.status().wire());
        ps.setString(4, g.queryPrepared());
        ps.setString(5, g.protocol());
        setTime(ps, 6, g.createTime());
        setTime(ps, 7, g.updateTime());
        setTime(ps, 8, g.finishTime());
        setTime(ps, 9, g.rollbackTime());
        ps.setString(10, g.result());
        ps.setString(11, g.rollbackReason());
        ps.setString(12, options);
        ps.setString(13, g.customData());
        ps.setLong(14, g.nextCronInterval());
        setTime(ps, 15, g.nextCronTime());
        ps.setString(16, g.owner());
        ps.setString(17, g.extData());
    }

    private static void bindBranch(PreparedStatement ps, TransBranch b) throws SQLException {
        ps.setString(1, b.gid());
        ps.setString(2, b.url());
        ps.setBytes(3, b.binData());
        ps.setString(4, b.branchId());
        ps.setString(5, b.op());
        ps.setString(6, b.status().wire());
        setTime(ps, 7, b.createTime());
        setTime(ps, 8, b.updateTime());
        setTime(ps, 9, b.finishTime());
        setTime(ps, 10, b.rollbackTime());
    }

    /**
     * A global row as read, with its options still JSON text: parsing it is left to the caller's thread, so that
     * rows read on the writer thread do not cost it Jackson time.
     */
    private record Fetched(TransGlobal base, String optionsJson) {
        TransGlobal toGlobal() {
            return base.withOptions(TransOptions.fromJson(optionsJson));
        }
    }

    private static Fetched global(ResultSet rs) throws SQLException {
        String type = rs.getString(3);
        TransGlobal base = new TransGlobal(
                rs.getLong(1),
                rs.getString(2),
                TransType.find(type).orElseThrow(() -> new StoreException("unknown trans_type in store: " + type)),
                TransStatus.parse(rs.getString(4)),
                rs.getString(5),
                rs.getString(6),
                time(rs, 7),
                time(rs, 8),
                time(rs, 9),
                time(rs, 10),
                rs.getString(11),
                rs.getString(12),
                TransOptions.NONE,
                rs.getString(14),
                rs.getLong(15),
                time(rs, 16),
                rs.getString(17),
                rs.getString(18));
        return new Fetched(base, rs.getString(13));
    }

    private static TransGlobal claimedCopy(TransGlobal g, Instant nextCronTime, String owner) {
        return new TransGlobal(g.id(), g.gid(), g.transType(), g.status(), g.queryPrepared(), g.protocol(),
                g.createTime(), g.updateTime(), g.finishTime(), g.rollbackTime(), g.result(), g.rollbackReason(),
                g.options(), g.customData(), g.nextCronInterval(), nextCronTime, owner, g.extData());
    }

    private static TransBranch branch(ResultSet rs) throws SQLException {
        return new TransBranch(
                rs.getLong(1),
                rs.getString(2),
                rs.getString(3),
                rs.getBytes(4),
                rs.getString(5),
                rs.getString(6),
                BranchStatus.parse(rs.getString(7)),
                time(rs, 8),
                time(rs, 9),
                time(rs, 10),
                time(rs, 11));
    }

    private static List<KvRow> kvRows(PreparedStatement ps) throws SQLException {
        List<KvRow> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new KvRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5),
                        time(rs, 6), time(rs, 7)));
            }
        }
        return out;
    }

    private static void setTime(PreparedStatement ps, int index, Instant t) throws SQLException {
        if (t == null) {
            ps.setNull(index, Types.INTEGER);
        } else {
            ps.setLong(index, t.toEpochMilli());
        }
    }

    private static Instant time(ResultSet rs, int index) throws SQLException {
        long ms = rs.getLong(index);
        return rs.wasNull() ? null : Instant.ofEpochMilli(ms);
    }

    private static void closeQuietly(CachedConnection c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (SQLException e) {
            LOG.warn("sqlite: closing a connection failed", e);
        }
    }
}
