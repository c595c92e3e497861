package io.jdtm.examples.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdtm.server.store.Backends;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The fault workload, short, in every build: each mode for {@value #SECONDS} s at a CI-sized rate with faults and
 * kills more frequent than in a long run, so some kills and a few hundred faults happen. It fails on any violation
 * (money created or destroyed, an acknowledged transaction lost or unfinished) and when the run did not actually
 * exercise the faults it is meant to survive. The bank needs PostgreSQL: missing, the test is skipped, or fails
 * under {@code CI=true}. The long run is {@code bench/fault-workload} (docs/reliability.md).
 */
class FaultWorkloadTest {
    private static final int SECONDS = 25;

    @ParameterizedTest(name = "{0}")
    @EnumSource(WorkloadConfig.Mode.class)
    void moneyIsConservedAndNothingAcknowledgedIsLost(WorkloadConfig.Mode mode) throws Exception {
        Backends.require("PostgreSQL", Backends.POSTGRES_PORT);
        WorkloadConfig c = WorkloadConfig.of(mode, Duration.ofSeconds(SECONDS), Map.of(
                "rate", "100", "killEvery", "6", "drain", "90", "dbUrl", "jdbc:postgresql://" + Backends.HOST + ":"
                        + Backends.POSTGRES_PORT + "/" + Backends.POSTGRES_DB + "?user=postgres"));

        FaultWorkload.Report r = FaultWorkload.run(c, System.out);

        assertThat(r.violations()).as("violations of the %s run:%n%s", mode, r.text()).isEmpty();
        assertThat(r.kills()).as("TM kills").isPositive();
        assertThat(r.faults()).as("injected faults").isGreaterThan(50);
        assertThat(r.acked()).as("acknowledged transfers").isGreaterThan(SECONDS * 20L);
    }
}
