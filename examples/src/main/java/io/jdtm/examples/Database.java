package io.jdtm.examples;

import io.jdtm.client.BarrierDialect;
import io.jdtm.client.BarrierSchema;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import javax.sql.XADataSource;
import org.mariadb.jdbc.MariaDbDataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.postgresql.xa.PGXADataSource;

/**
 * The business database of the examples, from one JDBC URL: PostgreSQL by default
 * ({@value #DEFAULT_URL}), or MariaDB/MySQL ({@code jdbc:mariadb://127.0.0.1:3306/test?user=root&sslMode=disable}).
 * Plain (unpooled) data sources keep the example small; use a pool such as HikariCP in an application.
 *
 * @param url the JDBC URL, user and password included as URL parameters
 * @param dataSource connections for the barrier and the business SQL
 * @param xaDataSource XA connections for the XA example
 * @param dialect the barrier dialect
 */
public record Database(String url, DataSource dataSource, XADataSource xaDataSource, BarrierDialect dialect) {

    /** PostgreSQL on this machine, database {@code test}, user {@code postgres}. */
    public static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

    /** The database named by {@code JDTM_EXAMPLE_DB_URL}, or {@link #DEFAULT_URL}. */
    public static Database fromEnvironment() {
        String url = System.getenv("JDTM_EXAMPLE_DB_URL");
        return of(url == null || url.isBlank() ? DEFAULT_URL : url);
    }

    /** A database from a JDBC URL ({@code jdbc:postgresql:} or {@code jdbc:mariadb:}/{@code jdbc:mysql:}). */
    public static Database of(String url) {
        if (url.startsWith("jdbc:postgresql:")) {
            PGSimpleDataSource ds = new PGSimpleDataSource();
            ds.setUrl(url);
            PGXADataSource xa = new PGXADataSource();
            xa.setUrl(url);
            return new Database(url, ds, xa, BarrierDialect.POSTGRES);
        }
        if (url.startsWith("jdbc:mariadb:") || url.startsWith("jdbc:mysql:")) {
            try {
                MariaDbDataSource ds = new MariaDbDataSource(url.replace("jdbc:mysql:", "jdbc:mariadb:"));
                return new Database(url, ds, ds, BarrierDialect.MYSQL);
            } catch (SQLException e) {
                throw new IllegalArgumentException("not a MariaDB URL: " + url + ": " + e.getMessage(), e);
            }
        }
        throw new IllegalArgumentException("JDTM_EXAMPLE_DB_URL must start with jdbc:postgresql: or jdbc:mariadb:, was "
                + url);
    }

    /**
     * Checks the database answers and creates the barrier table and {@code <schema>.user_account} if missing.
     *
     * @throws IllegalStateException with a message saying what to do when the database cannot be reached
     */
    public void prepare(String schema) {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            st.execute("create schema if not exists " + schema);
            st.execute("create table if not exists " + schema + ".user_account (user_id int primary key, "
                    + "balance int not null, frozen int not null default 0)");
        } catch (SQLException e) {
            throw new IllegalStateException("the example database at " + url + " is not usable (" + e.getMessage()
                    + "); start that database or point JDTM_EXAMPLE_DB_URL at one that runs", e);
        }
        BarrierSchema.create(dataSource, dialect);
    }
}
