package io.jdtm.server.store.redis;

import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.LocalRedisCluster;
import io.jdtm.server.store.TransStore;
import io.jdtm.server.store.TransStoreContract;
import org.junit.jupiter.api.BeforeAll;

/** The storage contract on a real local Redis Cluster (3 masters, 3 replicas), in cluster mode. */
class RedisClusterTransStoreTest extends TransStoreContract {
    private static StoreConfig cfg;

    @BeforeAll
    static void clusterIsUp() {
        cfg = LocalRedisCluster.shared().config("jcc");
    }

    @Override
    protected TransStore newStore() {
        RedisTransStore s = RedisTransStore.open(cfg);
        s.reset();
        return s;
    }
}
