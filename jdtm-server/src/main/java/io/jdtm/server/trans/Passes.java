package io.jdtm.server.trans;

import io.jdtm.protocol.TransType;
import io.jdtm.server.store.StoreException;
import io.jdtm.server.store.StoreUnavailableException;
import io.jdtm.server.store.TransBranch;
import io.jdtm.server.store.TransGlobal;
import io.jdtm.server.store.TransStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At most one processing pass drives a transaction at any moment, whoever asks for it: a submit, a re-submit, an
 * abort, {@code wait_result}, the poller, {@code resetNextCronTime}, in this process or in another TM on the same
 * store.
 *
 * <ul>
 *   <li>Across processes, a pass runs only while it holds the transaction's <em>lease</em> in the store
 *       ({@link TransStore#acquire}, the poller's claim, or a new transaction saved with it), renews it before it
 *       could run out during a branch call ({@link Engine#ensureLease}) and releases it with the retry schedule it
 *       decided. A pass that finds its lease taken over stops before calling or deciding anything more.</li>
 *   <li>In this process, one {@link Slot} per transaction being driven. A trigger that finds a slot asks it for
 *       one more pass after the current one (and hands over the lease of a poller claim) instead of starting a
 *       second pass; a caller with {@code wait_result} waits for the slot's last pass.</li>
 * </ul>
 *
 * Every pass starts from the stored state read after it took the lease, never from another pass's memory.
 *
 * <p><b>Stopping.</b> Once {@link Engine#stop} was called no pass starts here, and every running pass ends before
 * its next branch call ({@link PassHandedBack}); its lease is released due at once, so another TM instance takes the
 * transaction over without waiting for the lease to run out. {@link #awaitIdle} waits for the passes still running;
 * {@link #cutLeases} shortens the leases of those that outlast the wait to what their branch calls in flight need.
 */
final class Passes {
    private static final Logger log = LoggerFactory.getLogger(Passes.class);
    /** A waiter never waits longer for another caller's passes; they are bounded by their phase limits anyway. */
    private static final Duration AWAIT_LIMIT = Duration.ofMinutes(5);

    private final Engine e;
    private final Map<TransType, TransProcessor> processors;
    private final String instance = UUID.randomUUID().toString().substring(0, 8);
    private final AtomicLong seq = new AtomicLong();
    private final ConcurrentHashMap<String, Slot> active = new ConcurrentHashMap<>();
    /** Notified whenever a slot ends while the server stops. */
    private final Object idle = new Object();
    private final AtomicInteger handedBack = new AtomicInteger();

    Passes(Engine e, Map<TransType, TransProcessor> processors) {
        this.e = e;
        this.processors = processors;
    }

    /** A fresh lease owner value, unique to one pass of this process. */
    String newToken() {
        return TransStore.LEASE_PREFIX + instance + ":" + seq.incrementAndGet();
    }

    /**
     * What starts a pass.
     *
     * @param token the lease the caller already holds (a new transaction saved with it, a poller claim), or null
     *        to acquire one
     * @param global the stored row under {@code token}; with no token, the caller's last view (for the lease
     *        length only)
     * @param branches the stored branches under {@code token}, or null to read them
     * @param adjust applied once to the row the first pass starts from (a submit's own options), or null
     */
    record Start(String gid, String token, TransGlobal global, List<TransBranch> branches,
            UnaryOperator<TransGlobal> adjust) {

        /** A transaction whose lease the caller holds: {@code g.owner()} is the lease. */
        static Start leased(TransGlobal g, List<TransBranch> branches) {
            return new Start(g.gid(), g.owner(), g, branches, null);
        }

        /** A transaction to take the lease of first. */
        static Start acquire(TransGlobal known, UnaryOperator<TransGlobal> adjust) {
            return new Start(known.gid(), null, known, null, adjust);
        }
    }

    /**
     * How driving ended, for a caller that waits.
     *
     * @param global the row as the last pass left it; null when no pass ran
     * @param error what the last pass threw (a {@link DtmException}, a {@link StoreUnavailableException}), or null
     * @param driven false when no pass could run here: the transaction is finished, missing or under another TM's
     *        lease, or the last pass lost its lease
     * @param branchErrors how many branch calls of the last pass got no usable answer (an error, a timeout)
     */
    record Result(TransGlobal global, RuntimeException error, boolean driven, int branchErrors) {
        static final Result NOT_DRIVEN = new Result(null, null, false);

        Result(TransGlobal global, RuntimeException error, boolean driven) {
            this(global, error, driven, 0);
        }
    }

    /**
     * Drives the transaction on the calling thread: runs a pass when none runs in this process, then as many more
     * as other callers asked for meanwhile; or, when one runs, asks it for another pass and waits for the end.
     */
    Result drive(Start s) {
        if (e.stopping()) {
            if (s.token() != null) {
                handBack(s.gid(), s.token(), s.global());
            }
            return new Result(null, stopping(s.gid()), false);
        }
        Slot mine = new Slot();
        Slot cur;
        while ((cur = active.putIfAbsent(s.gid(), mine)) != null) {
            if (cur.request(s.token())) {
                e.metrics.passJoined();
                return await(cur);
            }
            Thread.yield(); // a closed slot leaves the map right after closing
        }
        Result last = Result.NOT_DRIVEN;
        try {
            last = runSlot(mine, s);
        } catch (RuntimeException ex) {
            // taking the lease or reading the state failed (the store is unavailable): no pass ran
            last = new Result(null, ex, false);
        } finally {
            mine.close(last);
            active.remove(s.gid(), mine);
            if (e.stopping()) {
                synchronized (idle) {
                    idle.notifyAll();
                }
            }
        }
        return last;
    }

    /**
     * Asks the pass running in this process, if any, for one more pass after it. Returns false when none runs
     * here.
     */
    boolean requestAnother(String gid) {
        Slot cur = active.get(gid);
        if (cur != null && cur.request(null)) {
            e.metrics.passJoined();
            return true;
        }
        return false;
    }

    private Result runSlot(Slot slot, Start s) {
        String gid = s.gid();
        String token = s.token();
        TransGlobal g = s.global();
        List<TransBranch> branches = s.branches();
        UnaryOperator<TransGlobal> adjust = s.adjust();
        Result last = Result.NOT_DRIVEN;
        while (true) {
            if (token == null) {
                token = newToken();
                Instant now = e.now();
                Duration length = g != null ? e.leaseLength(g) : e.defaultLeaseLength();
                Optional<TransGlobal> got = e.store.acquire(gid, token, now, now.plus(length));
                if (got.isEmpty()) {
                    // finished, missing, or leased elsewhere — perhaps by a caller that handed its lease to this
                    // slot meanwhile: serve such a request before closing, or its lease would go unused
                    String next = slot.next();
                    if (next == null) {
                        return last;
                    }
                    token = next.isEmpty() ? null : next;
                    g = null;
                    continue;
                }
                g = got.get();
                branches = null;
            } else if (g == null) {
                // a lease handed over by a poller claim or a new transaction: read the state it covers
                g = e.store.findGlobal(gid).orElse(null);
                if (g == null || g.status().isFinal() || !token.equals(g.owner())) {
                    String next = slot.next();
                    if (next == null) {
                        return last;
                    }
                    token = next.isEmpty() ? null : next;
                    g = null;
                    continue;
                }
            }
            if (branches == null) {
                branches = e.store.findBranches(gid);
            }
            if (adjust != null) {
                g = adjust.apply(g);
                adjust = null;
            }
            last = runOne(slot, g, branches, token);
            String next = slot.next();
            if (next == null) {
                return last;
            }
            if (e.stopping()) {
                if (!next.isEmpty()) {
                    handBack(gid, next, last.global());
                }
                return last;
            }
            token = next.isEmpty() ? null : next;
            g = null;
            branches = null;
        }
    }

    /** One pass under the lease {@code token}, then the release of the lease with the schedule it decided. */
    private Result runOne(Slot slot, TransGlobal g, List<TransBranch> branches, String token) {
        Pass p = new Pass(g, e.now(), token, g.nextCronTime(), e.defersBranchWrites(g));
        slot.current = p;
        p.trace(e.tracing.startPass(g.gid(), g.transType().wire(), g.extData()));
        RuntimeException error = null;
        boolean ok = false;
        try {
            processors.get(g.transType()).processOnce(e, p, branches);
            ok = true;
        } catch (PassHandedBack h) {
            ok = true; // whatever else the pass threw is seen through p.handedBack() below
        } catch (MsgProcessor.QuietStop q) {
            ok = true;
        } catch (LeaseLostException lost) {
            log.debug("{}", lost.getMessage());
            e.metrics.leaseLost();
            ok = true;
        } catch (StoreUnavailableException ex) {
            error = ex; // the API answers 503; the stored transaction is driven again after the lease
        } catch (StoreException ex) {
            error = DtmException.error("storage error while processing " + g.gid() + ": " + ex.getMessage(), ex);
        } catch (RuntimeException ex) {
            error = ex;
        } finally {
            e.flushDeferred(p);
            e.metrics.transaction(g.transType().wire(), ok,
                    Duration.between(g.createTime(), e.now()).toMillis() / 1000.0);
            release(p);
            p.trace().end(p.status().wire(), error);
            e.recordAttempts(p);
        }
        if (p.handedBack() && !p.status().isFinal()) {
            // not finished here: a waiting caller must not read this as the transaction's outcome
            return new Result(p.global(), stopping(g.gid()), !p.lost(), p.branchErrors());
        }
        return new Result(p.global(), error, !p.lost(), p.branchErrors());
    }

    private void release(Pass p) {
        if (p.lost() || p.status().isFinal()) {
            return; // a finished row is never claimed again; a lost lease is not ours to release
        }
        // a pass handed back is due again at once: it stopped only because this server is stopping
        Instant next = p.handedBack() ? e.now() : p.nextCronTime();
        try {
            e.store.release(p.gid(), p.token(), p.interval(), next, e.now());
            if (p.handedBack()) {
                handedBack.incrementAndGet();
                log.debug("{}: handed back, due now", p.gid());
            }
        } catch (StoreException ex) {
            // the lease then simply runs out and the poller takes the transaction over
            log.debug("could not release the lease of {}: {}", p.gid(), ex.getMessage());
        }
    }

    /** Releases a lease no pass used (a claim or a new transaction the stopping server will not drive), due now. */
    private void handBack(String gid, String token, TransGlobal known) {
        Instant now = e.now();
        try {
            boolean released = known != null
                    ? e.store.release(gid, token, known.nextCronInterval(), now, now)
                    : e.store.renew(gid, token, now); // a lease that ends now is free to take, whoever owns it
            if (released) {
                handedBack.incrementAndGet();
            }
        } catch (StoreException ex) {
            log.debug("could not hand back the lease of {}: {}", gid, ex.getMessage());
        }
    }

    /** What a caller waiting for a pass learns when the server stopped before the transaction finished. */
    static DtmException stopping(String gid) {
        return DtmException.unavailable("jdtm is stopping: transaction " + gid + " is not finished; it was handed"
                + " back and another jdtm instance (or this one after its restart) continues it");
    }

    /**
     * Waits until no pass runs in this process, or until {@code deadlineNanos} ({@link System#nanoTime}).
     *
     * @return whether every pass ended
     */
    boolean awaitIdle(long deadlineNanos) {
        synchronized (idle) {
            while (!active.isEmpty()) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    idle.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    return active.isEmpty();
                }
            }
            return true;
        }
    }

    /**
     * For every pass still running after {@link #awaitIdle}: stops it (it calls, writes and decides nothing more)
     * and shortens its lease to what it must still cover, the end of its branch calls in flight (their timeout) and
     * {@link Engine#LEASE_MARGIN} for a decision being written, instead of the whole lease.
     *
     * @return how many leases were shortened
     */
    int cutLeases() {
        int cut = 0;
        for (Slot slot : active.values()) {
            Pass p = slot.current;
            if (p == null) {
                continue;
            }
            Instant until;
            synchronized (p) {
                if (p.lost() || p.status().isFinal()) {
                    continue;
                }
                p.markLost();
                Instant need = e.now().plus(Engine.LEASE_MARGIN);
                if (p.callsUntil() != null && p.callsUntil().isAfter(need)) {
                    need = p.callsUntil();
                }
                until = ceilSeconds(need);
                if (until.isAfter(p.leaseUntil())) {
                    until = p.leaseUntil();
                }
            }
            try {
                if (e.store.renew(p.gid(), p.token(), until)) {
                    cut++;
                    log.info("{}: still in a branch call; its lease now ends at {} instead of {}", p.gid(), until,
                            p.leaseUntil());
                }
            } catch (StoreException ex) {
                log.warn("{}: could not shorten its lease ({}); it ends at {}", p.gid(), ex.getMessage(),
                        p.leaseUntil());
            }
        }
        return cut;
    }

    /** How many passes were handed back (see {@link PassHandedBack}) so far. */
    int handedBack() {
        return handedBack.get();
    }

    /** How many transactions are being driven in this process right now. */
    int running() {
        return active.size();
    }

    private static Instant ceilSeconds(Instant t) {
        Instant floor = Pass.floorSeconds(t);
        return floor.equals(t) ? t : floor.plusSeconds(1);
    }

    private static Result await(Slot slot) {
        try {
            return slot.done.get(AWAIT_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return Result.NOT_DRIVEN;
        } catch (ExecutionException | TimeoutException ex) {
            return Result.NOT_DRIVEN;
        }
    }

    /** One transaction being driven in this process, and what other callers asked of it meanwhile. */
    private static final class Slot {
        final CompletableFuture<Result> done = new CompletableFuture<>();
        /** The pass running now, for {@link #cutLeases}. */
        volatile Pass current;
        private boolean again;
        private String handover;
        private boolean closed;

        /** Asks for one more pass (with a lease the caller holds, or null). False when the slot has closed. */
        synchronized boolean request(String token) {
            if (closed) {
                return false;
            }
            again = true;
            if (token != null) {
                handover = token;
            }
            return true;
        }

        /**
         * After a pass: null (and the slot closes) when nobody asked for another; else the lease handed over for
         * it, or "" when the next pass must take the lease itself.
         */
        synchronized String next() {
            if (!again) {
                closed = true;
                return null;
            }
            again = false;
            String t = handover == null ? "" : handover;
            handover = null;
            return t;
        }

        void close(Result last) {
            synchronized (this) {
                closed = true;
            }
            done.complete(last);
        }
    }
}
