package io.jdtm.server.store.redis;

import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.StoreException;
import io.jdtm.server.store.StoreUnavailableException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisLoadingException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.EpollProvider;
import io.lettuce.core.resource.Delay;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Redis engine's connection: one node ({@link RedisClient}) or a Redis Cluster ({@link RedisClusterClient}, which
 * routes each command by the slot of its first key and follows the cluster's topology), behind the command
 * interfaces both share, plus the optional {@code WAIT} after each write ({@code Store.RedisWaitReplicas}).
 *
 * <p>Outages fail fast, as {@link RedisTransStore} documents: commands wait at most {@link #COMMAND_TIMEOUT},
 * commands issued while the node is disconnected are rejected (on a cluster they wait for the timeout instead),
 * reconnects retry at least every {@link #MAX_RECONNECT_DELAY}. A cluster connection also refreshes its view of the
 * cluster every {@link #TOPOLOGY_REFRESH} and as soon as a redirect or failing reconnects suggest a failover.
 *
 * <p>Thread-safe: one multiplexed connection (per node) serves every caller.
 */
final class RedisLink implements AutoCloseable {
    /** Longest wait for one command's answer. */
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Reconnect attempts back off up to this (Lettuce's default is 30 s, too slow to notice a restarted Redis). */
    static final Duration MAX_RECONNECT_DELAY = Duration.ofSeconds(1);
    /** Periodic refresh of a cluster's topology; redirects and failing reconnects refresh it at once. */
    static final Duration TOPOLOGY_REFRESH = Duration.ofSeconds(5);

    private final ClientResources resources;
    private final AutoCloseable client;
    private final StatefulConnection<String, String> connection;
    private final RedisClusterCommands<String, String> sync;
    private final RedisClusterAsyncCommands<String, String> async;
    private final StatefulRedisClusterConnection<String, String> cluster; // null on one node
    private final int waitReplicas;
    private final long waitTimeoutMs;
    private final String description;

    private RedisLink(ClientResources resources, AutoCloseable client, StatefulConnection<String, String> connection,
            RedisClusterCommands<String, String> sync, RedisClusterAsyncCommands<String, String> async,
            StatefulRedisClusterConnection<String, String> cluster, int waitReplicas, long waitTimeoutMs,
            String description) {
        this.resources = resources;
        this.client = client;
        this.connection = connection;
        this.sync = sync;
        this.async = async;
        this.cluster = cluster;
        this.waitReplicas = waitReplicas;
        this.waitTimeoutMs = waitTimeoutMs;
        this.description = description;
    }

    /**
     * Connects as {@code cfg} says: one node, or a cluster through the seed nodes of {@code Store.Host}
     * ({@code host} or {@code host:port}, comma-separated; {@code Store.Port} is the default port).
     *
     * @throws IllegalArgumentException when several hosts are named without cluster mode being possible, or an
     *         entry is malformed
     * @throws StoreUnavailableException when Redis cannot be reached or is still loading
     * @throws StoreException when Redis refused the connection (credentials)
     */
    static RedisLink open(StoreConfig cfg) {
        List<RedisURI> uris = new ArrayList<>();
        for (String entry : cfg.host().split(",")) {
            uris.add(uri(cfg, entry.strip()));
        }
        ClientResources resources = ClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), MAX_RECONNECT_DELAY, 2, TimeUnit.MILLISECONDS))
                .build();
        String where = String.join(",", uris.stream().map(u -> u.getHost() + ":" + u.getPort()).toList());
        int replicas = cfg.redisWaitReplicas();
        long waitMs = cfg.redisWaitTimeoutMs();
        String wait = replicas > 0 ? " WAIT " + replicas + "/" + waitMs + "ms" : "";
        if (!cfg.isRedisCluster()) {
            RedisClient client = RedisClient.create(resources, uris.get(0));
            client.setOptions(ClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .socketOptions(SocketOptions.builder().connectTimeout(CONNECT_TIMEOUT).build())
                    .build());
            try {
                StatefulRedisConnection<String, String> conn = client.connect();
                return new RedisLink(resources, () -> client.shutdown(Duration.ZERO, Duration.ofSeconds(2)), conn,
                        conn.sync(), conn.async(), null, replicas, waitMs, "redis://" + where + wait);
            } catch (RedisException e) {
                client.shutdown();
                resources.shutdown();
                throw openFailure("cannot reach redis at " + where, e);
            }
        }
        RedisClusterClient client = RedisClusterClient.create(resources, uris);
        client.setOptions(ClusterClientOptions.builder()
                .autoReconnect(true)
                // REJECT_COMMANDS would also reject commands to a node whose connection is still being opened
                // (the cluster client connects to each node on first use); a command to a node that is down waits
                // for COMMAND_TIMEOUT instead of failing at once
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(CONNECT_TIMEOUT).build())
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enablePeriodicRefresh(TOPOLOGY_REFRESH)
                        .enableAllAdaptiveRefreshTriggers()
                        .adaptiveRefreshTriggersTimeout(Duration.ofMillis(500))
                        .refreshTriggersReconnectAttempts(2)
                        .build())
                .build());
        try {
            StatefulRedisClusterConnection<String, String> conn = client.connect();
            return new RedisLink(resources, () -> client.shutdown(Duration.ZERO, Duration.ofSeconds(2)), conn,
                    conn.sync(), conn.async(), conn, replicas, waitMs, "redis-cluster://" + where + wait);
        } catch (RedisException e) {
            client.shutdown();
            resources.shutdown();
            throw openFailure("cannot reach the redis cluster at " + where, e);
        }
    }

    /**
     * The client's network transport: {@code epoll} where Netty's native transport loads (Linux x86-64, from the
     * class path), else {@code Java NIO}, which Lettuce picks by itself.
     */
    static String transport() {
        return EpollProvider.isAvailable() ? "epoll" : "Java NIO";
    }

    private static RedisURI uri(StoreConfig cfg, String entry) {
        String host = entry;
        int port = cfg.port();
        int colon = entry.lastIndexOf(':');
        if (colon > 0 && entry.indexOf(':') == colon) { // host:port (an IPv6 literal has several colons)
            host = entry.substring(0, colon);
            try {
                port = Integer.parseInt(entry.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Store.Host entry '" + entry + "' has no valid port");
            }
        }
        if (host.isEmpty() || port <= 0 || port > 65535) {
            throw new IllegalArgumentException(
                    "Store.Host entry '" + entry + "' needs a host and a port (or Store.Port)");
        }
        RedisURI.Builder uri = RedisURI.builder().withHost(host).withPort(port).withTimeout(COMMAND_TIMEOUT);
        if (cfg.password() != null && !cfg.password().isEmpty()) {
            if (cfg.user() != null && !cfg.user().isEmpty()) {
                uri.withAuthentication(cfg.user(), cfg.password());
            } else {
                uri.withPassword(cfg.password().toCharArray());
            }
        }
        return uri.build();
    }

    /**
     * Why {@link RedisTransStore#open} failed: a {@link StoreUnavailableException} when Redis could not be reached or
     * is not ready (refused, reset, timed out, {@code LOADING}, {@code BUSY}: worth waiting for), a
     * {@link StoreException} when it answered and refused us (wrong password or user, missing permission): waiting
     * does not fix that. One line, with the innermost reason (Lettuce's own message is only "Unable to connect to
     * host:port").
     */
    static StoreException openFailure(String what, RedisException e) {
        boolean refused = false;
        boolean unreachable = false;
        String why = e.getMessage();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage() == null ? "" : t.getMessage();
            if (t instanceof RedisLoadingException || t instanceof RedisBusyException) {
                unreachable = true;
            } else if (t instanceof RedisCommandExecutionException) {
                refused = true; // WRONGPASS, NOAUTH, NOPERM, ERR AUTH ...: Redis answered
            } else if (t instanceof RedisConnectionException || t instanceof RedisCommandTimeoutException
                    || t instanceof IOException) {
                unreachable = true;
            }
            if (t != e && !m.isEmpty()) {
                why = m;
            }
        }
        String message = what + ": " + why;
        return unreachable && !refused ? new StoreUnavailableException(message, e) : new StoreException(message, e);
    }

    /**
     * {@link StoreUnavailableException} when Redis could not be reached or could not answer now (connection lost
     * or refused, command rejected while disconnected, timeout, still loading its data, busy in a script, a cluster
     * failing over or resharding), else a plain {@link StoreException}.
     */
    StoreException failure(String message, RedisException e) {
        String m = e.getMessage() == null ? "" : e.getMessage();
        boolean unavailable = e instanceof RedisConnectionException || e instanceof RedisCommandTimeoutException
                || e instanceof RedisLoadingException || e instanceof RedisBusyException
                || e.getCause() instanceof IOException || !connection.isOpen()
                // Lettuce fails in-flight and rejected commands with a plain RedisException; the connection may
                // not be flagged closed yet when it does
                || m.startsWith("Connection disconnected") || m.startsWith("Currently not connected")
                || m.startsWith("Connection closed")
                // a cluster between topologies: no master for the slot yet, a redirect not followed, a replica
                // that is no longer (or not yet) a master
                || m.startsWith("CLUSTERDOWN") || m.startsWith("TRYAGAIN") || m.startsWith("MOVED")
                || m.startsWith("ASK") || m.startsWith("MASTERDOWN") || m.startsWith("READONLY")
                || m.startsWith("Cannot determine a partition");
        return unavailable ? new StoreUnavailableException(message, e) : new StoreException(message, e);
    }

    /** The answers of commands sent at once (one per shard), in order; failures mapped as {@link #failure}. */
    <T> List<T> awaitAll(List<RedisFuture<T>> futures) {
        List<T> out = new ArrayList<>(futures.size());
        for (RedisFuture<T> f : futures) {
            try {
                out.add(f.get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StoreUnavailableException("interrupted while waiting for redis", e);
            } catch (TimeoutException e) {
                throw new StoreUnavailableException("redis did not answer within " + COMMAND_TIMEOUT, e);
            } catch (ExecutionException e) {
                RedisException cause = e.getCause() instanceof RedisException r ? r : new RedisException(e.getCause());
                throw failure("redis: " + cause.getMessage(), cause);
            }
        }
        return out;
    }

    RedisClusterCommands<String, String> sync() {
        return sync;
    }

    RedisClusterAsyncCommands<String, String> async() {
        return async;
    }

    boolean isCluster() {
        return cluster != null;
    }

    boolean isOpen() {
        return connection.isOpen();
    }

    /**
     * After a write to {@code slot} was acknowledged: waits until {@code Store.RedisWaitReplicas} replicas have it
     * (Redis {@code WAIT}), or does nothing when that is 0. WAIT counts the writes of the connection it is sent on,
     * so it goes to the connection that carried the write: the one connection on one node, the slot's master
     * connection of the cluster client (the pool's key for slot routing is the master's host and port).
     *
     * @throws StoreUnavailableException when fewer replicas acknowledged within {@code Store.RedisWaitTimeoutMs}:
     *         the write is on the master but may be lost if it fails now; the caller is told it failed
     */
    void awaitReplicas(int slot) {
        if (waitReplicas <= 0) {
            return;
        }
        long acked;
        if (cluster == null) {
            acked = sync.waitForReplication(waitReplicas, waitTimeoutMs);
        } else {
            RedisClusterNode master = cluster.getPartitions().getPartitionBySlot(slot);
            if (master == null) {
                throw new StoreUnavailableException("redis cluster: no master serves slot " + slot + " now", null);
            }
            acked = cluster.getConnection(master.getUri().getHost(), master.getUri().getPort()).sync()
                    .waitForReplication(waitReplicas, waitTimeoutMs);
        }
        if (acked < waitReplicas) {
            throw new StoreUnavailableException("redis WAIT: the write reached " + acked + " of " + waitReplicas
                    + " replicas within " + waitTimeoutMs + " ms (Store.RedisWaitReplicas)", null);
        }
    }

    @Override
    public String toString() {
        return description;
    }

    /** Closes the connection and the client's threads. Idempotent. */
    @Override
    public void close() {
        if (connection.isOpen()) {
            connection.close();
            try {
                client.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the redis client failed", e);
            }
            resources.shutdown();
        }
    }
}
