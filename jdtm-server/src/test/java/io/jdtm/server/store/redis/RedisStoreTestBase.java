package io.jdtm.server.store.redis;

import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.Backends;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The set-up of the Redis engine's own tests: an empty store under a prefix of the test's own, and a plain Redis
 * connection beside it to look at the keys the engine wrote.
 */
abstract class RedisStoreTestBase {
    protected final StoreConfig cfg;
    protected RedisTransStore store;
    protected RedisCommands<String, String> redis;
    private RedisClient client;
    private StatefulRedisConnection<String, String> conn;

    protected RedisStoreTestBase(String name) {
        this.cfg = Backends.redis(name);
    }

    @BeforeAll
    static void serverIsUp() {
        Backends.require("Redis", Backends.REDIS_PORT);
    }

    @BeforeEach
    void open() {
        store = RedisTransStore.open(cfg);
        store.reset();
        client = RedisClient.create("redis://" + Backends.HOST + ":" + Backends.REDIS_PORT);
        conn = client.connect();
        redis = conn.sync();
    }

    @AfterEach
    void close() {
        store.reset();
        store.close();
        conn.close();
        client.shutdown();
    }
}
