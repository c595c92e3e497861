package io.jdtm.server.store.jdbc;

import io.jdtm.server.config.StoreConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** A database server jdtm reaches over the network: where it is, where the schema lives, how Flyway migrates it. */
sealed interface ServerDialect extends Dialect permits PostgresDialect, MysqlDialect {

    /** The pool's JDBC URL. */
    String jdbcUrl(StoreConfig cfg);

    /** The Postgres schema or the MySQL database that holds DTM's tables. */
    String namespace(StoreConfig cfg);

    /** Creates what must exist before the pool can connect (MySQL: the database). */
    void prepareServer(StoreConfig cfg) throws SQLException;

    /** Flyway location of this dialect's SQL migrations. */
    String migrations();

    /** Isolation of every pooled connection, as a {@link Connection} constant name for Hikari. */
    String isolation();

    @Override
    default boolean oneWriter() {
        return false;
    }

    @Override
    default String lockSkipLocked() {
        return " FOR UPDATE SKIP LOCKED";
    }

    /** DTM's time columns have second precision. */
    @Override
    default Instant stored(Instant t) {
        return t == null ? null : t.truncatedTo(ChronoUnit.SECONDS);
    }
}
