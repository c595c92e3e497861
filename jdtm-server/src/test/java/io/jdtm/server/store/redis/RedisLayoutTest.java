package io.jdtm.server.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdtm.protocol.BranchStatus;
import io.jdtm.protocol.TransOptions;
import io.jdtm.protocol.TransStatus;
import io.jdtm.protocol.TransType;
import io.jdtm.server.store.Backends;
import io.jdtm.server.store.ScanQuery;
import io.jdtm.server.store.StatusChange;
import io.jdtm.server.store.TransBranch;
import io.jdtm.server.store.TransGlobal;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What only the Redis engine promises: DTM's key layout, the TTLs, and a reset that stays inside its prefix. */
class RedisLayoutTest extends RedisStoreTestBase {
    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

    RedisLayoutTest() {
        super("jl");
    }

    private String p() {
        return cfg.redisPrefix();
    }

    @Test
    void keysFollowDtmsLayoutAndCarryTheTtls() {
        TransGlobal g = new TransGlobal(0, "lay-1", TransType.SAGA, TransStatus.SUBMITTED, "", "http", NOW, NOW,
                null, null, "", "", TransOptions.NONE, "", 10, NOW.plusSeconds(10), "", "");
        store.saveNew(g, List.of(TransBranch.create("lay-1", "u", new byte[] {1}, "01", "action",
                BranchStatus.PREPARED, NOW)));

        assertThat(redis.get(p() + "_s_lay-1")).isEqualTo("submitted");
        assertThat(redis.llen(p() + "_b_lay-1")).isEqualTo(1);
        assertThat(redis.zscore(p() + "_u", "lay-1")).isEqualTo(NOW.plusSeconds(10).getEpochSecond());
        assertThat(redis.get(p() + "_g_lay-1")).contains("\"trans_type\":\"saga\"");
        for (String k : List.of("_g_", "_b_", "_s_")) {
            assertThat(redis.ttl(p() + k + "lay-1")).as(k).isBetween(cfg.dataExpire() - 60, cfg.dataExpire());
        }

        store.changeStatus("lay-1", StatusChange.of(TransStatus.SUBMITTED, TransStatus.SUCCEED, NOW));

        assertThat(redis.zscore(p() + "_u", "lay-1")).as("out of the poll index").isNull();
        for (String k : List.of("_g_", "_b_", "_s_")) {
            assertThat(redis.ttl(p() + k + "lay-1")).as(k)
                    .isBetween(cfg.finishedDataExpire() - 60, cfg.finishedDataExpire());
        }
    }

    @Test
    void listingSkipsAndForgetsRowsThatExpired() {
        for (int i = 0; i < 5; i++) {
            store.saveNew(new TransGlobal(0, "exp-" + i, TransType.SAGA, TransStatus.SUBMITTED, "", "http", NOW,
                    NOW, null, null, "", "", TransOptions.NONE, "", 10, NOW, "", ""), List.of());
        }
        // What a TTL does: the row goes, the listing index entry stays behind.
        redis.del(p() + "_g_exp-3", p() + "_g_exp-1");

        assertThat(store.scanGlobals(ScanQuery.first(2)).items()).extracting(TransGlobal::gid)
                .containsExactly("exp-4", "exp-2");
        assertThat(store.scanGlobals(ScanQuery.first(10)).items()).extracting(TransGlobal::gid)
                .containsExactly("exp-4", "exp-2", "exp-0");
        assertThat(redis.zcard(p() + "_a")).as("stale entries removed").isEqualTo(3);
    }

    @Test
    void resetDeletesOnlyKeysUnderItsPrefix() {
        String other = "{jl-other-" + Backends.RUN + "}_g_x";
        redis.set(other, "keep");
        store.createKv("topics", "t", "[]", NOW);
        try {
            store.reset();

            assertThat(redis.keys(p().replace("{", "\\{").replace("}", "\\}") + "*")).isEmpty();
            assertThat(redis.get(other)).isEqualTo("keep");
        } finally {
            redis.del(other);
        }
    }

    @Test
    void attemptKeysTakeTheTransactionsTtlAndAreBounded() {
        TransGlobal g = new TransGlobal(0, "att-1", TransType.SAGA, TransStatus.SUBMITTED, "", "http", NOW, NOW,
                null, null, "", "", TransOptions.NONE, "", 10, NOW.plusSeconds(10), "", "");
        store.saveNew(g, List.of());
        java.util.List<io.jdtm.server.store.Attempt> many = new java.util.ArrayList<>();
        for (int i = 0; i < RedisTransStore.MAX_ATTEMPTS + 5; i++) {
            many.add(new io.jdtm.server.store.Attempt("att-1", "01", "action", 0, NOW.plusMillis(i), 1,
                    io.jdtm.protocol.Outcome.ERROR, "", "try " + i, null, 0));
        }
        store.recordAttempts(many);

        assertThat(redis.llen(p() + "_at_att-1")).isEqualTo(RedisTransStore.MAX_ATTEMPTS);
        var kept = store.findAttempts("att-1");
        assertThat(kept.getFirst().answer()).as("the oldest are trimmed").isEqualTo("try 5");
        assertThat(kept.getLast().attempt()).isEqualTo(RedisTransStore.MAX_ATTEMPTS + 5);
        for (String k : List.of("_at_", "_an_")) {
            assertThat(redis.ttl(p() + k + "att-1")).as(k).isBetween(cfg.dataExpire() - 60, cfg.dataExpire());
        }

        store.changeStatus("att-1", StatusChange.of(TransStatus.SUBMITTED, TransStatus.SUCCEED, NOW));
        store.recordAttempts(List.of(many.getFirst()));
        for (String k : List.of("_at_", "_an_")) {
            assertThat(redis.ttl(p() + k + "att-1")).as("after the finish: " + k)
                    .isBetween(cfg.finishedDataExpire() - 60, cfg.finishedDataExpire());
        }

        assertThat(store.deleteFinishedBefore(NOW.plusSeconds(3600), 10)).isEqualTo(1);
        assertThat(redis.exists(p() + "_at_att-1", p() + "_an_att-1")).isZero();
    }
}
