package io.jdtm.server.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdtm.protocol.TransStatus;
import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.StoreException;
import io.jdtm.server.store.StoreFactory;
import io.jdtm.server.store.TransStore;
import io.jdtm.server.store.TransStoreContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The storage contract on the embedded SQLite engine, plus what only this engine promises. */
class SqliteTransStoreTest extends TransStoreContract {

    @TempDir
    Path dir;

    @Override
    protected TransStore newStore() {
        return JdbcTransStore.openEmbedded(dir.resolve("data"));
    }

    private JdbcTransStore sqlite() {
        return (JdbcTransStore) store;
    }

    private Path file() {
        return dir.resolve("data").resolve(SqliteFile.FILE_NAME);
    }

    @Test
    void createsTheDataDirectoryAndTheFile() {
        Path nested = dir.resolve("a/b/c");
        try (JdbcTransStore s = JdbcTransStore.openEmbedded(nested)) {
            assertThat(Files.isRegularFile(nested.resolve("jdtm.db"))).isTrue();
            assertThat(s.name()).isEqualTo("sqlite");
        }
    }

    @Test
    void writesInWalModeWithFullSynchronousCommits() {
        // on the writer connection: synchronous is a setting of the connection
        String journal = sqlite().groupCommit().write("", "pragma", c -> pragma(c, "journal_mode"));
        String sync = sqlite().groupCommit().write("", "pragma", c -> pragma(c, "synchronous"));

        assertThat(journal).isEqualToIgnoringCase("wal");
        assertThat(sync).as("2 = FULL").isEqualTo("2");
    }

    @Test
    void concurrentWritesShareCommits() throws Exception {
        GroupCommit w = sqlite().groupCommit();
        long commitsBefore = w.batches();
        long tasksBefore = w.writes();

        concurrently(64, t -> () -> {
            for (int n = 0; n < 20; n++) {
                store.saveNew(newGlobal("gc-" + t + "-" + n, TransStatus.SUBMITTED, T0), List.of());
            }
            return null;
        });

        // Writes that found the lane idle ran alone; 64 callers blocked on their commit must have been grouped
        // at least sometimes, and the batches held more than one write each.
        long batched = w.writes() - tasksBefore;
        long batches = w.batches() - commitsBefore;
        assertThat(batches).isPositive();
        assertThat(batched).isGreaterThan(batches);
        assertThat(store.countByStatus().get(TransStatus.SUBMITTED)).isEqualTo(64 * 20L);
    }

    @Test
    void dataAndSchemaVersionSurviveAReopen() throws Exception {
        store.saveNew(newGlobal("keep-1", TransStatus.SUBMITTED, T0), sagaStep("keep-1", 1, T0));
        store.createKv("topics", "t", "v", T0);
        store.close();

        store = JdbcTransStore.openEmbedded(dir.resolve("data"));

        assertThat(store.findGlobal("keep-1")).isPresent();
        assertThat(store.findBranches("keep-1")).hasSize(2);
        assertThat(store.findKv("topics", "t")).hasSize(1);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file());
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("PRAGMA user_version")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(SqliteSchema.VERSION);
        }
    }

    @Test
    void refusesADataFileFromANewerSchema() throws Exception {
        Path file = file();
        store.close();
        store = null;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement st = c.createStatement()) {
            st.execute("PRAGMA user_version = 99");
        }

        assertThatThrownBy(() -> JdbcTransStore.openEmbedded(dir.resolve("data")))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("schema version 99");
    }

    @Test
    void aClosedStoreRefusesCallsAndClosesTwiceQuietly() {
        store.close();

        assertThatThrownBy(() -> store.saveNew(newGlobal("late", TransStatus.SUBMITTED, T0), List.of()))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> store.findGlobal("late")).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> store.ping()).isInstanceOf(StoreException.class);
        store.close();
    }

    @Test
    void aBadCursorIsAnArgumentError() {
        assertThatThrownBy(() -> store.scanKv("topics", "abc", 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("abc");
    }

    @Test
    void factoryOpensSqliteForBoltdbAndSqliteAndRejectsOthers() {
        for (String driver : List.of("boltdb", "sqlite")) {
            StoreConfig cfg = StoreConfig.defaults().withDriver(driver).withDataDir(dir.resolve(driver).toString());
            try (TransStore s = StoreFactory.open(cfg)) {
                assertThat(s).isInstanceOf(JdbcTransStore.class);
                assertThat(s.name()).isEqualTo("sqlite");
                s.ping();
            }
            assertThat(dir.resolve(driver).resolve("jdtm.db")).isRegularFile();
        }
        assertThatThrownBy(() -> StoreFactory.open(StoreConfig.defaults().withDriver("mongo")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Store.Driver 'mongo' is not supported; use one of boltdb, sqlite, postgres, mysql, redis");
    }

    private static String pragma(Connection c, String name) throws java.sql.SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA " + name)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    @Test
    void aSecondOpenOfTheSameDataDirectoryIsRefusedUntilClosed(@org.junit.jupiter.api.io.TempDir java.nio.file.Path d) {
        io.jdtm.server.store.TransStore first = JdbcTransStore.openEmbedded(d);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> JdbcTransStore.openEmbedded(d))
                .isInstanceOf(io.jdtm.server.store.StoreException.class)
                .hasMessageContaining("already open");
        first.close();
        JdbcTransStore.openEmbedded(d).close();
    }
}
