package io.jdtm.server.store.jdbc;

import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.Backends;
import io.jdtm.server.store.TransStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The storage contract on MariaDB (127.0.0.1:3306, driver {@code mysql}, a database of its own). */
class MariaDbTransStoreTest extends JdbcTransStoreContract {
    static final StoreConfig CFG = Backends.mariadb("jdtm_contract");

    @BeforeAll
    static void serverIsUp() {
        Backends.require("MariaDB", Backends.MARIADB_PORT);
    }

    @AfterAll
    static void dropDatabase() throws Exception {
        AdminSql.drop(CFG);
    }

    @Override
    protected TransStore newStore() {
        JdbcTransStore s = JdbcTransStore.open(CFG);
        s.reset();
        return s;
    }
}
