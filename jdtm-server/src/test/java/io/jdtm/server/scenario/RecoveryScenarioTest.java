package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jdtm.server.config.ServerConfig;
import io.jdtm.server.cron.Poller;
import io.jdtm.server.store.TransGlobal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A backlog of due sagas after an outage, driven by the real background poller against an RM that is slow or still
 * failing: the poller's concurrency stays within {@code CronConcurrency} (and shrinks while branches fail), and
 * failing transactions back off as the spec says instead of being retried at once.
 */
class RecoveryScenarioTest extends ScenarioBase {
    private static final int CONCURRENCY = 8;
    private static final FakeRm.Reply SLOW_SUCCESS =
            new FakeRm.Reply(200, "{\"dtm_result\":\"SUCCESS\"}", Duration.ofMillis(150));

    @Override
    protected ServerConfig config() {
        return super.config().with("CronConcurrency", CONCURRENCY).with("CronBatch", 4).with("TransCronInterval", 1);
    }

    /** Submits {@code n} transfer sagas while every branch fails, then makes them all due ("the outage is over"). */
    private List<String> dueBacklog(int n) {
        rm.answer("/TransOut", FakeRm.Reply.ERROR).answer("/TransIn", FakeRm.Reply.ERROR);
        List<String> gids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String gid = gid();
            assertThat(submit(with(transferSaga(gid), "wait_result", true)).status()).as("still running").isEqualTo(409);
            gids.add(gid);
        }
        clock.advance(Duration.ofSeconds(60));
        return gids;
    }

    private long transOutCalls(String gid) {
        return rm.calls("/TransOut").stream().filter(c -> c.gid().equals(gid)).count();
    }

    @Test
    void aSlowRmNeverSeesMoreCallsAtOnceThanCronConcurrencyAndTheBacklogDrains() {
        List<String> gids = dueBacklog(40);
        rm.answer("/TransOut", SLOW_SUCCESS).answer("/TransIn", SLOW_SUCCESS);

        Poller poller = server.poller();
        poller.start();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> gids.stream().allMatch(g -> status(g).equals("succeed")));

        assertThat(rm.peakConcurrency()).as("calls the RM answered at once").isLessThanOrEqualTo(CONCURRENCY);
        assertThat(poller.peakInFlight()).as("passes the poller ran at once").isBetween(1, CONCURRENCY);
        assertThat(poller.currentLimit()).as("a steadily slow RM keeps its concurrency")
                .isGreaterThanOrEqualTo(CONCURRENCY / 4);
        await().atMost(Duration.ofSeconds(10)).until(() -> poller.inFlight() == 0);
    }

    @Test
    void aStillFailingRmShrinksThePollersConcurrencyAndEveryFailingSagaBacksOff() {
        List<String> gids = dueBacklog(30);
        Instant due = clock.instant();

        Poller poller = server.poller();
        int initial = poller.currentLimit();
        poller.start();
        // every saga is retried once: its first branch fails again
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> gids.stream().allMatch(g -> transOutCalls(g) >= 2));
        await().atMost(Duration.ofSeconds(10)).until(() -> poller.inFlight() == 0);

        assertThat(poller.currentLimit()).as("the limit after 30 failing passes, from " + initial)
                .isEqualTo(Math.max(1, CONCURRENCY / 16));
        assertThat(rm.peakConcurrency()).isLessThanOrEqualTo(CONCURRENCY);
        for (String gid : gids) {
            TransGlobal g = server.store().findGlobal(gid).orElseThrow();
            assertThat(g.status().wire()).isEqualTo("submitted");
            // spec §6.4: an error doubles the interval — 10 s at submit, 20 s after its first pass, 40 s now
            assertThat(g.nextCronInterval()).as(gid + "'s interval").isEqualTo(40);
            assertThat(g.nextCronTime()).as(gid + " is not due again before its back-off")
                    .isAfterOrEqualTo(due.plusSeconds(39));
            assertThat(transOutCalls(gid)).as(gid + " was retried once, not hammered").isEqualTo(2);
        }
    }
}
