package io.jdtm.server.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdtm.protocol.BranchStatus;
import io.jdtm.protocol.Outcome;
import io.jdtm.protocol.TransOptions;
import io.jdtm.protocol.TransStatus;
import io.jdtm.protocol.TransType;
import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.Attempt;
import io.jdtm.server.store.LocalRedisCluster;
import io.jdtm.server.store.TransBranch;
import io.jdtm.server.store.TransGlobal;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cluster layout on a real 3-master cluster: the keys of one transaction and its index entries share a slot, the
 * shards sit on every master, and transactions spread over all of them.
 */
class RedisClusterLayoutTest {
    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

    private StoreConfig cfg;
    private RedisTransStore store;
    private RedisClusterClient client;
    private StatefulRedisClusterConnection<String, String> conn;
    private RedisAdvancedClusterCommands<String, String> redis;

    @BeforeEach
    void open() {
        cfg = LocalRedisCluster.shared().config("jcl");
        store = RedisTransStore.open(cfg);
        store.reset();
        client = RedisClusterClient.create(RedisURI.create("redis://127.0.0.1:" + cfg.port()));
        conn = client.connect();
        redis = conn.sync();
    }

    @AfterEach
    void close() {
        store.reset();
        store.close();
        conn.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
    }

    @Test
    void theShardTagsCoverEveryMasterOfA3MasterCluster() {
        RedisShards shards = RedisShards.cluster(cfg.redisPrefix());
        Set<String> masters = masters();
        assertThat(masters).hasSize(3);

        Map<String, Integer> shardsPerMaster = new HashMap<>();
        for (RedisShards.Shard sh : shards.all()) {
            shardsPerMaster.merge(masterOf(sh.slot()), 1, Integer::sum);
        }

        assertThat(shardsPerMaster.keySet()).isEqualTo(masters);
        // a master owning a third of the slots holds 4 of the 16 bands whole, and the tags of bands it shares with its
        // neighbours fall on either side
        assertThat(shardsPerMaster.values()).allSatisfy(n -> assertThat(n).isBetween(4, 6));
        // any prefix, including DTM's default with its braces, gets tags on every master
        for (String prefix : List.of("{a}", "x", "jdtm-prod", "p.1")) {
            assertThat(RedisShards.cluster(prefix).all().stream().map(sh -> masterOf(sh.slot())).distinct())
                    .as(prefix).hasSize(3);
        }
    }

    @Test
    void everyKeyOfATransactionSharesTheSlotOfItsIndexEntries() {
        List<String> gids = List.of("plain-1", "with{braces}", "{x}", "}{", "üñí/€:*?[]", "gid with spaces");
        for (String gid : gids) {
            store.saveNew(global(gid, NOW.plusSeconds(10)), List.of(
                    TransBranch.create(gid, "http://rm/a", new byte[] {1}, "01", "action", BranchStatus.PREPARED,
                            NOW),
                    TransBranch.create(gid, "http://rm/c", new byte[] {1}, "01", "compensate",
                            BranchStatus.PREPARED, NOW)));
            store.recordAttempts(List.of(new Attempt(gid, "01", "action", 0, NOW, 5, Outcome.SUCCESS, "200", "",
                    NOW.plusSeconds(10), 10)));
        }
        RedisShards shards = RedisShards.cluster(cfg.redisPrefix());

        for (String gid : gids) {
            RedisShards.Shard sh = shards.of(gid);
            List<String> keys = List.of(sh.g(gid), sh.b(gid), sh.s(gid), sh.attempts(gid), sh.attemptCounters(gid));
            assertThat(redis.exists(keys.toArray(String[]::new))).as(gid).isEqualTo(keys.size());
            assertThat(keys.stream().map(SlotHash::getSlot).distinct()).as(gid).containsExactly(sh.slot());
            // the index entries that point at it are in its slot too, so one script changes them all
            assertThat(redis.zscore(sh.u(), gid)).as(gid).isNotNull();
            assertThat(redis.zscore(sh.a(), gid)).as(gid).isNotNull();
            assertThat(SlotHash.getSlot(sh.u())).isEqualTo(sh.slot());
            assertThat(SlotHash.getSlot(sh.a())).isEqualTo(sh.slot());
            assertThat(store.findGlobal(gid)).as(gid).isPresent();
            assertThat(store.findBranches(gid)).as(gid).hasSize(2);
        }
        // nothing of this store lives outside its shards
        assertThat(keysOfThisStore()).allSatisfy(k -> assertThat(shards.owns(k)).as(k).isTrue());
    }

    @Test
    void transactionsSpreadOverAllThreeMastersAndIdsStayUnique() {
        RedisShards shards = RedisShards.cluster(cfg.redisPrefix());
        Map<String, Integer> perMaster = new HashMap<>();
        Set<Long> ids = new HashSet<>();
        List<Long> inOrder = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String gid = "spread-" + i;
            TransGlobal saved = store.saveNew(global(gid, NOW), List.of());
            ids.add(saved.id());
            inOrder.add(saved.id());
            perMaster.merge(masterOf(shards.of(gid).slot()), 1, Integer::sum);
        }

        assertThat(perMaster.keySet()).isEqualTo(masters());
        assertThat(perMaster.values()).as("each master holds a fair part")
                .allSatisfy(n -> assertThat(n).isGreaterThan(50));
        assertThat(ids).hasSize(300);
        assertThat(inOrder).as("one process's ids increase").isSorted();
        assertThat(inOrder.getLast()).as("exact in cjson's 14 digits").isLessThan(100_000_000_000_000L);
        assertThat(store.findGlobal("spread-7").orElseThrow().id()).isEqualTo(inOrder.get(7));
    }

    @Test
    void oneSeedNodeWithTheClusterFlagFindsTheWholeCluster() {
        StoreConfig oneSeed = new StoreConfig("redis", "127.0.0.1", cfg.port(), "", "", cfg.db(), cfg.schema(), 1, 1,
                5, cfg.dataExpire(), cfg.finishedDataExpire(), cfg.redisPrefix(), cfg.dataDir(), 0, "true", 0, 1000);
        RedisShards shards = RedisShards.cluster(cfg.redisPrefix());
        try (RedisTransStore s = RedisTransStore.open(oneSeed)) {
            for (int i = 0; i < 40; i++) {
                s.saveNew(global("seed-" + i, NOW), List.of());
            }
            assertThat(s.toString()).contains("redis-cluster://127.0.0.1:" + cfg.port());
        }
        // written through the other store, in cluster layout, on every master
        assertThat(store.findGlobal("seed-7")).isPresent();
        assertThat(redis.exists(shards.of("seed-7").g("seed-7"))).isEqualTo(1);
        assertThat(java.util.stream.IntStream.range(0, 40).mapToObj(i -> masterOf(shards.of("seed-" + i).slot()))
                .distinct()).hasSize(3);
    }

    private Set<String> masters() {
        return conn.getPartitions().stream().filter(n -> n.is(RedisClusterNode.NodeFlag.UPSTREAM))
                .filter(n -> !n.getSlots().isEmpty()).map(RedisClusterNode::getNodeId).collect(Collectors.toSet());
    }

    private String masterOf(int slot) {
        return conn.getPartitions().getMasterBySlot(slot).getNodeId();
    }

    private List<String> keysOfThisStore() {
        RedisShards shards = RedisShards.cluster(cfg.redisPrefix());
        List<String> out = new ArrayList<>();
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page = redis.scan(cursor, ScanArgs.Builder.matches(shards.scanPattern()).limit(500));
            out.addAll(page.getKeys());
            cursor = page;
        } while (!cursor.isFinished());
        return out;
    }

    private static TransGlobal global(String gid, Instant next) {
        return new TransGlobal(0, gid, TransType.SAGA, TransStatus.SUBMITTED, "", "http", NOW, NOW, null, null, "",
                "", TransOptions.NONE, "", 10, next, "", "");
    }
}
