package io.jdtm.server.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdtm.protocol.TransStatus;
import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.Backends;
import io.jdtm.server.store.StatusChange;
import io.jdtm.server.store.TransBranch;
import io.jdtm.server.store.TransGlobal;
import io.jdtm.server.store.UniqueConflictException;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Flyway on MariaDB: a missing database, a re-run, and adopting databases that DTM's own script created. */
class MariaDbSchemaTest {
    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
    private StoreConfig cfg;

    @BeforeAll
    static void serverIsUp() {
        Backends.require("MariaDB", Backends.MARIADB_PORT);
    }

    @BeforeEach
    void freshDatabaseName() {
        cfg = Backends.mariadb("jdtm_schema_" + Long.toString(System.nanoTime(), 36));
    }

    @AfterEach
    void dropDatabase() throws Exception {
        AdminSql.drop(cfg);
    }

    @Test
    void aMissingDatabaseIsCreatedWithDtmsTablesAndAReRunChangesNothing() throws Exception {
        try (JdbcTransStore s = JdbcTransStore.open(cfg)) {
            s.ping();
        }
        List<String> history = history();
        assertThat(versions()).containsExactly("1", "2", "3");
        try (Connection c = AdminSql.mariadb(cfg.db())) {
            assertThat(AdminSql.column(c, "SELECT table_name FROM information_schema.tables WHERE table_schema = '"
                    + cfg.db() + "' ORDER BY 1"))
                    .containsExactly("jdtm_attempt", "jdtm_schema_history", "kv", "trans_branch_op", "trans_global");
            assertThat(AdminSql.column(c, "SELECT DISTINCT index_name FROM information_schema.statistics"
                    + " WHERE table_schema = '" + cfg.db() + "'"))
                    .contains("gid", "gid_uniq", "uniq_k", "owner", "status_next_cron_time");
        }

        try (JdbcTransStore s = JdbcTransStore.open(cfg)) {
            s.ping();
        }
        assertThat(history()).as("second open applies nothing").isEqualTo(history);
    }

    @Test
    void aDatabaseCreatedByDtmsScriptIsAdoptedWithItsData() throws Exception {
        try (Connection c = AdminSql.mariadb(null)) {
            AdminSql.script(c, "/dtm-schemas/dtmsvr.storage.mysql.sql", "dtm.", cfg.db() + ".",
                    "EXISTS dtm\n", "EXISTS " + cfg.db() + "\n");
        }
        try (Connection c = AdminSql.mariadb(cfg.db())) {
            // A row as a Go server running in UTC writes it.
            AdminSql.exec(c, "INSERT INTO trans_global (gid, trans_type, status, query_prepared, protocol,"
                    + " create_time, update_time, options, next_cron_interval, next_cron_time, owner)"
                    + " VALUES ('go-1', 'saga', 'submitted', '', 'http', '2026-03-01 10:00:00',"
                    + " '2026-03-01 10:00:00', '{\"timeout_to_fail\":60}', 10, '2026-03-01 09:59:50', '')",
                    "INSERT INTO trans_branch_op (gid, url, bin_data, branch_id, op, status, create_time,"
                    + " update_time) VALUES ('go-1', 'http://busi/TransOut', 'x', '01', 'action', 'prepared',"
                    + " '2026-03-01 10:00:00', '2026-03-01 10:00:00')");
        }

        try (JdbcTransStore s = JdbcTransStore.open(cfg)) {
            TransGlobal g = s.findGlobal("go-1").orElseThrow();
            assertThat(g.status()).isEqualTo(TransStatus.SUBMITTED);
            assertThat(g.createTime()).isEqualTo(NOW);
            assertThat(g.options().timeoutToFail()).isEqualTo(60);
            assertThat(s.findBranches("go-1")).extracting(TransBranch::branchId).containsExactly("01");
            assertThat(s.claimDue(NOW, Duration.ZERO, Duration.ofSeconds(10), "jdtm", 10))
                    .extracting(TransGlobal::gid).containsExactly("go-1");
            assertThatThrownBy(() -> s.saveNew(g.withStatus(TransStatus.PREPARED), List.of()))
                    .isInstanceOf(UniqueConflictException.class);
            TransGlobal mine = s.saveNew(new TransGlobal(0, "jdtm-1", g.transType(), TransStatus.PREPARED, "",
                    "http", NOW, NOW, null, null, "", "", null, "", 10, NOW, "", ""), List.of());
            assertThat(mine.id()).isGreaterThan(g.id());
        }
        assertThat(versions()).containsExactly("0", "1", "2", "3");
        try (Connection c = AdminSql.mariadb(cfg.db())) {
            assertThat(AdminSql.column(c, "SELECT gid FROM trans_global ORDER BY id")).containsExactly("go-1", "jdtm-1");
        }
    }

    @Test
    void anOlderDtmSchemaGetsTheColumnsItLacks() throws Exception {
        try (Connection c = AdminSql.mariadb(null)) {
            AdminSql.script(c, "/dtm-schemas/dtmsvr.storage.mysql.sql", "dtm.", cfg.db() + ".",
                    "EXISTS dtm\n", "EXISTS " + cfg.db() + "\n");
        }
        try (Connection c = AdminSql.mariadb(cfg.db())) {
            // DTM's MySQL layout before mid-2022: no result / rollback_reason, narrow custom_data.
            AdminSql.exec(c, "ALTER TABLE trans_global DROP COLUMN result, DROP COLUMN rollback_reason,"
                    + " MODIFY custom_data varchar(256) DEFAULT ''", "DROP TABLE kv",
                    "INSERT INTO trans_global (gid, trans_type, status, query_prepared, protocol, create_time,"
                    + " update_time, next_cron_time) VALUES ('old-1', 'saga', 'submitted', '', 'http', now(),"
                    + " now(), now())");
        }

        try (JdbcTransStore s = JdbcTransStore.open(cfg)) {
            TransGlobal aborting = s.changeStatus("old-1",
                    new StatusChange(TransStatus.SUBMITTED, TransStatus.ABORTING, "Insufficient balance", "", NOW));
            assertThat(aborting.rollbackReason()).isEqualTo("Insufficient balance");
            s.createKv("topics", "t", "[]", NOW);
            assertThat(s.findKv("topics", "t")).hasSize(1);
        }
        try (Connection c = AdminSql.mariadb(cfg.db())) {
            assertThat(AdminSql.column(c, "SELECT column_name FROM information_schema.columns WHERE table_schema = '"
                    + cfg.db() + "' AND table_name = 'trans_global'")).contains("result", "rollback_reason");
            assertThat(AdminSql.column(c, "SELECT character_maximum_length FROM information_schema.columns"
                    + " WHERE table_schema = '" + cfg.db() + "' AND table_name = 'trans_global'"
                    + " AND column_name = 'custom_data'")).containsExactly("1024");
        }
        assertThat(versions()).containsExactly("0", "1", "2", "3");
    }

    /** Applied versions (the schema-creation and baseline markers are rows too). */
    @Test
    void aMigrationCutOffHalfwayByAnEarlierStartIsRunAgain() throws Exception {
        try (JdbcTransStore s = JdbcTransStore.open(cfg)) {
            s.ping();
        }
        // What an earlier start leaves when its connection dropped inside V2 on MySQL/MariaDB (DDL is not
        // transactional there): one column added, the next not, Flyway's record of a failed V2, and nothing of the
        // migrations after it.
        try (Connection c = AdminSql.mariadb(cfg.db())) {
            AdminSql.exec(c, "ALTER TABLE trans_global DROP COLUMN rollback_reason",
                    "UPDATE jdtm_schema_history SET success = 0 WHERE version = '2'",
                    "DELETE FROM jdtm_schema_history WHERE version > '2'", "DROP TABLE IF EXISTS jdtm_attempt");
        }

        try (JdbcTransStore s = JdbcTransStore.open(cfg)) {
            s.ping();
        }

        try (Connection c = AdminSql.mariadb(cfg.db())) {
            assertThat(AdminSql.column(c, "SELECT column_name FROM information_schema.columns WHERE table_schema = '"
                    + cfg.db() + "' AND table_name = 'trans_global'")).contains("rollback_reason", "result", "ext_data");
            assertThat(AdminSql.column(c, "SELECT concat(version, ' ', success) FROM jdtm_schema_history"
                    + " WHERE version IS NOT NULL ORDER BY installed_rank")).containsExactly("1 1", "2 1", "3 1");
        }
    }

    private List<String> versions() throws Exception {
        return history().stream().filter(r -> !r.startsWith("-")).map(r -> r.substring(0, r.indexOf(' '))).toList();
    }

    /** Every row of Flyway's history as "version type". */
    private List<String> history() throws Exception {
        try (Connection c = AdminSql.mariadb(cfg.db())) {
            return AdminSql.column(c, "SELECT concat(coalesce(version, '-'), ' ', type) FROM jdtm_schema_history ORDER BY installed_rank");
        }
    }
}
