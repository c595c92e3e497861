package io.jdtm.server.cron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AdaptiveLimitTest {
    private static final long MS = 1_000_000L;

    private static AdaptiveLimit limit(int min, int max, int initial) {
        return new AdaptiveLimit(min, max, initial, Duration.ofMillis(100));
    }

    /** Takes one slot and ends its pass after {@code millis} ms, well or with trouble. */
    private static void pass(AdaptiveLimit l, long millis, boolean trouble) throws InterruptedException {
        assertThat(l.acquire(1)).isEqualTo(1);
        l.completed(millis * MS, trouble);
    }

    @Test
    void passesThatEndWellRaiseTheLimitByAboutOnePerRoundUpToTheMaximum() throws Exception {
        AdaptiveLimit l = limit(1, 8, 2);
        for (int i = 0; i < 3; i++) {
            pass(l, 5, false);
        }
        assertThat(l.current()).as("2 + 1/2 + 1/2.5 + 1/2.9").isEqualTo(3);
        for (int i = 0; i < 200; i++) {
            pass(l, 5, false);
        }
        assertThat(l.current()).isEqualTo(8);
    }

    @Test
    void branchErrorsCutTheLimitOncePerRoundDownToTheMinimum() throws Exception {
        AdaptiveLimit l = limit(2, 64, 64);
        for (int i = 0; i < 63; i++) {
            pass(l, 5, true);
        }
        assertThat(l.current()).as("a burst shorter than one round counts once at most").isEqualTo(64);
        pass(l, 5, true);
        assertThat(l.current()).isEqualTo(48);
        for (int i = 0; i < 1000; i++) {
            pass(l, 5, true);
        }
        assertThat(l.current()).isEqualTo(2);
    }

    @Test
    void aSlowdownIsTroubleButASteadilySlowRmIsNot() throws Exception {
        AdaptiveLimit steady = limit(1, 16, 16);
        for (int i = 0; i < 100; i++) {
            pass(steady, 2000, false); // every pass takes 2 s: the RM is slow, not slowing down
        }
        assertThat(steady.current()).isEqualTo(16);

        AdaptiveLimit slowing = limit(1, 16, 16);
        for (int i = 0; i < 20; i++) {
            pass(slowing, 10, false);
        }
        pass(slowing, 500, false); // 50 times the fastest pass, above the 100 ms floor
        assertThat(slowing.current()).isEqualTo(12);
        for (int i = 0; i < 11; i++) {
            pass(slowing, 500, false);
        }
        assertThat(slowing.current()).as("no second cut within the round of 12").isEqualTo(12);
        pass(slowing, 500, false);
        assertThat(slowing.current()).isEqualTo(9);

        AdaptiveLimit quick = limit(1, 16, 16);
        for (int i = 0; i < 20; i++) {
            pass(quick, 1, false);
        }
        for (int i = 0; i < 40; i++) {
            pass(quick, 50, false); // 50 times slower, but below the floor: no queue worth shrinking for
        }
        assertThat(quick.current()).isEqualTo(16);
    }

    @Test
    void acquireTakesOnlyFreeSlotsAndWaitsWhenThereAreNone() throws Exception {
        AdaptiveLimit l = limit(1, 4, 4);
        assertThat(l.acquire(3)).isEqualTo(3);
        assertThat(l.acquire(3)).as("only one slot is left").isEqualTo(1);
        assertThat(l.inFlight()).isEqualTo(4);

        CompletableFuture<Integer> waiting = new CompletableFuture<>();
        Thread t = Thread.startVirtualThread(() -> {
            try {
                waiting.complete(l.acquire(2));
            } catch (InterruptedException e) {
                waiting.completeExceptionally(e);
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> t.getState() == Thread.State.WAITING);
        assertThat(waiting).isNotDone();
        l.release(1);
        assertThat(waiting.get()).isEqualTo(1);
        assertThat(l.peak()).isEqualTo(4);
    }

    @Test
    void acquireLingersForEnoughFreeSlotsThenTakesWhatIsFree() throws Exception {
        AdaptiveLimit l = limit(1, 8, 8);
        assertThat(l.acquire(8)).isEqualTo(8);

        CompletableFuture<Integer> waiting = new CompletableFuture<>();
        Thread t = Thread.startVirtualThread(() -> {
            try {
                waiting.complete(l.acquire(8, 4, Duration.ofMinutes(5)));
            } catch (InterruptedException e) {
                waiting.completeExceptionally(e);
            }
        });
        l.release(1);
        l.release(2);
        await().atMost(Duration.ofSeconds(5)).until(() -> t.getState() == Thread.State.TIMED_WAITING);
        assertThat(waiting).as("3 free slots are fewer than the 4 it waits for").isNotDone();
        l.release(2);
        assertThat(waiting.get(5, TimeUnit.SECONDS)).as("all free slots, up to want").isEqualTo(5);

        l.release(5);
        long t0 = System.nanoTime();
        assertThat(l.acquire(8, 8, Duration.ofMillis(50))).as("after the linger, what is free").isEqualTo(5);
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(Duration.ofMillis(50).toNanos());
    }

    @Test
    void theLimitForAConcurrencyStartsAtAQuarterAndFloorsAtASixteenth() {
        AdaptiveLimit l = AdaptiveLimit.forConcurrency(256);
        assertThat(l.current()).isEqualTo(64);
        assertThat(l.min()).isEqualTo(16);
        assertThat(l.max()).isEqualTo(256);
        assertThat(AdaptiveLimit.forConcurrency(1).current()).isEqualTo(1);
        assertThatThrownBy(() -> new AdaptiveLimit(4, 2, 2, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
