package io.jdtm.examples.spring;

/** {@link TransferApplicationTest} on the real PostgreSQL of this machine. */
class PostgresTransferTest extends TransferApplicationTest {
    @Override
    boolean postgres() {
        return true;
    }
}
