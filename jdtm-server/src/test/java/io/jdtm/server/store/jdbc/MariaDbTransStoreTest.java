package io.jdtm.server.store.jdbc;

import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.TransStore;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The storage contract on MariaDB (127.0.0.1:3306, driver {@code mysql}, a database of its own). */
class MariaDbTransStoreTest extends JdbcTransStoreContract {
    @RegisterExtension
    static final ServerSchema SCHEMA = ServerSchema.mariadb("jdtm_contract");
    static final StoreConfig CFG = SCHEMA.cfg;

    @Override
    protected TransStore newStore() {
        JdbcTransStore s = JdbcTransStore.open(CFG);
        s.reset();
        return s;
    }
}
