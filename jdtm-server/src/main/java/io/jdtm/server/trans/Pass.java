package io.jdtm.server.trans;

import io.jdtm.protocol.Outcome;
import io.jdtm.protocol.TransOptions;
import io.jdtm.protocol.TransStatus;
import io.jdtm.server.store.Attempt;
import io.jdtm.server.store.TransBranch;
import io.jdtm.server.store.TransGlobal;
import io.jdtm.server.tracing.Tracing;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * The state of one processing pass over one transaction: the in-memory view of the global row, the options in
 * force, the lease the pass holds in the store ({@link #token()} until {@link #leaseUntil()}), and the retry
 * schedule the pass decided (spec §6.4), written when the pass releases its lease. Branch calls of a concurrent
 * saga touch it from several virtual threads, so the mutable parts are guarded by this object.
 */
final class Pass {
    private volatile TransGlobal global;
    final Instant start;
    private final String token;
    private Instant leaseUntil;
    private boolean lost;
    private boolean handedBack;
    /** When the latest branch call this pass started times out; null before its first call. */
    private Instant callsUntil;
    private Instant lastTouch;
    private long interval;
    /** The next try the pass decided, or null when it touched nothing (then the lease's end stays the schedule). */
    private Instant next;
    /** The pass's span, parent of its branch calls' spans (branch calls may run on other threads). */
    private volatile Tracing.PassSpan trace = Tracing.PassSpan.NONE;
    /** The branch calls of this pass, in the order they ended; recorded when the pass ends. */
    private final List<Attempt> attempts = new ArrayList<>();
    /** Whether branch statuses wait for the pass's next write ({@code UpdateBranchSync: 0}, see {@link Engine}). */
    private final boolean deferBranchWrites;
    /**
     * Branch statuses decided by this pass and not written yet: all of them when {@link #deferBranchWrites}, else
     * only a last branch's (see {@code Engine.execBranch(Pass, TransBranch, boolean)}).
     */
    private final List<TransBranch> deferred = new ArrayList<>();

    Pass(TransGlobal global, Instant start, String token, Instant leaseUntil, boolean deferBranchWrites) {
        this.global = global;
        this.deferBranchWrites = deferBranchWrites;
        this.start = start;
        this.token = token;
        this.leaseUntil = floorSeconds(leaseUntil);
        this.lastTouch = start;
        this.interval = global.nextCronInterval();
    }

    /**
     * Lease ends are kept in whole seconds, rounded down: SQL engines store whole seconds, so the pass never
     * believes in a lease longer than the stored one.
     */
    static Instant floorSeconds(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS);
    }

    Tracing.PassSpan trace() {
        return trace;
    }

    void trace(Tracing.PassSpan span) {
        this.trace = span;
    }

    TransGlobal global() {
        return global;
    }

    void global(TransGlobal g) {
        this.global = g;
    }

    TransStatus status() {
        return global.status();
    }

    TransOptions options() {
        return global.options();
    }

    String gid() {
        return global.gid();
    }

    /** The owner value of this pass's lease in the store. */
    String token() {
        return token;
    }

    synchronized Instant leaseUntil() {
        return leaseUntil;
    }

    synchronized void leaseUntil(Instant until) {
        this.leaseUntil = floorSeconds(until);
    }

    /** Whether the pass found its lease taken over: it must not call, write or decide anything more. */
    synchronized boolean lost() {
        return lost;
    }

    synchronized void markLost() {
        this.lost = true;
    }

    /** Whether the pass stopped before a branch call because the server is stopping (see {@link PassHandedBack}). */
    synchronized boolean handedBack() {
        return handedBack;
    }

    synchronized void markHandedBack() {
        this.handedBack = true;
    }

    /** Records a branch call that may run until {@code timeoutAt}. */
    synchronized void callStarted(Instant timeoutAt) {
        if (callsUntil == null || timeoutAt.isAfter(callsUntil)) {
            callsUntil = timeoutAt;
        }
    }

    /** When every branch call this pass started has timed out at the latest; null when it started none. */
    synchronized Instant callsUntil() {
        return callsUntil;
    }

    synchronized long interval() {
        return interval;
    }

    synchronized Instant lastTouch() {
        return lastTouch;
    }

    /** The schedule to write when the pass ends: what it decided, else the end of its lease. */
    synchronized Instant nextCronTime() {
        return next != null ? next : leaseUntil;
    }

    synchronized void touched(long newInterval, Instant nextTry, Instant at) {
        this.interval = newInterval;
        this.next = nextTry;
        this.lastTouch = at;
    }

    synchronized void attempted(Attempt a) {
        attempts.add(a);
    }

    /** How many of this pass's calls got no usable answer ({@link Outcome#ERROR}: an error, a timeout, a refusal). */
    synchronized int branchErrors() {
        int n = 0;
        for (Attempt a : attempts) {
            if (a.outcome() == Outcome.ERROR) {
                n++;
            }
        }
        return n;
    }

    /**
     * The calls of this pass, those that did not succeed stamped with the retry the pass decided: its schedule
     * when it ends with the transaction unfinished and its lease held, none otherwise (finished, or taken over).
     */
    synchronized List<Attempt> attemptsWithRetry() {
        if (attempts.isEmpty()) {
            return List.of();
        }
        boolean retries = !lost && !status().isFinal();
        List<Attempt> out = new ArrayList<>(attempts.size());
        for (Attempt a : attempts) {
            boolean failed = a.outcome() != Outcome.SUCCESS;
            out.add(failed && retries ? a.withRetry(nextCronTime(), interval) : a);
        }
        return out;
    }

    boolean defersBranchWrites() {
        return deferBranchWrites;
    }

    /** Keeps a branch status for the pass's next write. */
    synchronized void defer(TransBranch b) {
        deferred.add(b);
    }

    /** The deferred branch statuses, oldest first; the pass no longer holds them. */
    synchronized List<TransBranch> takeDeferred() {
        if (deferred.isEmpty()) {
            return List.of();
        }
        List<TransBranch> out = List.copyOf(deferred);
        deferred.clear();
        return out;
    }
}
