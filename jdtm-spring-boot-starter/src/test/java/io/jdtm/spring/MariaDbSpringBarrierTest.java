package io.jdtm.spring;

import io.jdtm.spring.testing.TestDatabase;

/** {@link SpringBarrierTest} on the real MariaDB of this machine. */
class MariaDbSpringBarrierTest extends SpringBarrierTest {
    @Override
    TestDatabase.Kind kind() {
        return TestDatabase.Kind.MARIADB;
    }
}
