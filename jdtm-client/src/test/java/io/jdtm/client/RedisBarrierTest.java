package io.jdtm.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdtm.client.testing.Backends;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The Redis barrier (spec §9.6) on the real Redis of this machine; keys are unique per test. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisBarrierTest {
    private static final Duration TTL = Duration.ofMinutes(5);

    private RedisClient client;
    private StatefulRedisConnection<String, String> conn;
    private RedisCommands<String, String> redis;
    private RedisBarrier barriers;
    private String gid;
    private String key;

    @BeforeAll
    void connect() {
        client = Backends.redis();
        conn = client.connect();
        redis = conn.sync();
        barriers = RedisBarrier.over(redis);
    }

    @AfterAll
    void disconnect() {
        if (client != null) {
            conn.close();
            client.shutdown();
        }
    }

    @BeforeEach
    void account() {
        gid = "jdtm-sdk-test-" + UUID.randomUUID();
        key = gid + ":balance";
        redis.setex(key, 300, "100");
    }

    private BranchBarrier barrier(String transType, String op) {
        return BranchBarrier.of(transType, gid, "01", op);
    }

    private long balance() {
        return Long.parseLong(redis.get(key));
    }

    @Test
    void duplicateRequestAdjustsOnce() {
        barriers.checkAdjustAmount(barrier("saga", "action"), key, -30, TTL);
        barriers.checkAdjustAmount(barrier("saga", "action"), key, -30, TTL);
        assertThat(balance()).isEqualTo(70);
        assertThat(redis.get(gid + "-01-action-01")).isEqualTo("action");
        assertThat(redis.ttl(gid + "-01-action-01")).isPositive();
    }

    @Test
    void insufficientBalanceIsAFailureAndChangesNothing() {
        assertThatThrownBy(() -> barriers.checkAdjustAmount(barrier("saga", "action"), key, -130, TTL))
                .isInstanceOf(DtmFailureException.class).hasMessageContaining(key);
        assertThat(balance()).isEqualTo(100);
        // the compensation of the failed action is then a null compensation
        barriers.checkAdjustAmount(barrier("saga", "compensate"), key, 130, TTL);
        assertThat(balance()).isEqualTo(100);
    }

    @Test
    void nullCompensationThenHangingTryChangeNothing() {
        barriers.checkAdjustAmount(barrier("tcc", "cancel"), key, 30, TTL);
        assertThat(redis.get(gid + "-01-try-01")).isEqualTo("rollback");
        barriers.checkAdjustAmount(barrier("tcc", "try"), key, -30, TTL);
        assertThat(balance()).isEqualTo(100);
    }

    @Test
    void tryThenCancelRestoresTheBalance() {
        barriers.checkAdjustAmount(barrier("tcc", "try"), key, -30, TTL);
        assertThat(balance()).isEqualTo(70);
        barriers.checkAdjustAmount(barrier("tcc", "cancel"), key, 30, TTL);
        barriers.checkAdjustAmount(barrier("tcc", "cancel"), key, 30, TTL);
        assertThat(balance()).isEqualTo(100);
    }

    @Test
    void msgQueryPreparedCommittedRolledBackAndBlocked() {
        BranchBarrier committed = BranchBarrier.of("msg", gid, "00", "msg");
        barriers.checkAdjustAmount(committed, key, -30, TTL);
        barriers.queryPrepared(BranchBarrier.of("msg", gid, "00", "msg"), TTL); // committed: no exception
        assertThat(balance()).isEqualTo(70);

        String other = gid + "-2";
        assertThatThrownBy(() -> barriers.queryPrepared(BranchBarrier.of("msg", other, "00", "msg"), TTL))
                .isInstanceOf(DtmFailureException.class);
        assertThatThrownBy(() -> barriers.checkAdjustAmount(BranchBarrier.of("msg", other, "00", "msg"), key, -30, TTL))
                .isInstanceOf(DtmDuplicatedException.class);
        assertThat(balance()).isEqualTo(70);
    }
}
