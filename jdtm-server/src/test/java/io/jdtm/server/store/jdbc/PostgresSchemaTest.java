package io.jdtm.server.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdtm.protocol.BranchStatus;
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

/** Flyway on PostgreSQL: a fresh schema, a re-run, and adopting schemas that DTM's own scripts created. */
class PostgresSchemaTest {
    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
    private StoreConfig cfg;

    @BeforeAll
    static void serverIsUp() {
        Backends.require("PostgreSQL", Backends.POSTGRES_PORT);
    }

    @BeforeEach
    void freshSchemaName() {
        cfg = Backends.postgres("jdtm_schema_" + Long.toString(System.nanoTime(), 36));
    }

    @AfterEach
    void dropSchema() throws Exception {
        AdminSql.drop(cfg);
    }

    @Test
    void anEmptySchemaGetsDtmsTablesAndAReRunChangesNothing() throws Exception {
        try (JdbcTransStore s = JdbcTransStore.open(cfg)) {
            s.ping();
        }
        List<String> history = history();
        assertThat(versions()).containsExactly("1", "2", "3");
        try (Connection c = AdminSql.postgres(cfg.schema())) {
            assertThat(AdminSql.column(c, "SELECT table_name FROM information_schema.tables WHERE table_schema = '"
                    + cfg.schema() + "' ORDER BY 1"))
                    .containsExactly("jdtm_attempt", "jdtm_schema_history", "kv", "trans_branch_op", "trans_global");
            assertThat(constraints(c)).contains("gid", "gid_branch_uniq", "uniq_k");
            assertThat(AdminSql.column(c, "SELECT indexname FROM pg_indexes WHERE schemaname = '" + cfg.schema()
                    + "'")).contains("owner", "status_next_cron_time");
        }

        try (JdbcTransStore s = JdbcTransStore.open(cfg)) {
            s.ping();
        }
        assertThat(history()).as("second open applies nothing").isEqualTo(history);
    }

    @Test
    void aSchemaCreatedByDtmsScriptIsAdoptedWithItsData() throws Exception {
        try (Connection c = AdminSql.postgres(null)) {
            AdminSql.exec(c, "CREATE SCHEMA " + cfg.schema());
        }
        try (Connection c = AdminSql.postgres(cfg.schema())) {
            AdminSql.script(c, "/dtm-schemas/dtmsvr.storage.postgres.sql");
            // A row as the Go server writes it: local-time strings with the server's offset.
            AdminSql.exec(c, "INSERT INTO trans_global (gid, trans_type, status, query_prepared, protocol,"
                    + " create_time, update_time, options, next_cron_interval, next_cron_time, owner)"
                    + " VALUES ('go-1', 'saga', 'submitted', '', 'http', '2026-03-01 18:00:00+08',"
                    + " '2026-03-01 18:00:00+08', '{\"timeout_to_fail\":60}', 10, '2026-03-01 17:59:50+08', '')",
                    "INSERT INTO trans_branch_op (gid, url, bin_data, branch_id, op, status, create_time,"
                    + " update_time) VALUES ('go-1', 'http://busi/TransOut', 'x', '01', 'action', 'prepared',"
                    + " '2026-03-01 18:00:00+08', '2026-03-01 18:00:00+08')");
        }

        try (JdbcTransStore s = JdbcTransStore.open(cfg)) {
            TransGlobal g = s.findGlobal("go-1").orElseThrow();
            assertThat(g.status()).isEqualTo(TransStatus.SUBMITTED);
            assertThat(g.createTime()).isEqualTo(NOW);
            assertThat(g.options().timeoutToFail()).isEqualTo(60);
            assertThat(s.findBranches("go-1")).extracting(TransBranch::branchId).containsExactly("01");
            assertThat(s.claimDue(NOW, Duration.ZERO, Duration.ofSeconds(10), "jdtm", 10))
                    .extracting(TransGlobal::gid).containsExactly("go-1");
            // DTM's unique constraint is the one in force, and new rows get ids after DTM's.
            assertThatThrownBy(() -> s.saveNew(g.withStatus(TransStatus.PREPARED), List.of()))
                    .isInstanceOf(UniqueConflictException.class);
            TransGlobal mine = s.saveNew(new TransGlobal(0, "jdtm-1", g.transType(), TransStatus.PREPARED, "",
                    "http", NOW, NOW, null, null, "", "", null, "", 10, NOW, "", ""), List.of());
            assertThat(mine.id()).isGreaterThan(g.id());
        }
        assertThat(versions()).containsExactly("0", "1", "2", "3");
        try (Connection c = AdminSql.postgres(cfg.schema())) {
            assertThat(AdminSql.column(c, "SELECT gid FROM trans_global ORDER BY id")).containsExactly("go-1", "jdtm-1");
        }
    }

    @Test
    void anOlderDtmSchemaGetsTheColumnsItLacks() throws Exception {
        try (Connection c = AdminSql.postgres(null)) {
            AdminSql.exec(c, "CREATE SCHEMA " + cfg.schema());
        }
        try (Connection c = AdminSql.postgres(cfg.schema())) {
            AdminSql.script(c, "/dtm-schemas/dtmsvr.storage.postgres.2022-06.sql");
            AdminSql.exec(c, "INSERT INTO trans_global (gid, trans_type, status, query_prepared, protocol,"
                    + " create_time, update_time, next_cron_time) VALUES ('old-1', 'saga', 'submitted', '',"
                    + " 'http', now(), now(), now())");
            assertThat(columns(c)).doesNotContain("result", "rollback_reason");
        }

        try (JdbcTransStore s = JdbcTransStore.open(cfg)) {
            TransGlobal failed = s.changeStatus("old-1",
                    new StatusChange(TransStatus.SUBMITTED, TransStatus.ABORTING, "Insufficient balance", "", NOW));
            assertThat(failed.rollbackReason()).isEqualTo("Insufficient balance");
            s.createKv("topics", "t", "[]", NOW);
            assertThat(s.findKv("topics", "t")).hasSize(1);
            s.appendBranches("old-1", TransStatus.ABORTING, List.of(TransBranch.create("old-1",
                    "http://busi.example/" + "x".repeat(300), new byte[0], "01", "compensate",
                    BranchStatus.PREPARED, NOW)));
        }
        try (Connection c = AdminSql.postgres(cfg.schema())) {
            assertThat(columns(c)).contains("result", "rollback_reason", "ext_data");
            assertThat(AdminSql.column(c, "SELECT character_maximum_length FROM information_schema.columns"
                    + " WHERE table_schema = '" + cfg.schema() + "' AND table_name = 'trans_global'"
                    + " AND column_name = 'custom_data'")).containsExactly("1024");
        }
        assertThat(versions()).containsExactly("0", "1", "2", "3");
    }

    /** Applied versions (the schema-creation and baseline markers are rows too). */
    private List<String> versions() throws Exception {
        return history().stream().filter(r -> !r.startsWith("-")).map(r -> r.substring(0, r.indexOf(' '))).toList();
    }

    /** Every row of Flyway's history as "version type". */
    private List<String> history() throws Exception {
        try (Connection c = AdminSql.postgres(cfg.schema())) {
            return AdminSql.column(c, "SELECT coalesce(version, '-') || ' ' || type FROM jdtm_schema_history ORDER BY installed_rank");
        }
    }

    private List<String> constraints(Connection c) throws Exception {
        return AdminSql.column(c, "SELECT constraint_name FROM information_schema.table_constraints"
                + " WHERE table_schema = '" + cfg.schema() + "'");
    }

    private List<String> columns(Connection c) throws Exception {
        return AdminSql.column(c, "SELECT column_name FROM information_schema.columns WHERE table_schema = '"
                + cfg.schema() + "' AND table_name = 'trans_global'");
    }
}
