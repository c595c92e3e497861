package io.jdtm.server.store.jdbc;

import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.TransStore;
import io.jdtm.server.store.TwoProcessClaimRace;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresClaimRaceTest extends TwoProcessClaimRace {
    @RegisterExtension
    static final ServerSchema SCHEMA = ServerSchema.postgres("jdtm_race");
    static final StoreConfig CFG = SCHEMA.cfg;

    @Override
    protected TransStore openInstance() {
        return JdbcTransStore.open(CFG);
    }
}
