package io.jdtm.server.store;

import static org.awaitility.Awaitility.await;

import io.jdtm.server.config.StoreConfig;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Redis Cluster of 3 masters and 3 replicas on free loopback ports, one {@code redis-server} process per node
 * in a temporary directory (cluster mode, AOF, {@code cluster-node-timeout} {@value #NODE_TIMEOUT_MS} ms), joined
 * with {@code redis-cli --cluster create --cluster-replicas 1}: the steps of {@code scripts/redis-cluster.sh}, from
 * Java so that a test holds each node's process and can kill it with SIGKILL.
 *
 * <p>One cluster per test JVM ({@link #shared}), started on first use and stopped when the JVM exits; tests keep
 * their data apart with prefixes of their own. A test that kills a node {@link #restart}s it afterwards, so the next
 * test finds 3 masters with a synced replica each again. Where {@code redis-server} or {@code redis-cli} is missing,
 * {@link #shared} skips the test (fails it under {@code CI=true}) through {@link Backends#requireThat}.
 */
public final class LocalRedisCluster {
    public static final int NODE_TIMEOUT_MS = 2000;
    private static final Duration READY = Duration.ofSeconds(60);
    private static LocalRedisCluster shared;

    /** One node: its port, its directory and (while it runs) its process. */
    public static final class Node {
        public final int port;
        final Path dir;
        Process process;

        Node(int port, Path dir) {
            this.port = port;
            this.dir = dir;
        }

        public boolean alive() {
            return process != null && process.isAlive();
        }
    }

    private final Path root;
    private final List<Node> nodes = new ArrayList<>();

    private LocalRedisCluster(Path root) {
        this.root = root;
    }

    /** The cluster of this JVM, started on the first call (about 5-10 s). */
    public static synchronized LocalRedisCluster shared() {
        Backends.requireThat(onPath("redis-server") && onPath("redis-cli"),
                "redis-server/redis-cli are not installed (needed for the local Redis Cluster)");
        if (shared == null) {
            try {
                LocalRedisCluster c = new LocalRedisCluster(Files.createTempDirectory("jdtm-redis-cluster"));
                Runtime.getRuntime().addShutdownHook(new Thread(c::stop, "redis-cluster-stop"));
                c.start();
                shared = c;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shared;
    }

    /** A cluster-mode store config for data named {@code name} (a prefix of its own), no WAIT. */
    public StoreConfig config(String name) {
        StoreConfig single = Backends.redis(name);
        String seeds = String.join(",", nodes.subList(0, 3).stream().map(n -> Backends.HOST + ":" + n.port).toList());
        return new StoreConfig("redis", seeds, nodes.get(0).port, "", "", single.db(), single.schema(), 16, 2,
                single.connMaxLifeTime(), single.dataExpire(), single.finishedDataExpire(),
                single.redisPrefix().replace("{", "").replace("}", ""), single.dataDir(), single.retention(), "true",
                0, StoreConfig.DEFAULT_REDIS_WAIT_TIMEOUT_MS);
    }

    public List<Node> nodes() {
        return List.copyOf(nodes);
    }

    public Node node(int port) {
        return nodes.stream().filter(n -> n.port == port).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no node on port " + port));
    }

    /** kill -9 of one node's process; returns when it has exited. */
    public void kill(Node n) {
        n.process.destroyForcibly();
        try {
            if (!n.process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("redis-server on port " + n.port + " did not exit after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Starts a killed node again on its directory: its nodes.conf brings it back into the cluster (as a replica when
     * its replica was promoted meanwhile). Returns when the cluster is healthy again.
     */
    public void restart(Node n) {
        n.process = launch(n);
        awaitHealthy();
    }

    /** Waits until every running node reports {@code cluster_state:ok} and 3 replicas are synced with a master. */
    public void awaitHealthy() {
        await().atMost(READY).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            int synced = 0;
            for (Node n : nodes) {
                if (!n.alive()) {
                    return false;
                }
                if (!call(n, c -> c.sync().clusterInfo()).contains("cluster_state:ok")) {
                    return false;
                }
                if (call(n, c -> c.sync().info("replication")).contains("master_link_status:up")) {
                    synced++;
                }
            }
            return synced == 3;
        });
    }

    /** Runs {@code op} on a short-lived plain connection to one node. */
    public <T> T call(Node n, java.util.function.Function<StatefulRedisConnection<String, String>, T> op) {
        RedisClient client = RedisClient.create(RedisURI.builder().withHost(Backends.HOST).withPort(n.port)
                .withTimeout(Duration.ofSeconds(2)).build());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            return op.apply(c);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
    }

    private void start() {
        for (int port : freePorts(6)) {
            Path dir = root.resolve(Integer.toString(port));
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Node n = new Node(port, dir);
            n.process = launch(n);
            nodes.add(n);
        }
        await().atMost(READY).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> nodes.stream().allMatch(n -> "PONG".equals(call(n, c -> c.sync().ping()))));
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        nodes.forEach(n -> create.add(Backends.HOST + ":" + n.port));
        create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
        run(create, root.resolve("create.log"));
        awaitHealthy();
    }

    private Process launch(Node n) {
        try {
            return new ProcessBuilder("redis-server", "--port", Integer.toString(n.port), "--bind", Backends.HOST,
                    "--dir", n.dir.toString(), "--logfile", "redis.log", "--cluster-enabled", "yes",
                    "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", Integer.toString(NODE_TIMEOUT_MS),
                    "--appendonly", "yes", "--appendfsync", "everysec", "--save", "")
                    .redirectErrorStream(true).redirectOutput(n.dir.resolve("stdout.log").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start redis-server on port " + n.port, e);
        }
    }

    private static void run(List<String> command, Path log) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " failed:\n" + Files.readString(log));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void stop() {
        for (Node n : nodes) {
            if (n.process != null) {
                n.process.destroyForcibly();
            }
        }
        for (Node n : nodes) {
            if (n.process != null) {
                try {
                    n.process.waitFor(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }

    /** Ports p with p and its cluster bus port p + 10000 both free. */
    private static List<Integer> freePorts(int count) {
        List<Integer> out = new ArrayList<>();
        while (out.size() < count) {
            int p = ThreadLocalRandom.current().nextInt(20000, 30000);
            if (!out.contains(p) && free(p) && free(p + 10000)) {
                out.add(p);
            }
        }
        return out;
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName(Backends.HOST))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        return path != null && Stream.of(path.split(java.io.File.pathSeparator))
                .anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }
}
