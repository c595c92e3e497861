package io.jdtm.client;

import io.jdtm.client.internal.Checks;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Creates the barrier table from the scripts shipped in this jar ({@code io/jdtm/client/barrier.mysql.sql},
 * {@code io/jdtm/client/barrier.postgres.sql}). Meant for tests and development; production databases should run the
 * same scripts through their migration tool. Idempotent. Stateless and thread-safe.
 */
public final class BarrierSchema {
    private static final Pattern QUALIFIED = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*\\.[A-Za-z_][A-Za-z0-9_]*");

    private BarrierSchema() {}

    /** Creates {@value BranchBarrier#DEFAULT_TABLE} (and its schema/database) if missing. */
    public static void create(DataSource dataSource, BarrierDialect dialect) {
        create(dataSource, dialect, BranchBarrier.DEFAULT_TABLE);
    }

    /** Creates {@code schema.table} (and the schema/database) if missing. */
    public static void create(DataSource dataSource, BarrierDialect dialect, String qualifiedTable) {
        Checks.notNull("dataSource", dataSource);
        Checks.notNull("dialect", dialect);
        if (qualifiedTable == null || !QUALIFIED.matcher(qualifiedTable).matches()) {
            throw new IllegalArgumentException("barrier table must be schema.table, was '" + qualifiedTable + "'");
        }
        String schema = qualifiedTable.substring(0, qualifiedTable.indexOf('.'));
        String sql = script(dialect).replace(BranchBarrier.DEFAULT_TABLE, qualifiedTable).replace("dtm_barrier", schema);
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            for (String stmt : sql.split(";")) {
                String s = stripComments(stmt);
                if (!s.isBlank()) {
                    st.execute(s);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("creating barrier table " + qualifiedTable + " failed: " + e, e);
        }
    }

    /** The shipped DDL script of a dialect. */
    public static String script(BarrierDialect dialect) {
        String name = dialect == BarrierDialect.MYSQL ? "barrier.mysql.sql" : "barrier.postgres.sql";
        try (InputStream in = BarrierSchema.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource io/jdtm/client/" + name + " missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String stripComments(String stmt) {
        StringBuilder sb = new StringBuilder();
        for (String line : stmt.split("\n")) {
            if (!line.trim().startsWith("--")) {
                sb.append(line).append('\n');
            }
        }
        return sb.toString();
    }
}
