package io.jdtm.server.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdtm.server.config.StoreConfig;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The plans Postgres picks for the poller's reads and the group commit's lookups on a table without statistics
 * (autovacuum off, or not yet run since the table grew), which is what a backlog after an outage often meets.
 */
class PostgresPlanTest {
    @RegisterExtension
    static final ServerSchema SCHEMA = ServerSchema.postgres("jdtm_plan");
    static final StoreConfig CFG = SCHEMA.cfg;

    @Test
    void branchesOfManyGidsAreReadThroughTheGidIndexEvenWithoutStatistics() throws Exception {
        try (JdbcTransStore s = JdbcTransStore.open(CFG)) {
            s.reset();
        }
        String gids = IntStream.range(0, 64).mapToObj(i -> "'g-" + i * 997 + "'").collect(Collectors.joining(","));
        String query = "EXPLAIN SELECT " + Sql.BRANCH_COLUMNS + " FROM trans_branch_op WHERE gid IN (" + gids
                + ") ORDER BY id";
        try (Connection c = AdminSql.postgres(CFG.schema())) {
            try (Statement st = c.createStatement()) {
                // no statistics ever: the planner's estimates stay those of an empty table
                st.execute("ALTER TABLE trans_branch_op SET (autovacuum_enabled = false)");
                st.execute("INSERT INTO trans_branch_op (gid, url, data, branch_id, op, status)"
                        + " SELECT 'g-' || (i / 4), 'http://busi/x', '', lpad((i % 2)::text, 2, '0'),"
                        + " CASE WHEN i % 4 < 2 THEN 'action' ELSE 'compensate' END, 'prepared'"
                        + " FROM generate_series(0, 199999) AS i");
            }
            c.setAutoCommit(false);
            // the setup reproduces the problem: left to itself the planner reads the whole table
            assertThat(plan(c, query)).contains("Seq Scan on trans_branch_op");
            c.rollback();

            new PostgresDialect().beforeKeyListRead(c);
            assertThat(plan(c, query)).doesNotContain("Seq Scan").doesNotContain("Gather").contains("gid_branch_uniq");
            c.rollback();
        }
    }

    @Test
    void theGroupCommitsLookupOfManyGidsProbesTheGidIndexInAPlanKeptFromAnEmptyTable() throws Exception {
        try (JdbcTransStore s = JdbcTransStore.open(CFG)) {
            s.reset();
        }
        try (Connection c = AdminSql.postgres(CFG.schema()); Statement st = c.createStatement()) {
            // the plan a prepared statement keeps: made once, while the table is new and empty
            st.execute("SET plan_cache_mode = force_generic_plan");
            String args = IntStream.range(0, 8).mapToObj(i -> "'g-" + i + "'").collect(Collectors.joining(","));
            st.execute("PREPARE in_list AS SELECT id FROM trans_global WHERE gid IN ("
                    + IntStream.rangeClosed(1, 8).mapToObj(i -> "$" + i).collect(Collectors.joining(",")) + ")");
            // the setup reproduces the problem: an IN list is a full scan there
            assertThat(plan(c, "EXPLAIN EXECUTE in_list(" + args + ")")).contains("Seq Scan on trans_global");

            String lookup = Sql.globalsByGid(8);
            for (int i = 1; i <= 8; i++) {
                lookup = lookup.replaceFirst("\\?", "\\$" + i);
            }
            st.execute("PREPARE lookup AS " + lookup);
            assertThat(plan(c, "EXPLAIN EXECUTE lookup(" + args + ")")).doesNotContain("Seq Scan")
                    .contains("Index Scan using gid on trans_global");
        }
    }

    private static String plan(Connection c, String explain) throws Exception {
        return String.join("\n", AdminSql.column(c, explain));
    }
}
