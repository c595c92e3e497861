package io.jdtm.server.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jdtm.protocol.TransOptions;
import io.jdtm.protocol.TransStatus;
import io.jdtm.protocol.TransType;
import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.LocalRedisCluster;
import io.jdtm.server.store.Page;
import io.jdtm.server.store.ScanQuery;
import io.jdtm.server.store.StatusChange;
import io.jdtm.server.store.StoreException;
import io.jdtm.server.store.TransGlobal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * kill -9 of a master under load, with {@code Store.RedisWaitReplicas: 1}: every write the store acknowledged is
 * still there after the replica took over, and the store keeps working, its claim and listing walking every shard.
 * Restarts the killed node (it rejoins as a replica), so the JVM's cluster is whole again for the next test.
 */
class RedisClusterFailoverTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final int WRITERS = 6;

    /** What a writer was told: SUBMITTED when the save was acknowledged, SUCCEED when the change was too. */
    private final Map<String, TransStatus> acked = new ConcurrentHashMap<>();
    /** Saves acknowledged whose status change then failed: either status is right. */
    private final Set<String> changeUnknown = ConcurrentHashMap.newKeySet();
    private final AtomicInteger failures = new AtomicInteger();
    /** Anything but a StoreException from the store is a bug. */
    private final List<String> unexpected = java.util.Collections.synchronizedList(new ArrayList<>());

    @Test
    void everyAcknowledgedWriteSurvivesAMasterKilledUnderLoad() throws Exception {
        LocalRedisCluster cluster = LocalRedisCluster.shared();
        StoreConfig cfg = cluster.config("jcf").withRedisCluster(true, 1, 2000);
        RedisShards shards = RedisShards.cluster(cfg.redisPrefix());
        try (RedisTransStore store = RedisTransStore.open(cfg)) {
            store.reset();
            // the victim: the master of shard 0
            int victimPort = masterPortOf(cluster, shards.all().get(0).slot());
            LocalRedisCluster.Node victim = cluster.node(victimPort);

            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger seq = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
            for (int t = 0; t < WRITERS; t++) {
                pool.submit(() -> {
                    while (!stop.get()) {
                        try {
                            write(store, "fo-" + seq.incrementAndGet());
                        } catch (RuntimeException e) {
                            unexpected.add(e.toString());
                        }
                    }
                });
            }
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> acked.size() >= 300);
                cluster.kill(victim);
                int ackedAtKill = acked.size();

                // a replica takes over the victim's slots
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                        .until(() -> masterPortOf(cluster, shards.all().get(0).slot()) != victimPort
                                && cluster.call(cluster.node(masterPortOf(cluster, shards.all().get(0).slot())),
                                        c -> c.sync().clusterInfo()).contains("cluster_state:ok"));
                // the promoted master has no replica until the victim is back, so WAIT 1 fails its writes: bring
                // the victim back (it rejoins as a replica), then the load must go on on every shard
                cluster.restart(victim);
                int ackedAfterRestart = acked.size();
                await().atMost(Duration.ofSeconds(60)).until(() -> acked.size() >= ackedAfterRestart + 300);
                assertThat(ackedAfterRestart).as("acknowledged before the kill").isGreaterThanOrEqualTo(ackedAtKill);
            } finally {
                stop.set(true);
                pool.shutdown();
                assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
                if (!victim.alive()) {
                    cluster.restart(victim);
                }
            }

            assertThat(unexpected).as("errors other than StoreException").isEmpty();
            // every acknowledged write is there
            List<String> lost = new ArrayList<>();
            for (Map.Entry<String, TransStatus> e : acked.entrySet()) {
                TransStatus now = store.findGlobal(e.getKey()).map(TransGlobal::status).orElse(null);
                boolean ok = changeUnknown.contains(e.getKey())
                        ? now == TransStatus.SUBMITTED || now == TransStatus.SUCCEED
                        : now == e.getValue();
                if (!ok) {
                    lost.add(e.getKey() + " acked " + e.getValue() + " found " + now);
                }
            }
            assertThat(lost).as("acknowledged writes lost (of " + acked.size() + ")").isEmpty();

            // the store keeps working on every shard, the listing and the claim walk them all
            for (int i = 0; i < 64; i++) {
                store.saveNew(global("after-" + i), List.of());
            }
            Set<String> listed = new HashSet<>();
            String position = "";
            do {
                Page<TransGlobal> page = store.scanGlobals(new ScanQuery(position, 500, null, null, null, null));
                page.items().forEach(g -> listed.add(g.gid()));
                position = page.next();
            } while (!position.isEmpty());
            assertThat(listed).containsAll(acked.keySet());
            Set<Integer> shardsListed = new HashSet<>();
            listed.forEach(g -> shardsListed.add(shards.of(g).index()));
            assertThat(shardsListed).hasSize(RedisShards.CLUSTER_SHARDS);

            Set<String> claimed = new HashSet<>();
            List<TransGlobal> batch;
            do {
                batch = store.claimDue(T0.plusSeconds(60), Duration.ZERO, Duration.ofMinutes(5),
                        "lease:check", 100);
                batch.forEach(g -> claimed.add(g.gid()));
            } while (!batch.isEmpty());
            Set<String> due = new HashSet<>();
            acked.forEach((gid, st) -> {
                if (st == TransStatus.SUBMITTED && !changeUnknown.contains(gid)) {
                    due.add(gid);
                }
            });
            assertThat(claimed).containsAll(due);
            assertThat(claimed.stream().map(g -> shards.of(g).index()).distinct()).hasSize(RedisShards.CLUSTER_SHARDS);
            store.reset();
        }
        System.out.printf("failover: %d acknowledged writes kept, %d unacknowledged calls%n", acked.size(),
                failures.get());
    }

    /** Saves a transaction and, for every other one, finishes it; records what was acknowledged. */
    private void write(RedisTransStore store, String gid) {
        try {
            store.saveNew(global(gid), List.of());
        } catch (StoreException e) {
            failures.incrementAndGet();
            return;
        }
        acked.put(gid, TransStatus.SUBMITTED);
        if (Integer.parseInt(gid.substring(3)) % 2 == 0) {
            try {
                store.changeStatus(gid, StatusChange.of(TransStatus.SUBMITTED, TransStatus.SUCCEED, T0));
                acked.put(gid, TransStatus.SUCCEED);
            } catch (StoreException e) {
                failures.incrementAndGet();
                changeUnknown.add(gid);
            }
        }
    }

    private static int masterPortOf(LocalRedisCluster cluster, int slot) {
        for (LocalRedisCluster.Node n : cluster.nodes()) {
            if (!n.alive()) {
                continue;
            }
            String nodes = cluster.call(n, c -> c.sync().clusterNodes());
            for (String line : nodes.split("\n")) {
                String[] f = line.split(" ");
                if (f.length < 9 || !f[2].contains("master") || f[2].contains("fail")) {
                    continue;
                }
                for (int i = 8; i < f.length; i++) {
                    String[] range = f[i].split("-");
                    if (range[0].startsWith("[")) {
                        continue;
                    }
                    int lo = Integer.parseInt(range[0]);
                    int hi = range.length > 1 ? Integer.parseInt(range[1]) : lo;
                    if (slot >= lo && slot <= hi) {
                        return Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1, f[1].indexOf('@')));
                    }
                }
            }
            return -1;
        }
        throw new IllegalStateException("no node is alive");
    }

    private static TransGlobal global(String gid) {
        return new TransGlobal(0, gid, TransType.SAGA, TransStatus.SUBMITTED, "", "http", T0, T0, null, null, "", "",
                TransOptions.NONE, "", 10, T0, "", "");
    }
}
