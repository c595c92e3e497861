package io.jdtm.server.config;

/**
 * The {@code Store} section (spec §11.2), with DTM's key names. Durations in seconds unless noted.
 *
 * @param driver {@code boltdb} (alias of the embedded default), {@code sqlite}, {@code postgres}, {@code mysql},
 *     {@code redis}
 * @param connMaxLifeTime minutes, as in DTM
 * @param dataDir jdtm: directory of the embedded store (created on first start)
 * @param retention jdtm: seconds after which finished transactions are deleted by every engine; 0 = never
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
        long retention) {

    public static StoreConfig defaults() {
        return new StoreConfig("boltdb", "", 0, "", "", "dtm", "public", 500, 500, 5, 604800, 86400, "{a}",
                "jdtm-data", 604800);
    }

    /** True for the zero-setup embedded engine ({@code boltdb} is accepted as DTM's name for it). */
    public boolean isEmbedded() {
        return driver.equals("boltdb") || driver.equals("sqlite");
    }

    public StoreConfig withDriver(String d) {
        return new StoreConfig(d, host, port, user, password, db, schema, maxOpenConns, maxIdleConns,
                connMaxLifeTime, dataExpire, finishedDataExpire, redisPrefix, dataDir, retention);
    }

    public StoreConfig withDataDir(String dir) {
        return new StoreConfig(driver, host, port, user, password, db, schema, maxOpenConns, maxIdleConns,
                connMaxLifeTime, dataExpire, finishedDataExpire, redisPrefix, dir, retention);
    }
}
