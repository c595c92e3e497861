package io.jdtm.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdtm.protocol.TransOptions;
import io.jdtm.protocol.TransStatus;
import io.jdtm.protocol.TransType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two store instances on one server — two pools or connections, as two TM processes have — claim the same 500 due
 * rows at once, several claimers each. Every row must be handed out exactly once while the lease holds.
 */
public abstract class TwoProcessClaimRace {
    private static final int ROWS = 500;
    private static final int CLAIMERS_PER_STORE = 4;
    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

    /** A new instance on the shared test database (each call: its own pool / connection). */
    protected abstract TransStore openInstance();

    @Test
    void twoInstancesClaimEveryDueRowExactlyOnce() throws Exception {
        try (TransStore a = openInstance(); TransStore b = openInstance()) {
            a.reset();
            for (int i = 0; i < ROWS; i++) {
                // Due times spread over the last minute, so ordering and limits matter.
                Instant due = NOW.minusSeconds(i % 60);
                a.saveNew(new TransGlobal(0, "race-" + i, TransType.SAGA, TransStatus.SUBMITTED, "", "http", NOW,
                        NOW, null, null, "", "", TransOptions.NONE, "", 10, due, "", ""), List.of());
            }

            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<String>>> claims = new ArrayList<>();
            try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
                for (TransStore s : List.of(a, b)) {
                    for (int t = 0; t < CLAIMERS_PER_STORE; t++) {
                        String owner = s.hashCode() + "-" + t;
                        claims.add(ex.submit(() -> {
                            start.await();
                            List<String> mine = new ArrayList<>();
                            while (true) {
                                // A long lease: nothing may become due again during the test.
                                List<TransGlobal> got = s.claimDue(NOW, Duration.ZERO, Duration.ofMinutes(10),
                                        owner, 13);
                                if (got.isEmpty()) {
                                    return mine;
                                }
                                got.forEach(g -> mine.add(g.gid()));
                            }
                        }));
                    }
                }
                start.countDown();
                List<String> all = new ArrayList<>();
                int claimersThatGotRows = 0;
                for (Future<List<String>> f : claims) {
                    List<String> mine = f.get(120, TimeUnit.SECONDS);
                    claimersThatGotRows += mine.isEmpty() ? 0 : 1;
                    all.addAll(mine);
                }
                assertThat(all).hasSize(ROWS).doesNotHaveDuplicates();
                assertThat(new HashSet<>(all)).hasSize(ROWS);
                assertThat(claimersThatGotRows).as("claimers that got rows").isGreaterThan(1);
            }
            assertThat(b.claimDue(NOW.plusSeconds(60), Duration.ZERO, Duration.ofMinutes(10), "late", 10))
                    .as("nothing is due again before the lease ends").isEmpty();
            a.reset();
        }
    }
}
