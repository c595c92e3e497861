package io.jdtm.examples;

/** The examples on PostgreSQL (the default database of {@code ./examples/run}). */
class PostgresExamplesTest extends ExamplesTest {
    @Override
    String jdbcUrl() {
        return env("JDTM_EXAMPLE_DB_URL", Database.DEFAULT_URL);
    }

    @Override
    boolean postgres() {
        return true;
    }
}
