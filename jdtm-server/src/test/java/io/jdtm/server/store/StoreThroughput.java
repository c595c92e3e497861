package io.jdtm.server.store;

import io.jdtm.protocol.BranchStatus;
import io.jdtm.protocol.TransOptions;
import io.jdtm.protocol.TransStatus;
import io.jdtm.protocol.TransType;
import io.jdtm.server.config.StoreConfig;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A hand-run throughput probe, not a test: {@code writers} virtual threads each drive transactions through
 * saveNew (2 branches) + updateBranches + changeStatus(submitted → succeed) for a fixed time, and the rate of whole
 * transactions is printed. Usage: {@code StoreThroughput <sqlite|postgres|mysql|redis|redis-cluster|redis-cluster-wait>
 * [writers] [seconds] [maxOpenConns]}; the cluster drivers start a local 3+3 {@link LocalRedisCluster} ({@code -wait}:
 * with {@code Store.RedisWaitReplicas} 1); {@code sqlite} writes to a fresh temporary directory. Run it on the test
 * class path, e.g. {@code ./mvnw -q -pl jdtm-server -am test-compile}, then {@code java
 * --enable-native-access=ALL-UNNAMED -cp <classes, test-classes and the test class path>
 * io.jdtm.server.store.StoreThroughput sqlite 64 10}.
 */
public final class StoreThroughput {
    private StoreThroughput() {}

    public static void main(String[] args) throws Exception {
        String driver = args[0];
        int writers = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        int conns = args.length > 3 ? Integer.parseInt(args[3]) : 16;
        StoreConfig base = switch (driver) {
            case "postgres" -> Backends.postgres("jdtm_bench");
            case "mysql" -> Backends.mariadb("jdtm_bench");
            case "redis" -> Backends.redis("jb");
            case "redis-cluster" -> LocalRedisCluster.shared().config("jb");
            case "redis-cluster-wait" -> LocalRedisCluster.shared().config("jb").withRedisCluster(true, 1, 1000);
            case "sqlite" -> StoreConfig.defaults().withDriver("sqlite")
                    .withDataDir(java.nio.file.Files.createTempDirectory("jdtm-bench").toString());
            default -> throw new IllegalArgumentException(driver);
        };
        StoreConfig cfg = new StoreConfig(base.driver(), base.host(), base.port(), base.user(), base.password(),
                base.db(), base.schema(), conns, conns, base.connMaxLifeTime(), base.dataExpire(),
                base.finishedDataExpire(), base.redisPrefix(), base.dataDir(), base.retention(), base.redisCluster(),
                base.redisWaitReplicas(), base.redisWaitTimeoutMs());
        try (TransStore store = StoreFactory.open(cfg)) {
            store.reset();
            for (int round = 0; round < 2; round++) {
                AtomicLong done = new AtomicLong();
                long end = System.nanoTime() + (round == 0 ? 3L : seconds) * 1_000_000_000L;
                int r = round;
                try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
                    for (int w = 0; w < writers; w++) {
                        int id = w;
                        ex.submit(() -> {
                            long n = 0;
                            while (System.nanoTime() < end) {
                                String gid = "b" + r + "-" + id + "-" + n++;
                                Instant now = Instant.now();
                                store.saveNew(new TransGlobal(0, gid, TransType.SAGA, TransStatus.SUBMITTED, "",
                                        "http", now, now, null, null, "", "", TransOptions.NONE, "", 10,
                                        now.plusSeconds(10), "", ""), List.of(
                                        TransBranch.create(gid, "http://busi/out", new byte[64], "01", "compensate",
                                                BranchStatus.PREPARED, now),
                                        TransBranch.create(gid, "http://busi/out", new byte[64], "01", "action",
                                                BranchStatus.PREPARED, now)));
                                store.updateBranches(gid, TransStatus.SUBMITTED, List.of(TransBranch.create(gid, "",
                                        null, "01", "action", BranchStatus.SUCCEED, now).withStatus(
                                        BranchStatus.SUCCEED, now)));
                                store.changeStatus(gid, StatusChange.of(TransStatus.SUBMITTED, TransStatus.SUCCEED,
                                        now));
                                done.incrementAndGet();
                            }
                            return null;
                        });
                    }
                }
                if (round == 1) {
                    System.out.printf("%s: %d writers, %d conns, %ds: %d transactions, %.0f tx/s (%.0f writes/s)%n",
                            driver, writers, conns, seconds, done.get(), done.get() / (double) seconds,
                            3 * done.get() / (double) seconds);
                }
            }
            store.reset();
        }
    }
}
