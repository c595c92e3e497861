package io.jdtm.server.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdtm.protocol.TransOptions;
import io.jdtm.protocol.TransStatus;
import io.jdtm.protocol.TransType;
import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.Backends;
import io.jdtm.server.store.StoreUnavailableException;
import io.jdtm.server.store.TransGlobal;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code Store.RedisWaitReplicas} where the replicas are missing: the test Redis on 6379 has none, so a write cannot
 * be confirmed and the caller is told it failed (503), though the master has it. With replicas (the cluster) see
 * {@link RedisClusterFailoverTest}.
 */
class RedisWaitReplicasTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    @Test
    void aWriteThatNoReplicaConfirmsInTimeIsNotAcknowledged() {
        Backends.require("Redis", Backends.REDIS_PORT);
        StoreConfig cfg = Backends.redis("jw").withRedisCluster(false, 1, 50);
        try (RedisTransStore store = RedisTransStore.open(cfg)) {
            store.reset();
            TransGlobal g = new TransGlobal(0, "w-1", TransType.SAGA, TransStatus.SUBMITTED, "", "http", T0, T0, null,
                    null, "", "", TransOptions.NONE, "", 10, T0, "", "");

            assertThatThrownBy(() -> store.saveNew(g, List.of())).isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("0 of 1 replicas within 50 ms (Store.RedisWaitReplicas)");
            assertThat(store.findGlobal("w-1")).as("on the master all the same").isPresent();
            store.reset();
        }
    }
}
