package io.jdtm.server.store.jdbc;

import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.Backends;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test class's own schema (PostgreSQL) or database (MariaDB) on a local server: registered as a static
 * {@code @RegisterExtension} field, it requires the server before the class's tests (a missing one fails the run
 * under {@code CI=true}) and drops what the tests created after them.
 */
final class ServerSchema implements BeforeAllCallback, AfterAllCallback {
    /** The store config that points at this class's schema or database. */
    final StoreConfig cfg;
    private final String server;
    private final int port;

    private ServerSchema(StoreConfig cfg, String server, int port) {
        this.cfg = cfg;
        this.server = server;
        this.port = port;
    }

    static ServerSchema postgres(String schema) {
        return new ServerSchema(Backends.postgres(schema), "PostgreSQL", Backends.POSTGRES_PORT);
    }

    static ServerSchema mariadb(String database) {
        return new ServerSchema(Backends.mariadb(database), "MariaDB", Backends.MARIADB_PORT);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        Backends.require(server, port);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        AdminSql.drop(cfg);
    }
}
