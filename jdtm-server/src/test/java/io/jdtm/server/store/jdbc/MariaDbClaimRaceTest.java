package io.jdtm.server.store.jdbc;

import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.Backends;
import io.jdtm.server.store.TransStore;
import io.jdtm.server.store.TwoProcessClaimRace;
import java.sql.Connection;
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
        if (!Backends.isUp(Backends.MARIADB_PORT)) {
            return; // skipped: nothing was written
        }
        try (Connection c = AdminSql.mariadb(null)) {
            AdminSql.exec(c, "DROP DATABASE IF EXISTS " + CFG.db());
        }
    }

    @Override
    protected TransStore openInstance() {
        return JdbcTransStore.open(CFG);
    }
}
