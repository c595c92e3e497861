package io.jdtm.server.store.jdbc;

import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.TransStore;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The storage contract on PostgreSQL (127.0.0.1:5432, database {@code test}, a schema of its own). */
class PostgresTransStoreTest extends JdbcTransStoreContract {
    @RegisterExtension
    static final ServerSchema SCHEMA = ServerSchema.postgres("jdtm_contract");
    static final StoreConfig CFG = SCHEMA.cfg;

    @Override
    protected TransStore newStore() {
        JdbcTransStore s = JdbcTransStore.open(CFG);
        s.reset();
        return s;
    }
}
