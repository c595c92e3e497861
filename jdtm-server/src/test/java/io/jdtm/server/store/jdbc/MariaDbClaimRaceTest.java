package io.jdtm.server.store.jdbc;

import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.TransStore;
import io.jdtm.server.store.TwoProcessClaimRace;
import org.junit.jupiter.api.extension.RegisterExtension;

class MariaDbClaimRaceTest extends TwoProcessClaimRace {
    @RegisterExtension
    static final ServerSchema SCHEMA = ServerSchema.mariadb("jdtm_race");
    static final StoreConfig CFG = SCHEMA.cfg;

    @Override
    protected TransStore openInstance() {
        return JdbcTransStore.open(CFG);
    }
}
