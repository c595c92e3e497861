package io.jdtm.server.config;

/**
 * The {@code Store} section (spec §11.2), with DTM's key names. Durations in seconds unless noted.
 *
 * @param driver {@code boltdb} (alias of the embedded default), {@code sqlite}, {@code postgres}, {@code mysql},
 *     {@code redis}
 * @param connMaxLifeTime minutes, as in DTM
 * @param dataDir jdtm: directory of the embedded store (created on first start)
 * @param retention jdtm: seconds after which finished transactions are deleted by every engine; 0 = never
 * @param redisCluster jdtm: {@code true} connects to a Redis Cluster through the seed nodes of {@code host} (also
 *     implied by a comma-separated {@code host}); {@code false} (default): one node
 * @param redisWaitReplicas jdtm: replica acknowledgements (Redis {@code WAIT}) every write waits for before the TM
 *     answers; 0 (default) = none
 * @param redisWaitTimeoutMs jdtm: how long one {@code WAIT} may take, in milliseconds
 * @param writeLanes jdtm: group-commit lanes of a SQL server engine (PostgreSQL, MySQL); 0 (default) = the
 *     engine's own choice (1 on PostgreSQL, up to 2 on MySQL)
 */
public record StoreConfig(
        String driver,
        String host,
        int port,
        String user,
        String password,
        String db,
        String schema,
        int maxOpenConns,
        int maxIdleConns,
        int connMaxLifeTime,
        long dataExpire,
        long finishedDataExpire,
        String redisPrefix,
        String dataDir,
        long retention,
        String redisCluster,
        int redisWaitReplicas,
        long redisWaitTimeoutMs,
        int writeLanes) {

    /** The accepted values of {@code Store.RedisCluster}. */
    public static final java.util.List<String> REDIS_CLUSTER_VALUES = java.util.List.of("false", "true");

    /** Default of {@code Store.RedisWaitTimeoutMs}. */
    public static final long DEFAULT_REDIS_WAIT_TIMEOUT_MS = 1000;

    /** The keys before the Redis Cluster ones; those take their defaults (one node, no WAIT). */
    public StoreConfig(String driver, String host, int port, String user, String password, String db, String schema,
            int maxOpenConns, int maxIdleConns, int connMaxLifeTime, long dataExpire, long finishedDataExpire,
            String redisPrefix, String dataDir, long retention) {
        this(driver, host, port, user, password, db, schema, maxOpenConns, maxIdleConns, connMaxLifeTime, dataExpire,
                finishedDataExpire, redisPrefix, dataDir, retention, "false", 0, DEFAULT_REDIS_WAIT_TIMEOUT_MS);
    }

    /** The keys before {@code WriteLanes}, which takes its default (the engine's choice). */
    public StoreConfig(String driver, String host, int port, String user, String password, String db, String schema,
            int maxOpenConns, int maxIdleConns, int connMaxLifeTime, long dataExpire, long finishedDataExpire,
            String redisPrefix, String dataDir, long retention, String redisCluster, int redisWaitReplicas,
            long redisWaitTimeoutMs) {
        this(driver, host, port, user, password, db, schema, maxOpenConns, maxIdleConns, connMaxLifeTime, dataExpire,
                finishedDataExpire, redisPrefix, dataDir, retention, redisCluster, redisWaitReplicas, redisWaitTimeoutMs,
                0);
    }

    public static StoreConfig defaults() {
        return new StoreConfig("boltdb", "", 0, "", "", "dtm", "public", 500, 500, 5, 604800, 86400, "{a}",
                "jdtm-data", 604800);
    }

    /** True when the Redis engine talks to a Redis Cluster: {@code Store.RedisCluster} or several hosts. */
    public boolean isRedisCluster() {
        return "true".equals(redisCluster) || (host != null && host.contains(","));
    }

    /** True for the zero-setup embedded engine ({@code boltdb} is accepted as DTM's name for it). */
    public boolean isEmbedded() {
        return driver.equals("boltdb") || driver.equals("sqlite");
    }

    public StoreConfig withDriver(String d) {
        return new StoreConfig(d, host, port, user, password, db, schema, maxOpenConns, maxIdleConns,
                connMaxLifeTime, dataExpire, finishedDataExpire, redisPrefix, dataDir, retention, redisCluster,
                redisWaitReplicas, redisWaitTimeoutMs, writeLanes);
    }

    public StoreConfig withDataDir(String dir) {
        return new StoreConfig(driver, host, port, user, password, db, schema, maxOpenConns, maxIdleConns,
                connMaxLifeTime, dataExpire, finishedDataExpire, redisPrefix, dir, retention, redisCluster,
                redisWaitReplicas, redisWaitTimeoutMs, writeLanes);
    }

    /** This config with {@code Store.WriteLanes} set. */
    public StoreConfig withWriteLanes(int lanes) {
        return new StoreConfig(driver, host, port, user, password, db, schema, maxOpenConns, maxIdleConns,
                connMaxLifeTime, dataExpire, finishedDataExpire, redisPrefix, dataDir, retention, redisCluster,
                redisWaitReplicas, redisWaitTimeoutMs, lanes);
    }

    /** This config with the Redis Cluster keys set. */
    public StoreConfig withRedisCluster(boolean cluster, int waitReplicas, long waitTimeoutMs) {
        return new StoreConfig(driver, host, port, user, password, db, schema, maxOpenConns, maxIdleConns,
                connMaxLifeTime, dataExpire, finishedDataExpire, redisPrefix, dataDir, retention,
                Boolean.toString(cluster), waitReplicas, waitTimeoutMs, writeLanes);
    }
}
