package io.jdtm.server.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.TransStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The storage contract on MariaDB (127.0.0.1:3306, driver {@code mysql}, a database of its own). */
class MariaDbTransStoreTest extends JdbcTransStoreContract {
    @RegisterExtension
    static final ServerSchema SCHEMA = ServerSchema.mariadb("jdtm_contract");
    static final StoreConfig CFG = SCHEMA.cfg;

    @Override
    protected TransStore newStore() {
        JdbcTransStore s = JdbcTransStore.open(CFG);
        s.reset();
        return s;
    }

    /**
     * jdtm's connections ask the server to prepare their statements; a server at its (server-wide)
     * max_prepared_stmt_count refuses, and they must go on with plain statements. Without
     * {@code useBulkStmtsForInserts=false} in the URL, Connector/J 4.0.0 hangs on the refusal.
     */
    @Test
    void connectionsToAServerThatRefusesToPrepareStatementsGoOn() throws Exception {
        try (Connection admin = AdminSql.mariadb(null)) {
            String limit = AdminSql.column(admin, "SELECT @@GLOBAL.max_prepared_stmt_count").getFirst();
            int held = Integer.parseInt(AdminSql.column(admin, "SELECT VARIABLE_VALUE FROM"
                    + " information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'PREPARED_STMT_COUNT'").getFirst());
            AdminSql.exec(admin, "SET GLOBAL max_prepared_stmt_count = " + (held + 2)); // two more, then refused
            try {
                assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                    try (Connection c = DriverManager.getConnection(new MysqlDialect().jdbcUrl(CFG), CFG.user(),
                            CFG.password())) {
                        for (int i = 0; i < 6; i++) {
                            try (PreparedStatement ps = c.prepareStatement("SELECT ? + " + i)) {
                                ps.setInt(1, 1);
                                try (ResultSet rs = ps.executeQuery()) {
                                    assertThat(rs.next()).isTrue();
                                    assertThat(rs.getInt(1)).isEqualTo(1 + i);
                                }
                            }
                        }
                    }
                });
            } finally {
                AdminSql.exec(admin, "SET GLOBAL max_prepared_stmt_count = " + limit);
            }
        }
    }
}
