package io.jdtm.server.store.redis;

import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.Backends;
import io.jdtm.server.store.TransStore;
import io.jdtm.server.store.TwoProcessClaimRace;
import org.junit.jupiter.api.BeforeAll;

class RedisClaimRaceTest extends TwoProcessClaimRace {
    static final StoreConfig CFG = Backends.redis("jr");

    @BeforeAll
    static void serverIsUp() {
        Backends.require("Redis", Backends.REDIS_PORT);
    }

    @Override
    protected TransStore openInstance() {
        return RedisTransStore.open(CFG);
    }
}
