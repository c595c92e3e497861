package io.jdtm.server.store.jdbc;

import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.Backends;
import io.jdtm.server.store.TransStore;
import io.jdtm.server.store.TwoProcessClaimRace;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

class MariaDbClaimRaceTest extends TwoProcessClaimRace {
    static final StoreConfig CFG = Backends.mariadb("jdtm_race");

    @BeforeAll
    static void serverIsUp() {
        Backends.require("MariaDB", Backends.MARIADB_PORT);
    }

    @AfterAll
    static void dropDatabase() throws Exception {
        AdminSql.drop(CFG);
    }

    @Override
    protected TransStore openInstance() {
        return JdbcTransStore.open(CFG);
    }
}
