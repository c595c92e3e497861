package io.jdtm.examples.spring;

/** {@link TransferApplicationTest} on the real MariaDB of this machine. */
class MariaDbTransferTest extends TransferApplicationTest {
    @Override
    boolean postgres() {
        return false;
    }
}
