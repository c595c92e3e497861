package io.jdtm.server.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;

/**
 * Which JDBC failures mean "the server cannot be reached" (503) rather than "the statement failed" (500). The
 * states and shapes are the ones PostgreSQL's driver, MariaDB Connector/J and HikariCP produce; the restart tests
 * in {@code StoreFaultTest} see them for real.
 */
class UnavailabilityTest {

    /** As a Throwable: an SQLException is also an Iterable, which makes AssertJ's assertThat ambiguous. */
    private static Throwable u(SQLException e) {
        return Runner.unavailability(e);
    }

    @Test
    void connectionStatesAndServerShutdownAreUnavailable() {
        assertThat(u(new SQLException("I/O error", "08006"))).isNotNull();
        assertThat(u(new SQLException("refused", "08001"))).isNotNull();
        assertThat(u(new SQLException("terminating connection due to administrator"
                + " command", "57P01"))).isNotNull();
        assertThat(u(new SQLException("the database system is starting up", "57P03")))
                .isNotNull();
        // MariaDB: server shutdown in progress (1053) and a broken socket
        assertThat(u(new SQLException("Server shutdown in progress", "08S01", 1053)))
                .isNotNull();
        assertThat(u(new SQLNonTransientConnectionException("Socket error"))).isNotNull();
        // Hikari: no connection within connectionTimeout
        assertThat(u(new SQLTransientConnectionException(
                "jdtm-postgres - Connection is not available, request timed out after 5000ms"))).isNotNull();
    }

    @Test
    void aConnectionFailureBehindAnotherFailureCounts() {
        SQLException wrapped = new SQLException("commit failed", "XX000", new SQLException("reset", "08006"));
        assertThat(u(wrapped)).hasMessage("reset");
    }

    @Test
    void aFailedBatchIsDescribedByItsCauseNotByTheStatement() {
        BatchUpdateException batch = new BatchUpdateException("Batch entry 0 INSERT INTO trans_branch_op ... was"
                + " aborted", "57P01", new int[0]);
        batch.setNextException(new SQLException("FATAL: terminating connection due to administrator command", "57P01"));
        assertThat(u(batch))
                .hasMessage("FATAL: terminating connection due to administrator command");
    }

    @Test
    void statementFailuresAreNot() {
        assertThat(u(new SQLException("duplicate key", "23505"))).isNull();
        assertThat(u(new SQLException("deadlock detected", "40P01"))).isNull();
        assertThat(u(new SQLException("Duplicate entry", "23000", 1062))).isNull();
        assertThat(u(new SQLException("value too long", "22001"))).isNull();
        assertThat(u(new SQLException("no state"))).isNull();
    }
}
