package io.jdtm.server.scenario;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A call held at a fake RM until the test opens the gate: the test waits for the call to arrive, does what it wants
 * the TM to face meanwhile, then lets the call answer. {@code R} is the fake RM's kind of answer.
 */
public final class Gate<R> {
    private final CountDownLatch arrived = new CountDownLatch(1);
    private final CompletableFuture<R> answer = new CompletableFuture<>();

    /** Waits (at most 20 s) until the held call has arrived. */
    public Gate<R> awaitArrival() {
        try {
            if (!arrived.await(20, TimeUnit.SECONDS)) {
                throw new AssertionError("the held call did not arrive within 20 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return this;
    }

    public boolean hasArrived() {
        return arrived.getCount() == 0;
    }

    /** Lets the held call answer {@code r}. */
    public void open(R r) {
        answer.complete(r);
    }

    /** The held call's side: arrives, then waits for the answer, or {@code unanswered} after 60 s. */
    R pass(R unanswered) {
        arrived.countDown();
        try {
            return answer.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            return unanswered;
        }
    }
}
