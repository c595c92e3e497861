package io.jdtm.examples.fault;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Phaser;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The client side of the workload: submits transfers as two-step sagas at a steady rate to a random live TM, some
 * with {@code wait_result}, some with {@code timeout_to_fail} or {@code retry_limit}, some submitted a second time under the same gid
 * (which starts another processing pass). It records every transfer it sent and every gid the TM acknowledged:
 * an HTTP 200 to any submit of the gid, or a 409 to a {@code wait_result} submit (DTM's answer when the pass ended
 * without success — the transaction is stored either way).
 */
final class Load {
    /** Counters of what the submits got back. */
    static final class Counts {
        final LongAdder sent = new LongAdder();
        final LongAdder notSent = new LongAdder();
        final LongAdder ok200 = new LongAdder();
        final LongAdder wait409 = new LongAdder();
        final LongAdder other409 = new LongAdder();
        final LongAdder status5xx = new LongAdder();
        final LongAdder otherStatus = new LongAdder();
        final LongAdder refused = new LongAdder();
        final LongAdder timedOut = new LongAdder();
        final LongAdder ioError = new LongAdder();
        final LongAdder resubmits = new LongAdder();
        final LongAdder resubmit200 = new LongAdder();
        final LongAdder resubmit409 = new LongAdder();
        final LongAdder resubmitError = new LongAdder();
        final LongAdder waitResult = new LongAdder();
        final LongAdder withTimeoutToFail = new LongAdder();
        final LongAdder withRetryLimit = new LongAdder();
        final LongAdder refuseAsked = new LongAdder();
    }

    private final WorkloadConfig c;
    private final TmCluster tms;
    private final String busi;
    private final String run;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final Map<String, Transfer> transfers = new ConcurrentHashMap<>();
    private final Set<String> acked = ConcurrentHashMap.newKeySet();
    private final Counts counts = new Counts();
    private final Semaphore inFlight;
    /** Open submits and pending re-submits; the load has ended when it reaches zero. */
    private final Phaser pending = new Phaser(1);
    private final SplittableRandom random;

    Load(WorkloadConfig c, TmCluster tms, String busi, String run) {
        this.c = c;
        this.tms = tms;
        this.busi = busi;
        this.run = run;
        this.inFlight = new Semaphore(Math.max(100, c.rate() * 20));
        this.random = new SplittableRandom(c.seed());
    }

    /** Submits at the configured rate until {@code endNanos} (System.nanoTime), on the calling thread. */
    void runUntil(long endNanos) {
        long interval = 1_000_000_000L / c.rate();
        long next = System.nanoTime();
        long seq = 0;
        while (true) {
            long now = System.nanoTime();
            if (now - endNanos >= 0) {
                return;
            }
            if (next - now > 0) {
                LockSupport.parkNanos(next - now); // pacing: the schedule of the next submit, not a wait for state
                continue;
            }
            next += interval;
            Transfer t = newTransfer(++seq);
            if (!inFlight.tryAcquire()) {
                counts.notSent.increment(); // the TMs are this far behind: shed instead of piling up
                continue;
            }
            pending.register();
            Thread.startVirtualThread(() -> {
                try {
                    first(t);
                } finally {
                    inFlight.release();
                    pending.arriveAndDeregister();
                }
            });
        }
    }

    /** Waits up to {@code max} for every open submit and pending re-submit; false when some are still open. */
    boolean awaitQuiet(Duration max) {
        int phase = pending.arrive();
        try {
            pending.awaitAdvanceInterruptibly(phase, max.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private Transfer newTransfer(long seq) {
        int from = 1 + random.nextInt(c.accounts());
        int to = 1 + random.nextInt(c.accounts() - 1);
        if (to >= from) {
            to++;
        }
        long amount = 1 + random.nextInt(c.maxAmount());
        boolean refuse = random.nextDouble() < c.refuse();
        boolean wait = random.nextDouble() < c.waitResult();
        int ttf = random.nextDouble() < c.timeoutToFail() ? c.ttfSeconds() : 0;
        int limit = random.nextDouble() < c.retryLimited() ? c.retryLimit() : 0;
        long resubmit = random.nextDouble() < c.resubmit() ? random.nextLong(c.resubmitMax().toMillis() + 1) : -1;
        return new Transfer("fault-" + run + "-" + seq, from, to, amount, refuse, wait, ttf, limit, resubmit);
    }

    private void first(Transfer t) {
        String tm = tms.pick();
        if (tm == null) {
            counts.notSent.increment();
            return;
        }
        transfers.put(t.gid(), t);
        counts.sent.increment();
        if (t.waitResult()) {
            counts.waitResult.increment();
        }
        if (t.timeoutToFail() > 0) {
            counts.withTimeoutToFail.increment();
        }
        if (t.retryLimit() > 0) {
            counts.withRetryLimit.increment();
        }
        if (t.refuse()) {
            counts.refuseAsked.increment();
        }
        int status = submit(tm, t, t.waitResult());
        if (status == 200 || (status == 409 && t.waitResult())) {
            acked.add(t.gid());
        }
        switch (status) {
            case 200 -> counts.ok200.increment();
            case 409 -> (t.waitResult() ? counts.wait409 : counts.other409).increment();
            case -1 -> { } // counted by submit
            default -> (status >= 500 ? counts.status5xx : counts.otherStatus).increment();
        }
        if (t.resubmitAfterMillis() >= 0) {
            pending.register();
            Thread.startVirtualThread(() -> {
                try {
                    Thread.sleep(t.resubmitAfterMillis()); // the re-submit's schedule, not a wait for state
                    resubmit(t);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    pending.arriveAndDeregister();
                }
            });
        }
    }

    private void resubmit(Transfer t) {
        String tm = tms.pick();
        if (tm == null) {
            return;
        }
        counts.resubmits.increment();
        int status = submit(tm, t, false);
        switch (status) {
            case 200 -> {
                counts.resubmit200.increment();
                acked.add(t.gid());
            }
            case 409 -> counts.resubmit409.increment(); // already final: DTM refuses to submit it again
            default -> counts.resubmitError.increment();
        }
    }

    /** The HTTP status of one submit, or -1 when no answer came (counted by kind). */
    private int submit(String tm, Transfer t, boolean wait) {
        String body = t.submitBody(busi, c.retryInterval(), c.requestTimeout(), wait);
        // a wait_result submit runs a whole pass: both phases may each take up to request_timeout + 2 s
        Duration timeout = Duration.ofSeconds(wait ? 4L * c.requestTimeout() + 10 : 5);
        HttpRequest req = HttpRequest.newBuilder(URI.create(tm + "/api/dtmsvr/submit")).timeout(timeout)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            return http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (HttpTimeoutException e) {
            counts.timedOut.increment();
        } catch (ConnectException e) {
            counts.refused.increment();
        } catch (IOException e) {
            counts.ioError.increment();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return -1;
    }

    Map<String, Transfer> transfers() {
        return transfers;
    }

    Set<String> acked() {
        return acked;
    }

    Counts counts() {
        return counts;
    }
}
