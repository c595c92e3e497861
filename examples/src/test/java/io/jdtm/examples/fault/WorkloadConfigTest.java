package io.jdtm.examples.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The command line of {@code bench/fault-workload}: defaults, overrides and the messages of bad values. */
class WorkloadConfigTest {

    @Test
    void theCommandLineNamesSecondsModeAndOverrides() {
        List<WorkloadConfig> runs = FaultWorkload.parse(new String[] {"30", "both", "rate=300", "killEvery=7.5"});

        assertThat(runs).extracting(WorkloadConfig::mode)
                .containsExactly(WorkloadConfig.Mode.EMBEDDED, WorkloadConfig.Mode.POSTGRES);
        assertThat(runs).allSatisfy(c -> {
            assertThat(c.duration()).isEqualTo(Duration.ofSeconds(30));
            assertThat(c.rate()).isEqualTo(300);
            assertThat(c.killEvery()).isEqualTo(Duration.ofMillis(7500));
            assertThat(c.requestTimeout()).isEqualTo(1);
        });
    }

    @Test
    void badValuesAreRefusedWithTheirKey() {
        Duration d = Duration.ofSeconds(10);
        WorkloadConfig.Mode m = WorkloadConfig.Mode.EMBEDDED;
        assertThatThrownBy(() -> WorkloadConfig.of(m, d, Map.of("slow", "1.5")))
                .hasMessage("slow must be a fraction between 0 and 1, was 1.5");
        assertThatThrownBy(() -> WorkloadConfig.of(m, d, Map.of("slowMax", "1")))
                .hasMessageStartingWith("slowMax must be longer than requestTimeout + 0.2 s");
        assertThatThrownBy(() -> WorkloadConfig.of(m, d, Map.of("rate", "2.5")))
                .hasMessage("rate must be a whole number, was 2.5");
        assertThatThrownBy(() -> WorkloadConfig.of(m, d, Map.of("rat", "2")))
                .hasMessageStartingWith("unknown setting(s) [rat]");
        assertThatThrownBy(() -> FaultWorkload.parse(new String[] {"10", "redis"}))
                .hasMessage("mode must be embedded or postgres, was 'redis'");
    }
}
