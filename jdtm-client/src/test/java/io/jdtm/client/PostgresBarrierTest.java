package io.jdtm.client;

import com.zaxxer.hikari.HikariDataSource;
import io.jdtm.client.testing.Backends;

/** The barrier contract on the real PostgreSQL of this machine. */
class PostgresBarrierTest extends BarrierContractTest {
    @Override
    protected HikariDataSource openDataSource() {
        return Backends.postgres();
    }

    @Override
    protected BarrierDialect dialect() {
        return BarrierDialect.POSTGRES;
    }
}
