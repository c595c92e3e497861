package io.jdtm.server.store;

import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.jdbc.JdbcTransStore;
import io.jdtm.server.store.redis.RedisTransStore;
import java.nio.file.Path;

/**
 * Opens the {@link TransStore} that {@code Store.Driver} names, with DTM's driver names. {@code boltdb} (DTM's
 * default) and {@code sqlite} both mean the SQL engine on the embedded SQLite file in {@code Store.DataDir};
 * {@code postgres} and {@code mysql} open it on a server (MySQL and MariaDB alike), {@code redis} the Redis engine;
 * see docs/storage.md.
 * The caller owns the returned store and closes it.
 */
public final class StoreFactory {
    private StoreFactory() {}

    /**
     * @throws IllegalArgumentException when the driver is not one this build supports
     * @throws StoreException when the store cannot be opened
     */
    public static TransStore open(StoreConfig cfg) {
        String driver = cfg.driver() == null ? "" : cfg.driver();
        return switch (driver) {
            case "boltdb", "sqlite" -> JdbcTransStore.openEmbedded(Path.of(cfg.dataDir()));
            case "postgres", "mysql" -> JdbcTransStore.open(cfg);
            case "redis" -> RedisTransStore.open(cfg);
            default -> throw new IllegalArgumentException(
                    "Store.Driver '" + driver + "' is not supported; use one of boltdb, sqlite, postgres, mysql, redis");
        };
    }
}
