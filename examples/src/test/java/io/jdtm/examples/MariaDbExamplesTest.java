package io.jdtm.examples;

/** The examples on MariaDB ({@code JDTM_EXAMPLE_DB_URL=jdbc:mariadb://…}). */
class MariaDbExamplesTest extends ExamplesTest {
    @Override
    String jdbcUrl() {
        return env("JDTM_TEST_MARIADB_EXAMPLE_URL", "jdbc:mariadb://127.0.0.1:3306/test?user=root&sslMode=disable");
    }

    @Override
    boolean postgres() {
        return false;
    }
}
