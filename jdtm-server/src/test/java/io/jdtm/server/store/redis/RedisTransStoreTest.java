package io.jdtm.server.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.Backends;
import io.jdtm.server.store.TransStore;
import io.jdtm.server.store.TransStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

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

    /**
     * The native epoll transport is on the class path and loads (its Netty must match Lettuce's): without it the
     * Redis client falls back to Java NIO without a word, which cost the cluster store a fifth to a third more TM
     * CPU per saga (bench/README.md).
     */
    @Test
    @EnabledOnOs(value = OS.LINUX, architectures = "amd64")
    void theRedisClientUsesNativeEpollOnLinux() {
        assertThat(RedisLink.transport()).isEqualTo("epoll");
    }
}
