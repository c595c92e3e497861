package io.jdtm.client;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;

/**
 * The SQL dialects the barrier (and the RM-side XA helper) support, with the one statement that differs: DTM's
 * "insert ignore" (spec §9.1). Immutable.
 */
public enum BarrierDialect {
    /** MySQL and MariaDB: {@code INSERT IGNORE INTO …}. */
    MYSQL,
    /** PostgreSQL: {@code INSERT … ON CONFLICT ON CONSTRAINT uniq_barrier DO NOTHING}. */
    POSTGRES;

    /** The insert-ignore of one barrier row into {@code table}, with six {@code ?} parameters. */
    String insertIgnore(String table) {
        String cols = "(trans_type, gid, branch_id, op, barrier_id, reason) values (?, ?, ?, ?, ?, ?)";
        return switch (this) {
            case MYSQL -> "insert ignore into " + table + cols;
            case POSTGRES -> "insert into " + table + cols + " on conflict on constraint uniq_barrier do nothing";
        };
    }

    /** The dialect of an open connection, from its product name. */
    public static BarrierDialect of(Connection c) throws SQLException {
        String product = c.getMetaData().getDatabaseProductName();
        String p = product == null ? "" : product.toLowerCase(Locale.ROOT);
        if (p.contains("postgres")) {
            return POSTGRES;
        }
        if (p.contains("mysql") || p.contains("mariadb")) {
            return MYSQL;
        }
        throw new IllegalStateException("no barrier dialect for database '" + product
                + "'; supported are MySQL/MariaDB and PostgreSQL");
    }
}
