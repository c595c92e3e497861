package io.jdtm.client;

import com.zaxxer.hikari.HikariDataSource;
import io.jdtm.client.testing.Backends;
import javax.sql.XADataSource;
import org.mariadb.jdbc.MariaDbDataSource;

/** XA end to end on the real MariaDB of this machine. */
class MariaDbXaTest extends XaEndToEndContractTest {
    @Override
    protected HikariDataSource openDataSource() {
        return Backends.mariadb();
    }

    @Override
    protected BarrierDialect dialect() {
        return BarrierDialect.MYSQL;
    }

    @Override
    protected XADataSource xaDataSource() throws Exception {
        MariaDbDataSource x = new MariaDbDataSource(Backends.MARIADB_URL);
        x.setUser("root");
        x.setPassword("");
        return x;
    }
}
