package io.jdtm.server.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.jdtm.server.store.Backends;
import io.jdtm.server.store.NotFoundException;
import io.jdtm.server.store.StoreException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link GroupCommit} on the real SQLite, PostgreSQL (writes one after another, and pipelined: side by side in
 * rounds) and MariaDB: concurrent writes share commits, an expected
 * outcome thrown by one write reaches only its caller, a write that breaks its batch fails alone while the others of
 * the same batch still commit, and close lets accepted writes finish. On SQLite (one writer, savepoints) a write that
 * fails after writing is undone alone, and a statement that failed is prepared afresh.
 *
 * <p>A "holder" write occupies the lane, so that the writes queued meanwhile form one batch: that makes the batch
 * composition deterministic.
 */
class GroupCommitTest {
    private final String table = Backends.unique("group_commit");
    private HikariDataSource pool;
    private SqliteFile sqlite;
    private Runner.Connections connections;
    private GroupCommit group;
    private boolean savepoints;

    @TempDir
    Path dir;

    @AfterEach
    void close() throws SQLException {
        if (group != null) {
            group.close();
        }
        if (pool != null) {
            try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
                st.execute("DROP TABLE IF EXISTS " + table);
            }
            pool.close();
        }
        if (sqlite != null) {
            sqlite.close();
        }
    }

    private void open(String engine) throws SQLException {
        if (engine.equals("sqlite")) {
            sqlite = SqliteFile.open(dir);
            connections = sqlite::writer;
            savepoints = true;
        } else {
            HikariConfig hc = new HikariConfig();
            if (engine.startsWith("postgres")) {
                Backends.require("PostgreSQL", Backends.POSTGRES_PORT);
                hc.setJdbcUrl("jdbc:postgresql://127.0.0.1:5432/" + Backends.POSTGRES_DB);
                hc.setUsername("postgres");
            } else {
                Backends.require("MariaDB", Backends.MARIADB_PORT);
                hc.setJdbcUrl("jdbc:mariadb://127.0.0.1:3306/test?sslMode=disable");
                hc.setUsername("root");
            }
            hc.setMaximumPoolSize(8);
            pool = new HikariDataSource(hc);
            connections = pool::getConnection;
        }
        try (Connection c = connections.get(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE " + table + " (k VARCHAR(64) PRIMARY KEY, v INT NOT NULL)");
        }
        group = new GroupCommit("test", 1, savepoints, engine.equals("postgres-pipelined"), new GroupCommit.Backend() {
            @Override
            public Connection connection() throws SQLException {
                return connections.get();
            }

            @Override
            public <T> T runAlone(String what, GroupCommit.Work<T> work) {
                try (Connection c = connections.get()) {
                    c.setAutoCommit(false);
                    try {
                        T t = work.run(c);
                        c.commit();
                        return t;
                    } catch (SQLException | RuntimeException | Error e) {
                        c.rollback();
                        throw e;
                    }
                } catch (SQLException e) {
                    throw failure(what, e);
                }
            }

            @Override
            public StoreException failure(String what, SQLException e) {
                return new StoreException(what + " failed: " + e.getMessage(), e);
            }
        });
    }

    private GroupCommit.Work<Integer> insert(String k, int v) {
        return c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (k, v) VALUES (?, ?)")) {
                ps.setString(1, k);
                ps.setInt(2, v);
                return ps.executeUpdate();
            }
        };
    }

    private List<String> keys() throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = sqlite != null ? sqlite.reader() : pool.getConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT k FROM " + table + " ORDER BY k")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** Holds the lane on a first write until released, so the writes queued meanwhile form one batch. */
    private Thread holdLane(CountDownLatch running, CountDownLatch release) {
        return Thread.startVirtualThread(() -> group.write("k", "hold", c -> {
            running.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return 0;
        }));
    }

    /** Queues {@code works} behind a held lane, releases it, and returns what each caller got (value or error). */
    private List<Object> oneBatch(List<GroupCommit.Work<Integer>> works) throws InterruptedException {
        List<Map.Entry<String, Step<Integer>>> writes = new ArrayList<>();
        for (int i = 0; i < works.size(); i++) {
            GroupCommit.Work<Integer> w = works.get(i);
            writes.add(Map.entry("k" + i, Step.code(c -> Step.done(w.run(c)))));
        }
        return oneBatchOfSteps(writes);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sqlite", "postgres", "postgres-pipelined", "mysql"})
    void concurrentWritesShareCommitsAndAllLand(String engine) throws Exception {
        open(engine);
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread hold = holdLane(running, release);
        running.await();
        List<Thread> writers = new ArrayList<>();
        AtomicInteger ok = new AtomicInteger();
        for (int i = 0; i < 200; i++) {
            String k = "k" + i;
            writers.add(Thread.startVirtualThread(() -> ok.addAndGet(group.write(k, "insert", insert(k, 1)))));
        }
        awaitQueued(writers);
        release.countDown();
        hold.join();
        for (Thread t : writers) {
            t.join();
        }
        assertThat(ok).hasValue(200);
        assertThat(keys()).hasSize(200);
        assertThat(group.batches()).as("batches").isPositive();
        assertThat(group.writes()).as("writes in batches").isGreaterThan(group.batches() * 10);
        GroupCommit.Stats stats = group.stats();
        assertThat(stats.writes()).as("every write counted").isGreaterThanOrEqualTo(200);
        assertThat(stats.batches()).as("the held batch and the few that took the 200").isBetween(2L, 20L);
        assertThat(stats.busyNanos()).isPositive();
    }

    @Test
    void aWriteAloneCountsAsABatchOfOneInTheStats() throws Exception {
        open("sqlite");
        assertThat(group.stats()).isEqualTo(new GroupCommit.Stats(1, 0, 0, 0));
        group.write("k", "insert", insert("k", 1));
        GroupCommit.Stats stats = group.stats();
        assertThat(stats.batches()).isEqualTo(1);
        assertThat(stats.writes()).isEqualTo(1);
        assertThat(stats.busyNanos()).as("the time the lane ran it").isPositive();
        assertThat(group.batches()).as("batches of several writes only").isZero();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sqlite", "postgres", "postgres-pipelined", "mysql"})
    void aBrokenWriteFailsAloneAndAnExpectedOutcomeReachesOnlyItsCaller(String engine) throws Exception {
        open(engine);
        group.write("taken", "insert", insert("taken", 1));
        List<GroupCommit.Work<Integer>> works = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            works.add(switch (i) {
                case 7 -> insert("taken", 2); // a duplicate key: breaks the batch (PostgreSQL aborts it)
                case 11 -> c -> {
                    throw new NotFoundException("expected outcome of write 11");
                };
                default -> insert("k" + i, 1);
            });
        }
        List<Object> results = oneBatch(works);

        assertThat(results.get(11)).isInstanceOf(NotFoundException.class)
                .asString().contains("write 11");
        assertThat(results.get(7)).isInstanceOf(StoreException.class);
        assertThat(results).filteredOn(r -> r instanceof Integer).as("every other write committed").hasSize(18);
        assertThat(keys()).hasSize(1 + 18);
        // Without savepoints the batch with the duplicate failed (not counted) and its writes ran again alone; with
        // savepoints only the duplicate was undone and the batch committed.
        assertThat(group.batches()).isEqualTo(savepoints ? 1 : 0);
    }

    @Test
    void withSavepointsAWriteThatFailsAfterWritingIsUndoneAloneAndTheRestOfItsBatchCommits() throws Exception {
        open("sqlite");
        List<Object> results = oneBatch(List.of(
                insert("1", 1),
                c -> insert("2", 1).run(c) + insert("1", 1).run(c), // inserts 2, then fails on the duplicate 1
                c -> {
                    insert("5", 1).run(c);
                    throw new NotFoundException("compare-and-set missed");
                },
                insert("3", 1)));

        assertThat(results.get(0)).isEqualTo(1);
        assertThat(results.get(3)).isEqualTo(1);
        assertThat(results.get(1)).isInstanceOf(StoreException.class).asString().contains("UNIQUE");
        assertThat(results.get(2)).isInstanceOf(NotFoundException.class);
        assertThat(keys()).as("2 and 5 were undone with their savepoints").containsExactly("1", "3");
        assertThat(group.batches()).as("one batch, committed").isEqualTo(1);
    }

    @Test
    void aWriteThatBreaksTheTransactionFailsAloneAndTheOthersOfItsBatchRunAgainAlone() throws Exception {
        open("sqlite");
        List<Object> results = oneBatch(List.of(
                insert("10", 1),
                c -> {
                    try (PreparedStatement ps = c.prepareStatement("ROLLBACK")) {
                        ps.execute();
                    }
                    return 0;
                },
                insert("11", 1)));

        assertThat(results.get(0)).isEqualTo(1);
        assertThat(results.get(1)).isInstanceOf(StoreException.class);
        assertThat(results.get(2)).isEqualTo(1);
        assertThat(group.write("k", "after", insert("12", 1))).isEqualTo(1);
        assertThat(keys()).containsExactly("10", "11", "12");
    }

    @Test
    void aStatementThatFailedIsPreparedAfreshForTheNextWrite() throws Exception {
        open("sqlite");
        // abs(MIN_VALUE) fails while stepping with a plain SQL error, after which sqlite-jdbc finalizes the statement.
        GroupCommit.Work<Long> abs = c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT abs(?)")) {
                ps.setLong(1, Long.MIN_VALUE);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : null;
                }
            }
        };
        assertThatThrownBy(() -> group.write("k", "abs", abs)).isInstanceOf(StoreException.class)
                .hasMessageContaining("overflow");

        Long ok = group.write("k", "abs", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT abs(?)")) {
                ps.setLong(1, -7);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : null;
                }
            }
        });
        assertThat(ok).isEqualTo(7);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sqlite", "postgres", "postgres-pipelined", "mysql"})
    void anErrorInAWriteFailsOnlyThatWrite(String engine) throws Exception {
        open(engine);
        assertThatThrownBy(() -> group.write("k", "boom", c -> {
            throw new AssertionError("boom");
        })).isInstanceOf(AssertionError.class).hasMessage("boom");

        assertThat(group.write("k", "insert", insert("20", 1))).isEqualTo(1);
        assertThat(keys()).containsExactly("20");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sqlite", "postgres", "postgres-pipelined", "mysql"})
    void closeFinishesAcceptedWritesAndLaterWritesRunAlone(String engine) throws Exception {
        open(engine);
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread hold = holdLane(running, release);
        running.await();
        List<Thread> writers = new ArrayList<>();
        AtomicInteger ok = new AtomicInteger();
        for (int i = 0; i < 5; i++) {
            String k = "3" + i;
            writers.add(Thread.startVirtualThread(() -> ok.addAndGet(group.write(k, "insert", insert(k, 1)))));
        }
        awaitQueued(writers);
        Thread closer = Thread.ofVirtual().start(group::close);
        // close() must not return while accepted writes are pending.
        assertThat(closer.join(Duration.ofMillis(50))).isFalse();
        release.countDown();
        assertThat(closer.join(Duration.ofSeconds(30))).isTrue();
        hold.join();
        for (Thread t : writers) {
            t.join();
        }

        assertThat(ok).hasValue(5);
        assertThat(group.write("k", "late", insert("40", 1))).as("ran alone").isEqualTo(1);
        assertThat(keys()).containsExactly("30", "31", "32", "33", "34", "40");
    }

    /** Inserts {@code k} unless it exists; then reads its value back with the batch's other lookups. */
    private Step<Integer> insertThenRead(String k, int v) {
        Dialect.Binder bind = ps -> {
            ps.setString(1, k);
            ps.setInt(2, v);
        };
        return Step.update("INSERT INTO " + table + " (k, v) VALUES (?, ?) ON CONFLICT (k) DO NOTHING", List.of(bind),
                n -> {
                    if (n[0] == 0) {
                        throw new NotFoundException(k + " exists"); // an expected outcome: nothing written yet
                    }
                    return new Step.Lookup<>(k, values, Step::done);
                });
    }

    /** The lookups' fetcher: v by k, many keys in one query. */
    private final Step.Fetcher<Integer> values = (c, keys) -> {
        var out = new java.util.HashMap<String, Integer>();
        try (PreparedStatement ps = c.prepareStatement("SELECT k, v FROM " + table + " WHERE k = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("varchar", keys.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getInt(2));
                }
            }
        }
        return out;
    };

    private Step<Integer> setValue(String k, int v) {
        return Step.update("UPDATE " + table + " SET v = ? WHERE k = ?", List.of(ps -> {
            ps.setInt(1, v);
            ps.setString(2, k);
        }), n -> Step.done(n[0]));
    }

    /**
     * Queues step writes (key, steps) behind a held lane, one at a time so the batch keeps their order, releases
     * it, and returns what each caller got (value or error).
     */
    private List<Object> oneBatchOfSteps(List<Map.Entry<String, Step<Integer>>> writes) throws InterruptedException {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread hold = holdLane(running, release);
        running.await();
        var results = new ConcurrentHashMap<Integer, Object>();
        List<Thread> writers = new ArrayList<>();
        for (int i = 0; i < writes.size(); i++) {
            int n = i;
            writers.add(Thread.startVirtualThread(() -> {
                try {
                    results.put(n, group.write(writes.get(n).getKey(), "w" + n, writes.get(n).getValue()));
                } catch (RuntimeException | Error e) {
                    results.put(n, e);
                }
            }));
            awaitQueued(writers);
        }
        release.countDown();
        hold.join();
        for (Thread t : writers) {
            t.join();
        }
        return java.util.stream.IntStream.range(0, writes.size()).mapToObj(results::get).toList();
    }

    @Test
    void pipelinedStepsOfABatchRunSideBySideAndEachGetsItsOwnAnswer() throws Exception {
        open("postgres-pipelined");
        group.write("taken", "insert", insert("taken", 5));
        List<Object> results = oneBatchOfSteps(List.of(
                Map.entry("a", insertThenRead("a", 1)),
                Map.entry("taken", insertThenRead("taken", 9)), // update count 0: its expected outcome only
                Map.entry("b", insertThenRead("b", 2).then(v -> setValue("b", v + 40))),
                Map.entry("c", insertThenRead("c", 3))));

        assertThat(results.get(0)).isEqualTo(1);
        assertThat(results.get(1)).isInstanceOf(NotFoundException.class).asString().contains("taken exists");
        assertThat(results.get(2)).as("rows the follow-up update wrote").isEqualTo(1);
        assertThat(results.get(3)).isEqualTo(3);
        assertThat(keys()).containsExactly("a", "b", "c", "taken");
        Integer read = group.write("q", "read", new Step.Lookup<>("b", values, Step::done));
        assertThat(read).isEqualTo(42);
        assertThat(group.batches()).as("one batch, committed").isEqualTo(1);
    }

    @Test
    void aWriteInTwoFormsRunsSideBySideInAPipelinedBatchAndInTurnAlone() throws Exception {
        open("postgres-pipelined");
        Step<Integer> either = new Step.Either<>(Step.done(1), Step.done(2));
        Integer alone = group.write("e", "either", either);
        assertThat(alone).as("a batch of one runs in turn").isEqualTo(2);

        List<Object> results = oneBatchOfSteps(List.of(
                Map.entry("e1", either.then(v -> setValue("nothing", v))),
                Map.entry("e2", either.then(v -> Step.done(v * 10)))));

        assertThat(results).containsExactly(0, 10);
        assertThat(group.batches()).isEqualTo(1);
    }

    @Test
    void aPipelinedBatchWithABrokenStatementRunsEveryWriteAgainAlone() throws Exception {
        open("postgres-pipelined");
        Step<Integer> nullValue = Step.update("INSERT INTO " + table + " (k, v) VALUES (?, NULL)",
                List.of(ps -> ps.setString(1, "broken")), n -> Step.done(n[0]));
        List<Object> results = oneBatchOfSteps(List.of(
                Map.entry("x", insertThenRead("x", 1)),
                Map.entry("broken", nullValue),
                Map.entry("y", insertThenRead("y", 2))));

        assertThat(results.get(0)).isEqualTo(1);
        assertThat(results.get(1)).isInstanceOf(StoreException.class).asString().contains("null value");
        assertThat(results.get(2)).isEqualTo(2);
        assertThat(keys()).containsExactly("x", "y");
        assertThat(group.batches()).as("the batch failed; its writes ran alone").isZero();
    }

    @Test
    void twoWritesOfOneKeyInAPipelinedBatchRunOneAfterTheOther() throws Exception {
        open("postgres-pipelined");
        List<Object> results = oneBatchOfSteps(List.of(
                Map.entry("same", insertThenRead("same", 1)),
                Map.entry("same", setValue("same", 7)),
                Map.entry("other", insertThenRead("other", 3))));

        assertThat(results).containsExactly(1, 1, 3);
        Integer read = group.write("q", "read", new Step.Lookup<>("same", values, Step::done));
        assertThat(read).isEqualTo(7);
    }

    /** Waits until the writer threads are parked on their results (queued behind the held lane). */
    private static void awaitQueued(List<Thread> writers) {
        org.awaitility.Awaitility.await().until(() -> writers.stream()
                .allMatch(t -> t.getState() == Thread.State.WAITING || !t.isAlive()));
    }
}
