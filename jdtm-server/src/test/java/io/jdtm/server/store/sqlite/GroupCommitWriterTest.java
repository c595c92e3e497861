package io.jdtm.server.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdtm.server.store.NotFoundException;
import io.jdtm.server.store.StoreException;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;

/**
 * The group-commit writer on its own. A "blocker" task holds the writer thread so that the next tasks pile up in the
 * queue and are committed as one batch: that makes the batch composition deterministic.
 */
class GroupCommitWriterTest {
    private static final long WAIT_SECONDS = 30;

    @TempDir
    Path dir;

    private CachedConnection reader;
    private GroupCommitWriter writer;

    @BeforeEach
    void open() throws SQLException {
        String url = "jdbc:sqlite:" + dir.resolve("w.db");
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
        cfg.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        CachedConnection w = new CachedConnection(cfg.createConnection(url));
        w.execute("CREATE TABLE t (x INTEGER NOT NULL UNIQUE)");
        writer = new GroupCommitWriter(w, "test-writer");
        reader = new CachedConnection(new SQLiteConfig().createConnection(url));
    }

    @AfterEach
    void close() throws SQLException {
        writer.close();
        reader.close();
    }

    private static GroupCommitWriter.WriteTask<Integer> insert(int... xs) {
        return c -> {
            PreparedStatement ps = c.prepare("INSERT INTO t (x) VALUES (?)");
            for (int x : xs) {
                ps.setInt(1, x);
                ps.executeUpdate();
            }
            return xs.length;
        };
    }

    private List<Integer> rows() throws SQLException {
        List<Integer> out = new ArrayList<>();
        try (ResultSet rs = reader.prepare("SELECT x FROM t ORDER BY x").executeQuery()) {
            while (rs.next()) {
                out.add(rs.getInt(1));
            }
        }
        return out;
    }

    /** Occupies the writer thread until the returned latch is released. */
    private CountDownLatch holdWriter() throws InterruptedException {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        writer.submit(c -> {
            entered.countDown();
            try {
                return release.await(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
        assertThat(entered.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("writer picked up the blocker").isTrue();
        return release;
    }

    private void awaitQueued(int n) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (writer.queued() < n) {
            assertThat(System.nanoTime()).as("%d tasks queued in time", n).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    private static Throwable failure(CompletableFuture<?> f) {
        try {
            f.get(WAIT_SECONDS, TimeUnit.SECONDS);
            throw new AssertionError("expected the task to fail");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aFailingTaskIsRolledBackAloneAndTheRestOfItsBatchCommits() throws Exception {
        CountDownLatch release = holdWriter();
        long commitsBefore = writer.commits();

        CompletableFuture<Integer> ok1 = writer.submit(insert(1));
        CompletableFuture<Integer> bad = writer.submit(insert(2, 1)); // inserts 2, then fails on the duplicate 1
        CompletableFuture<Integer> notFound = writer.submit(c -> {
            insert(5).run(c);
            throw new NotFoundException("compare-and-set missed");
        });
        CompletableFuture<Integer> ok2 = writer.submit(insert(3));
        awaitQueued(4);
        release.countDown();

        assertThat(ok1.get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(ok2.get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(failure(bad)).isInstanceOf(StoreException.class).hasMessageContaining("UNIQUE");
        assertThat(failure(notFound)).isInstanceOf(NotFoundException.class);
        assertThat(rows()).as("2 and 5 were undone with their savepoints").containsExactly(1, 3);
        assertThat(writer.commits() - commitsBefore).as("the blocker's batch and one more").isEqualTo(2);
    }

    @Test
    void aTaskThatBreaksTheTransactionFailsItsWholeBatchAndTheWriterCarriesOn() throws Exception {
        CountDownLatch release = holdWriter();
        CompletableFuture<Integer> before = writer.submit(insert(10));
        CompletableFuture<Integer> breaker = writer.submit(c -> {
            c.execute("ROLLBACK");
            return 0;
        });
        CompletableFuture<Integer> after = writer.submit(insert(11));
        awaitQueued(3);
        release.countDown();

        assertThat(failure(before)).isInstanceOf(StoreException.class);
        assertThat(failure(breaker)).isInstanceOf(StoreException.class);
        assertThat(failure(after)).isInstanceOf(StoreException.class);

        assertThat(writer.execute(insert(12))).isEqualTo(1);
        assertThat(rows()).containsExactly(12);
    }

    @Test
    void aStatementThatFailedIsPreparedAfreshForTheNextTask() {
        // abs(MIN_VALUE) fails while stepping with a plain SQL error, after which sqlite-jdbc finalizes the statement.
        GroupCommitWriter.WriteTask<Long> abs = c -> {
            PreparedStatement ps = c.prepare("SELECT abs(?)");
            ps.setLong(1, Long.MIN_VALUE);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        };
        assertThatThrownBy(() -> writer.execute(abs)).isInstanceOf(StoreException.class).hasMessageContaining(
                "overflow");

        Long ok = writer.execute(c -> {
            PreparedStatement ps = c.prepare("SELECT abs(?)");
            ps.setLong(1, -7);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        });
        assertThat(ok).isEqualTo(7);
    }

    @Test
    void anErrorInATaskFailsOnlyThatTask() throws Exception {
        assertThatThrownBy(() -> writer.execute(c -> {
            throw new AssertionError("boom");
        })).isInstanceOf(AssertionError.class).hasMessage("boom");

        assertThat(writer.execute(insert(20))).isEqualTo(1);
        assertThat(rows()).containsExactly(20);
    }

    @Test
    void closeFinishesAcceptedTasksThenRefusesNewOnes() throws Exception {
        CountDownLatch release = holdWriter();
        List<CompletableFuture<Integer>> accepted = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            accepted.add(writer.submit(insert(30 + i)));
        }
        Thread closer = Thread.ofVirtual().start(writer::close);
        // close() must not return while accepted tasks are pending.
        assertThat(closer.join(java.time.Duration.ofMillis(50))).isFalse();
        release.countDown();
        assertThat(closer.join(java.time.Duration.ofSeconds(WAIT_SECONDS))).isTrue();

        for (CompletableFuture<Integer> f : accepted) {
            assertThat(f).isCompletedWithValue(1);
        }
        assertThat(rows()).containsExactly(30, 31, 32, 33, 34);
        assertThatThrownBy(() -> writer.submit(insert(40)))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("closed");
    }
}
