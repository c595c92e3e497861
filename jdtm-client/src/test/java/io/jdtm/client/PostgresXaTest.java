package io.jdtm.client;

import com.zaxxer.hikari.HikariDataSource;
import io.jdtm.client.testing.Backends;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import javax.sql.XADataSource;
import org.postgresql.xa.PGXADataSource;

/**
 * XA end to end on the real PostgreSQL of this machine. PostgreSQL refuses {@code PREPARE TRANSACTION} unless
 * {@code max_prepared_transactions > 0}; that needs a server restart, so the test does not change it but skips (fails
 * under {@code CI=true}) with the exact fix, also in the README.
 */
class PostgresXaTest extends XaEndToEndContractTest {
    @Override
    protected HikariDataSource openDataSource() {
        HikariDataSource ds = Backends.postgres();
        int max;
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("show max_prepared_transactions")) {
            rs.next();
            max = Integer.parseInt(rs.getString(1));
        } catch (Exception e) {
            ds.close();
            throw new IllegalStateException(e);
        }
        if (max <= 0) {
            ds.close();
            Backends.unavailable("PostgreSQL has max_prepared_transactions = 0, so XA is disabled. Fix: psql -U postgres "
                    + "-c 'ALTER SYSTEM SET max_prepared_transactions = 64' and restart PostgreSQL "
                    + "(e.g. systemctl restart postgresql or pg_ctlcluster 15 main restart)");
        }
        return ds;
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
