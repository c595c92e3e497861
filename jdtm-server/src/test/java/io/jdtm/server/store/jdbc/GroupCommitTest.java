package io.jdtm.server.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.jdtm.server.store.Backends;
import io.jdtm.server.store.NotFoundException;
import io.jdtm.server.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link GroupCommit} on the real PostgreSQL and MariaDB: concurrent writes share commits, an expected outcome
 * thrown by one write reaches only its caller, and a write that breaks its batch fails alone while the others of
 * the same batch still commit.
 */
class GroupCommitTest {
    private final String table = Backends.unique("group_commit");
    private HikariDataSource pool;
    private GroupCommit group;

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
    }

    private void open(String engine) throws SQLException {
        HikariConfig hc = new HikariConfig();
        if (engine.equals("postgres")) {
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
        try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE " + table + " (k VARCHAR(64) PRIMARY KEY, v INT NOT NULL)");
        }
        group = new GroupCommit("test", 1, new GroupCommit.Backend() {
            @Override
            public Connection connection() throws SQLException {
                return pool.getConnection();
            }

            @Override
            public <T> T runAlone(String what, GroupCommit.Work<T> work) {
                try (Connection c = pool.getConnection()) {
                    c.setAutoCommit(false);
                    try {
                        T t = work.run(c);
                        c.commit();
                        return t;
                    } catch (SQLException | RuntimeException e) {
                        c.rollback();
                        throw e;
                    }
                } catch (SQLException e) {
                    throw new StoreException(what + " failed: " + e.getMessage(), e);
                }
            }

            @Override
            public RuntimeException unavailable(String what, SQLException e) {
                return null;
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

    private int rows() throws SQLException {
        try (Connection c = pool.getConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getInt(1);
        }
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

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"postgres", "mysql"})
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
        assertThat(rows()).isEqualTo(200);
        assertThat(group.batches()).as("batches").isPositive();
        assertThat(group.writes()).as("writes in batches").isGreaterThan(group.batches() * 10);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"postgres", "mysql"})
    void aBrokenWriteFailsAloneAndAnExpectedOutcomeReachesOnlyItsCaller(String engine) throws Exception {
        open(engine);
        group.write("taken", "insert", insert("taken", 1));
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread hold = holdLane(running, release);
        running.await();
        var errors = new ConcurrentHashMap<String, Throwable>();
        List<Thread> writers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String k = "k" + i;
            GroupCommit.Work<Integer> w = switch (i) {
                case 7 -> insert("taken", 2); // a duplicate key: breaks the batch (PostgreSQL aborts it)
                case 11 -> c -> {
                    throw new NotFoundException("expected outcome of write 11");
                };
                default -> insert(k, 1);
            };
            writers.add(Thread.startVirtualThread(() -> {
                try {
                    group.write(k, "w" + k, w);
                } catch (RuntimeException e) {
                    errors.put(k, e);
                }
            }));
        }
        awaitQueued(writers);
        release.countDown();
        hold.join();
        for (Thread t : writers) {
            t.join();
        }
        assertThat(errors.keySet()).containsExactlyInAnyOrder("k7", "k11");
        assertThat(errors.get("k11")).isInstanceOf(NotFoundException.class).hasMessageContaining("write 11");
        assertThat(errors.get("k7")).isInstanceOf(StoreException.class);
        assertThat(rows()).as("every other write committed").isEqualTo(1 + 18);
        assertThat(group.batches()).as("the batch that failed is not counted").isZero();
    }

    /** Waits until the writer threads are parked on their results (queued behind the held lane). */
    private static void awaitQueued(List<Thread> writers) {
        org.awaitility.Awaitility.await().until(() -> writers.stream()
                .allMatch(t -> t.getState() == Thread.State.WAITING || !t.isAlive()));
    }
}
