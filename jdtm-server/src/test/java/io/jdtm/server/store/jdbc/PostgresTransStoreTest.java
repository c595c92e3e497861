package io.jdtm.server.store.jdbc;

import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.Backends;
import io.jdtm.server.store.TransStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The storage contract on PostgreSQL (127.0.0.1:5432, database {@code test}, a schema of its own). */
class PostgresTransStoreTest extends JdbcTransStoreContract {
    static final StoreConfig CFG = Backends.postgres("jdtm_contract");

    @BeforeAll
    static void serverIsUp() {
        Backends.require("PostgreSQL", Backends.POSTGRES_PORT);
    }

    @AfterAll
    static void dropSchema() throws Exception {
        AdminSql.drop(CFG);
    }

    @Override
    protected TransStore newStore() {
        JdbcTransStore s = JdbcTransStore.open(CFG);
        s.reset();
        return s;
    }
}
