package io.jdtm.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdtm.protocol.Outcome;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AttemptWriterTest {
    private final List<List<Attempt>> written = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch writing = new CountDownLatch(1);
    private final AtomicInteger dropped = new AtomicInteger();

    /** A store that records batches and, on demand, holds the first write until released. */
    private TransStore store(boolean hold, boolean fail) {
        return (TransStore) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {TransStore.class},
                (proxy, m, args) -> switch (m.getName()) {
                    case "name" -> "fake";
                    case "recordAttempts" -> {
                        writing.countDown();
                        if (hold) {
                            release.await(10, TimeUnit.SECONDS);
                        }
                        if (fail) {
                            throw new StoreUnavailableException("down", null);
                        }
                        @SuppressWarnings("unchecked")
                        List<Attempt> batch = (List<Attempt>) args[0];
                        written.add(List.copyOf(batch));
                        yield null;
                    }
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    private static Attempt a(int i) {
        return new Attempt("g", "01", "action", 0, Instant.EPOCH.plusMillis(i), 1, Outcome.ERROR, "", "#" + i,
                null, 0);
    }

    @Test
    void aFullBufferDropsAndCountsInsteadOfBlocking() throws Exception {
        try (AttemptWriter w = new AttemptWriter(store(true, false), 2, dropped::addAndGet)) {
            w.offer(List.of(a(0)));
            assertThat(writing.await(5, TimeUnit.SECONDS)).isTrue(); // the writer holds a(0) in a stuck write

            long t0 = System.nanoTime();
            w.offer(List.of(a(1), a(2), a(3), a(4)));
            long tookMillis = (System.nanoTime() - t0) / 1_000_000;

            assertThat(tookMillis).as("offer never waits for the store").isLessThan(1000);
            assertThat(dropped.get()).isEqualTo(2);
            release.countDown();
            assertThat(w.flush(5000)).isTrue();
        }
        assertThat(written.stream().flatMap(List::stream).map(Attempt::answer))
                .containsExactly("#0", "#1", "#2");
    }

    @Test
    void whatIsQueuedIsWrittenInBatchesInOrder() {
        try (AttemptWriter w = new AttemptWriter(store(false, false), 10_000, dropped::addAndGet)) {
            for (int i = 0; i < 2000; i++) {
                w.offer(List.of(a(i)));
            }
            assertThat(w.flush(10_000)).isTrue();
        }
        assertThat(written.stream().flatMap(List::stream).map(Attempt::answer).toList())
                .hasSize(2000).first().isEqualTo("#0");
        assertThat(written.stream().flatMap(List::stream).map(Attempt::answer).toList().getLast()).isEqualTo("#1999");
        assertThat(written).allSatisfy(b -> assertThat(b.size()).isLessThanOrEqualTo(AttemptWriter.BATCH));
        assertThat(dropped.get()).isZero();
    }

    @Test
    void aFailedStoreWriteIsCountedAsDropped() {
        try (AttemptWriter w = new AttemptWriter(store(false, true), 100, dropped::addAndGet)) {
            w.offer(List.of(a(1), a(2)));
            assertThat(w.flush(5000)).isTrue();
        }
        assertThat(dropped.get()).isEqualTo(2);
    }

    @Test
    void answersAreCutAtOneKilobyteOfUtf8OnACharacterBoundary() {
        assertThat(Attempt.bound(null)).isEmpty();
        assertThat(Attempt.bound("short")).isEqualTo("short");
        assertThat(Attempt.bound("€".repeat(400))).isEqualTo("€".repeat(341)); // 3 bytes each: 1023
        assertThat(Attempt.bound("x".repeat(2000))).hasSize(1024);
    }
}
