package io.jdtm.examples.spring;

import io.jdtm.client.BarrierDialect;
import io.jdtm.client.BarrierSchema;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Creates the example's tables at start-up when missing — {@code <bank.schema>.user_account} with users 1 and 2 at
 * 100, and the barrier table {@code jdtm.barrier.table} — on PostgreSQL or MariaDB. A real application runs the
 * SDK's {@code barrier.postgres.sql} / {@code barrier.mysql.sql} with its migrations instead.
 */
@Component
public class BankSchema {

    private final JdbcTemplate jdbc;
    private final String accounts;

    BankSchema(DataSource dataSource, JdbcTemplate jdbc, @Value("${bank.schema}") String schema,
            @Value("${jdtm.barrier.table:dtm_barrier.barrier}") String barrierTable) throws SQLException {
        this.jdbc = jdbc;
        this.accounts = schema + ".user_account";
        BarrierDialect dialect;
        try (Connection c = dataSource.getConnection()) {
            dialect = BarrierDialect.of(c);
        }
        BarrierSchema.create(dataSource, dialect, barrierTable);
        jdbc.execute((dialect == BarrierDialect.POSTGRES ? "create schema if not exists " : "create database if not exists ")
                + schema);
        jdbc.execute("create table if not exists " + accounts
                + " (user_id int primary key, balance int not null, frozen int not null default 0)");
        if (jdbc.queryForObject("select count(*) from " + accounts, Integer.class) == 0) {
            reset();
        }
    }

    /** Both users back to 100, nothing frozen. */
    public void reset() {
        jdbc.update("delete from " + accounts);
        jdbc.update("insert into " + accounts + " (user_id, balance, frozen) values (1, 100, 0), (2, 100, 0)");
    }
}
