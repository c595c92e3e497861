package io.jdtm.client;

import com.zaxxer.hikari.HikariDataSource;
import io.jdtm.client.testing.Backends;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.XADataSource;
import org.junit.jupiter.api.BeforeEach;
import org.postgresql.xa.PGXADataSource;

/**
 * XA end to end on the real PostgreSQL of this machine. PostgreSQL refuses {@code PREPARE TRANSACTION} unless
 * {@code max_prepared_transactions > 0}; that needs a server restart, so the test does not change it: each test is
 * skipped (failed under {@code CI=true}) with the exact fix, which the README repeats.
 */
class PostgresXaTest extends XaEndToEndContractTest {
    private HikariDataSource ds;

    @Override
    protected HikariDataSource openDataSource() {
        ds = Backends.postgres();
        return ds;
    }

    @BeforeEach
    void requirePreparedTransactions() throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("show max_prepared_transactions")) {
            rs.next();
            if (Integer.parseInt(rs.getString(1)) <= 0) {
                Backends.unavailable("PostgreSQL has max_prepared_transactions = 0, so XA is disabled. Fix: psql -h "
                        + "127.0.0.1 -U postgres -c 'ALTER SYSTEM SET max_prepared_transactions = 64' and restart "
                        + "PostgreSQL (systemctl restart postgresql, or pg_ctlcluster 15 main restart)");
            }
        }
    }

    @Override
    protected BarrierDialect dialect() {
        return BarrierDialect.POSTGRES;
    }

    @Override
    protected XADataSource xaDataSource() {
        PGXADataSource x = new PGXADataSource();
        x.setUrl(Backends.PG_URL);
        x.setUser("postgres");
        return x;
    }
}
