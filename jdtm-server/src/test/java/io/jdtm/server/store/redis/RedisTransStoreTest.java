package io.jdtm.server.store.redis;

import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.Backends;
import io.jdtm.server.store.TransStore;
import io.jdtm.server.store.TransStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The storage contract on Redis (127.0.0.1:6379, a prefix of its own). */
class RedisTransStoreTest extends TransStoreContract {
    static final StoreConfig CFG = Backends.redis("jc");

    @BeforeAll
    static void serverIsUp() {
        Backends.require("Redis", Backends.REDIS_PORT);
    }

    @AfterAll
    static void deleteKeys() {
        if (!Backends.isUp(Backends.REDIS_PORT)) {
            return; // skipped: nothing was written
        }
        try (RedisTransStore s = RedisTransStore.open(CFG)) {
            s.reset();
        }
    }

    @Override
    protected TransStore newStore() {
        RedisTransStore s = RedisTransStore.open(CFG);
        s.reset();
        return s;
    }
}
