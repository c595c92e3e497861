package io.jdtm.client;

import com.zaxxer.hikari.HikariDataSource;
import io.jdtm.client.testing.Backends;

/** The barrier contract on the real MariaDB of this machine (MySQL dialect). */
class MariaDbBarrierTest extends BarrierContractTest {
    @Override
    protected HikariDataSource openDataSource() {
        return Backends.mariadb();
    }

    @Override
    protected BarrierDialect dialect() {
        return BarrierDialect.MYSQL;
    }
}
