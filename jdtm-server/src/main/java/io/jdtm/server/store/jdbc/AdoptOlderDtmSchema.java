package io.jdtm.server.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.core.api.migration.JavaMigration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Migration V2: brings tables created by an older DTM release up to the current DTM layout. DTM added
 * {@code ext_data} (workflow, 2022-06), {@code result} (2022-08) and {@code rollback_reason} (2022-06) to
 * {@code trans_global} and widened several varchar columns, but shipped no migration, so an upgraded DTM crashed on
 * the missing column (DTM issue #306, U5). Here every change is made only when the column is missing or narrower,
 * so the migration is a no-op on a current schema and never narrows a column an operator widened. It is Java, not
 * SQL, because MySQL 8 has no {@code ADD COLUMN IF NOT EXISTS}.
 */
final class AdoptOlderDtmSchema implements JavaMigration {
    private static final Logger LOG = LoggerFactory.getLogger(AdoptOlderDtmSchema.class);
    private static final int WIDTH = 1024;

    private final Dialect dialect;
    private final String namespace;

    AdoptOlderDtmSchema(Dialect dialect, String namespace) {
        this.dialect = dialect;
        this.namespace = namespace;
    }

    @Override
    public MigrationVersion getVersion() {
        return MigrationVersion.fromVersion("2");
    }

    @Override
    public String getDescription() {
        return "adopt older dtm schema";
    }

    @Override
    public Integer getChecksum() {
        // Bump when the migration's behaviour changes, as a checksum of an SQL file would change.
        return 2;
    }

    @Override
    public boolean canExecuteInTransaction() {
        // MySQL DDL commits implicitly anyway; on Postgres the whole migration is one transaction.
        return true;
    }

    @Override
    public void migrate(Context context) throws SQLException {
        Connection c = context.getConnection();
        boolean pg = dialect instanceof PostgresDialect;
        Map<String, Integer> global = columns(c, "trans_global");
        addIfMissing(c, global, "trans_global", "ext_data", "text");
        addIfMissing(c, global, "trans_global", "result", "varchar(1024) DEFAULT ''");
        addIfMissing(c, global, "trans_global", "rollback_reason", "varchar(1024) DEFAULT ''");
        widen(c, global, "trans_global", "query_prepared", pg ? "" : " NOT NULL");
        widen(c, global, "trans_global", "options", pg ? "" : " DEFAULT ''");
        widen(c, global, "trans_global", "custom_data", pg ? "" : " DEFAULT ''");
        widen(c, columns(c, "trans_branch_op"), "trans_branch_op", "url", pg ? "" : " NOT NULL");
    }

    private Map<String, Integer> columns(Connection c, String table) throws SQLException {
        Map<String, Integer> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT column_name, character_maximum_length"
                + " FROM information_schema.columns WHERE table_schema = ? AND table_name = ?")) {
            ps.setString(1, namespace);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1).toLowerCase(java.util.Locale.ROOT), rs.getInt(2));
                }
            }
        }
        return out;
    }

    private static void addIfMissing(Connection c, Map<String, Integer> existing, String table, String column,
            String type) throws SQLException {
        if (!existing.containsKey(column)) {
            LOG.info("schema upgrade: adding {}.{} ({}) that this older DTM table lacks", table, column, type);
            exec(c, "ALTER TABLE " + table + " ADD COLUMN " + column + " " + type);
        }
    }

    private void widen(Connection c, Map<String, Integer> existing, String table, String column, String mysqlRest)
            throws SQLException {
        Integer width = existing.get(column);
        // 0: a type without a length (text), which is wide enough.
        if (width == null || width == 0 || width >= WIDTH) {
            return;
        }
        LOG.info("schema upgrade: widening {}.{} from varchar({}) to varchar({})", table, column, width, WIDTH);
        if (dialect instanceof PostgresDialect) {
            exec(c, "ALTER TABLE " + table + " ALTER COLUMN " + column + " TYPE varchar(" + WIDTH + ")");
        } else {
            exec(c, "ALTER TABLE " + table + " MODIFY " + column + " varchar(" + WIDTH + ")" + mysqlRest);
        }
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
