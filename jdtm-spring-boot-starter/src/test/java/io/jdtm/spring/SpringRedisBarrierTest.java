package io.jdtm.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdtm.client.DtmFailureException;
import io.jdtm.client.RedisBarrier;
import io.jdtm.server.store.Backends;
import io.jdtm.spring.testing.TestApps;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

/** The SDK's Redis barrier over the application's Spring Data Redis connection, on the real Redis of this machine. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SpringRedisBarrierTest {

    private ConfigurableApplicationContext app;
    private RedisBarrier barrier;
    private StringRedisTemplate redis;
    private final String prefix = "jdtm-spring-test:" + UUID.randomUUID() + ":";

    @BeforeAll
    void start() {
        Backends.require("Redis", 6379);
        app = TestApps.plain("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=6379",
                "spring.datasource.url=jdbc:postgresql://127.0.0.1:1/none");
        barrier = app.getBean(RedisBarrier.class);
        redis = new StringRedisTemplate(app.getBean(RedisConnectionFactory.class));
    }

    @AfterAll
    void stop() {
        if (redis != null) {
            redis.delete(redis.keys(prefix + "*"));
        }
        if (app != null) {
            app.close();
        }
    }

    private static BranchContext branch(String gid, String op) {
        return BranchContext.fromQuery(Map.of("gid", gid, "trans_type", "saga", "branch_id", "01", "op", op));
    }

    @Test
    void adjustsOncePerBranchAndAbsorbsRepeats() {
        String key = prefix + "balance:1";
        String gid = prefix + UUID.randomUUID();
        redis.opsForValue().set(key, "100");

        barrier.checkAdjustAmount(branch(gid, "action").barrier(), key, -30, Duration.ofMinutes(5));
        barrier.checkAdjustAmount(branch(gid, "action").barrier(), key, -30, Duration.ofMinutes(5));

        assertThat(redis.opsForValue().get(key)).isEqualTo("70");
    }

    @Test
    void nullCompensationAndHangingActionLeaveTheBalance() {
        String key = prefix + "balance:2";
        String gid = prefix + UUID.randomUUID();
        redis.opsForValue().set(key, "100");

        barrier.checkAdjustAmount(branch(gid, "compensate").barrier(), key, 30, Duration.ofMinutes(5));
        barrier.checkAdjustAmount(branch(gid, "action").barrier(), key, -30, Duration.ofMinutes(5));

        assertThat(redis.opsForValue().get(key)).isEqualTo("100");
    }

    @Test
    void insufficientBalanceIsAFailure() {
        String key = prefix + "balance:3";
        redis.opsForValue().set(key, "10");

        assertThatThrownBy(() -> barrier.checkAdjustAmount(branch(prefix + UUID.randomUUID(), "action").barrier(),
                key, -30, Duration.ofMinutes(5))).isInstanceOf(DtmFailureException.class);
        assertThat(redis.opsForValue().get(key)).isEqualTo("10");
    }
}
