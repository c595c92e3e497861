package io.jdtm.spring;

import io.jdtm.spring.testing.TestDatabase;

/** {@link SpringBarrierTest} on the real PostgreSQL of this machine. */
class PostgresSpringBarrierTest extends SpringBarrierTest {
    @Override
    TestDatabase.Kind kind() {
        return TestDatabase.Kind.POSTGRES;
    }
}
