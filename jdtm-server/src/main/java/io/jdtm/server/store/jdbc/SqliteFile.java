package io.jdtm.server.store.jdbc;

import io.jdtm.server.store.StoreException;
import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * The embedded store's database, {@code <dataDir>/jdtm.db}, and its connections: one writer, in WAL mode with
 * {@code synchronous=FULL} (every commit fsyncs the WAL, so an acknowledged write survives {@code kill -9} and power
 * loss), and {@value #READERS} read-only readers, which WAL lets read the last committed state while a write is in
 * progress. The directory is locked ({@link DirLock}) while the file is open: one process per data directory.
 *
 * <p>Connections are lent to one thread at a time, like a pool's ({@link #writer()} waits while the writer is lent);
 * {@code close()} hands them back. Each keeps its prepared statements across loans, since SQLite compiles a
 * statement when it is prepared and the hot path runs the same dozen statements: {@code close()} of a statement only
 * keeps it for the next {@code prepareStatement} of the same SQL. Thread-safe.
 */
final class SqliteFile implements AutoCloseable {
    /** The file name inside the data directory. */
    static final String FILE_NAME = "jdtm.db";
    /** Held while the store is open, so a second process on the same data directory fails at once. */
    static final String LOCK_NAME = "jdtm.lock";

    private static final Logger LOG = LoggerFactory.getLogger(SqliteFile.class);
    private static final int READERS = 4;
    private static final int BUSY_TIMEOUT_MS = 5_000;
    /** Statements kept per connection; the listing's filters and the retention's IN lists make many variants. */
    private static final int STATEMENTS = 256;

    private final Path file;
    private final DirLock lock;
    private final Pool writer;
    private final Pool readers;

    private SqliteFile(Path file, DirLock lock, Pool writer, Pool readers) {
        this.file = file;
        this.lock = lock;
        this.writer = writer;
        this.readers = readers;
    }

    /**
     * Opens (creating when missing) {@code dataDir} and its database, and migrates the schema.
     *
     * @throws StoreException when the directory is in use or cannot be created, or the database cannot be opened
     */
    static SqliteFile open(Path dataDir) {
        Objects.requireNonNull(dataDir, "dataDir");
        Path file = dataDir.resolve(FILE_NAME).toAbsolutePath();
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new StoreException("cannot create the data directory " + dataDir.toAbsolutePath() + ": " + e, e);
        }
        DirLock lock = DirLock.acquire(dataDir.resolve(LOCK_NAME).toAbsolutePath());
        String url = "jdbc:sqlite:" + file;
        List<Connection> opened = new ArrayList<>();
        try {
            SQLiteConfig wc = new SQLiteConfig();
            wc.setJournalMode(SQLiteConfig.JournalMode.WAL);
            // FULL: in WAL mode every commit fsyncs the WAL, so an acknowledged write is on disk.
            wc.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
            wc.setBusyTimeout(BUSY_TIMEOUT_MS);
            // Otherwise sqlite-jdbc prepares and runs a "last_insert_rowid()" query after every insert.
            wc.setGetGeneratedKeys(false);
            // Statement journals and temporary b-trees in memory: a file created and deleted for them was a few
            // dozen open/unlink pairs per second on the writer under load.
            wc.setTempStore(SQLiteConfig.TempStore.MEMORY);
            // 64 MiB of page cache (default 2 MiB): the indexes of a large backlog stay in memory.
            wc.setCacheSize(-64 * 1024);
            Connection w = wc.createConnection(url);
            opened.add(w);
            SqliteSchema.migrate(w, file.toString());
            List<Connection> rs = new ArrayList<>();
            for (int i = 0; i < READERS; i++) {
                SQLiteConfig rc = new SQLiteConfig();
                rc.setBusyTimeout(BUSY_TIMEOUT_MS);
                // query_only rather than a read-only open: a read-only WAL reader cannot create the -shm file.
                Connection c = rc.createConnection(url);
                opened.add(c);
                try (var st = c.createStatement()) {
                    st.execute("PRAGMA query_only = 1");
                }
                rs.add(c);
            }
            return new SqliteFile(file, lock, new Pool(List.of(w)), new Pool(rs));
        } catch (SQLException | RuntimeException e) {
            opened.forEach(SqliteFile::closeQuietly);
            lock.release();
            if (e instanceof StoreException se) {
                throw se;
            }
            throw new StoreException("cannot open the sqlite store " + file + ": " + e.getMessage(), e);
        }
    }

    Path file() {
        return file;
    }

    /** Borrows the one writer connection, waiting while it is lent; close it to hand it back. */
    Connection writer() {
        return writer.borrow();
    }

    /** Borrows a reader connection (it refuses writes); close it to hand it back. */
    Connection reader() {
        return readers.borrow();
    }

    /** Closes the connections (those lent out when they come back) and releases the directory. Idempotent. */
    @Override
    public void close() {
        if (writer.close() | readers.close()) {
            lock.release();
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            LOG.warn("sqlite: closing a connection failed", e);
        }
    }

    /** Connections lent to one thread at a time. */
    private static final class Pool {
        private final ArrayBlockingQueue<Lendable> idle;
        private final int size;
        private volatile boolean closed;

        Pool(List<Connection> connections) {
            size = connections.size();
            idle = new ArrayBlockingQueue<>(size);
            connections.forEach(c -> idle.add(new Lendable(this, c)));
        }

        Connection borrow() {
            boolean interrupted = false;
            try {
                while (true) {
                    if (closed) {
                        throw new StoreException("the sqlite store is closed");
                    }
                    try {
                        // Bounded wait, so that a borrower queued behind a close() notices it.
                        Lendable c = idle.poll(100, TimeUnit.MILLISECONDS);
                        if (c != null) {
                            c.lent = true;
                            return c.proxy;
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

        void giveBack(Lendable c) {
            idle.add(c);
            if (closed) {
                closeIdle(); // a close() that ran while it was lent out could not close it
            }
        }

        /** True the first time. */
        boolean close() {
            if (closed) {
                return false;
            }
            closed = true;
            closeIdle();
            return true;
        }

        private void closeIdle() {
            for (Lendable c; (c = idle.poll()) != null; ) {
                c.statements.clear();
                closeQuietly(c.connection);
            }
        }
    }

    /** One connection, its statement cache and the proxy lent out for it. */
    private static final class Lendable implements InvocationHandler {
        final Pool pool;
        final Connection connection;
        final Connection proxy;
        /** By SQL, least recently used first: the real statement and the proxy lent out for it. */
        final Map<String, PreparedStatement[]> statements = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement[]> eldest) {
                if (size() <= STATEMENTS) {
                    return false;
                }
                closeStatement(eldest.getValue()[0]);
                return true;
            }
        };
        boolean lent;
        /** Autocommit is off (JDBC's view), and a transaction is open (SQLite's). */
        boolean manual;
        boolean open;

        Lendable(Pool pool, Connection connection) {
            this.pool = pool;
            this.connection = connection;
            this.proxy = (Connection) Proxy.newProxyInstance(
                    Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, this);
        }

        @Override
        public Object invoke(Object p, Method m, Object[] args) throws Throwable {
            switch (m.getName()) {
                case "close" -> {
                    if (lent) {
                        lent = false;
                        manual = false;
                        try {
                            end("ROLLBACK"); // as a pool does: a transaction left open is rolled back
                        } catch (SQLException e) {
                            LOG.debug("sqlite: rollback on return: {}", e.getMessage());
                        } finally {
                            pool.giveBack(this);
                        }
                    }
                    return null;
                }
                case "isClosed" -> {
                    return !lent || connection.isClosed();
                }
                case "getAutoCommit" -> {
                    return !manual;
                }
                case "setAutoCommit" -> {
                    boolean auto = (Boolean) args[0];
                    if (auto && manual) {
                        end("COMMIT"); // JDBC: switching autocommit on commits
                    }
                    manual = !auto;
                    return null;
                }
                case "commit" -> {
                    end("COMMIT");
                    return null;
                }
                case "rollback" -> {
                    if (args == null) {
                        end("ROLLBACK");
                        return null;
                    }
                }
                case "prepareStatement", "createStatement" -> {
                    if (manual && !open) {
                        // The transaction begins with the first statement after setAutoCommit(false) or a commit;
                        // IMMEDIATE: it takes the write lock at once, not at its first write.
                        real("BEGIN IMMEDIATE").execute();
                        open = true;
                    }
                    if (m.getName().equals("prepareStatement") && args.length == 1) {
                        return statement((String) args[0]);
                    }
                }
                default -> { }
            }
            return call(connection, m, args);
        }

        /**
         * Ends the open transaction, if any. Transaction control runs as cached statements on a connection that
         * sqlite-jdbc keeps in autocommit: its own setAutoCommit and commit would run extra BEGIN/COMMIT pairs.
         */
        private void end(String sql) throws SQLException {
            if (open) {
                open = false; // also when it fails: a statement of the work may have ended the transaction already
                real(sql).execute();
            }
        }

        private PreparedStatement real(String sql) throws SQLException {
            statement(sql);
            return statements.get(sql)[0];
        }

        private PreparedStatement statement(String sql) throws SQLException {
            PreparedStatement[] cached = statements.get(sql);
            // sqlite-jdbc closes a statement that failed while stepping: prepare it afresh then.
            if (cached == null || cached[0].isClosed()) {
                PreparedStatement real = connection.prepareStatement(sql);
                PreparedStatement ps = (PreparedStatement) Proxy.newProxyInstance(PreparedStatement.class.getClassLoader(),
                        new Class<?>[] {PreparedStatement.class}, (sp, sm, sargs) -> switch (sm.getName()) {
                            case "close" -> null; // kept for the next prepareStatement of this SQL
                            case "isClosed" -> real.isClosed();
                            default -> {
                                try {
                                    yield call(real, sm, sargs);
                                } catch (SQLException e) {
                                    statements.remove(sql);
                                    closeStatement(real);
                                    throw e;
                                }
                            }
                        });
                cached = new PreparedStatement[] {real, ps};
                statements.put(sql, cached);
            }
            return cached[1];
        }

        private static Object call(Object target, Method m, Object[] args) throws Throwable {
            try {
                return m.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }

        private static void closeStatement(PreparedStatement ps) {
            try {
                ps.close();
            } catch (SQLException e) {
                // already unusable; dropping it is all that matters
            }
        }
    }
}
