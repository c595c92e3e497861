package io.jdtm.server.trans;

import io.jdtm.server.store.StoreException;
import io.jdtm.protocol.BranchStatus;
import io.jdtm.protocol.Ops;
import io.jdtm.protocol.Outcome;
import io.jdtm.protocol.TransStatus;
import io.jdtm.protocol.TransType;
import io.jdtm.server.branch.BranchCall;
import io.jdtm.server.branch.BranchCaller;
import io.jdtm.server.branch.BranchResult;
import io.jdtm.server.config.ServerConfig;
import io.jdtm.server.metrics.ServerMetrics;
import io.jdtm.server.store.Attempt;
import io.jdtm.server.store.AttemptWriter;
import io.jdtm.server.store.NotFoundException;
import io.jdtm.server.store.StatusChange;
import io.jdtm.server.store.TransBranch;
import io.jdtm.server.store.TransGlobal;
import io.jdtm.server.store.TransStore;
import io.jdtm.server.tracing.Tracing;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every processor shares: executing a branch and recording its outcome, the schedule "touch" with reset,
 * keep and backoff (spec §6.4–§6.5), timeouts (§6.6) and compare-and-set status changes. Stateless apart from its
 * collaborators; thread-safe.
 */
final class Engine {
    private static final Logger log = LoggerFactory.getLogger(Engine.class);
    /** A success this long after the last touch refreshes the schedule (a heartbeat for long passes). */
    private static final Duration HEARTBEAT = Duration.ofMillis(1500);
    /**
     * How much of its lease a pass keeps in reserve: it starts a branch call only when the lease outlasts the
     * call's timeout by this much, and decides only while this much is left. It covers clock skew between TM
     * hosts, the whole-second rounding of SQL stores and scheduling delays.
     */
    static final Duration LEASE_MARGIN = Duration.ofSeconds(2);

    final TransStore store;
    final BranchCaller caller;
    final Clock clock;
    final ServerConfig config;
    final ServerMetrics metrics;
    final Tracing tracing;
    final AttemptWriter attempts;
    /** Set once when the server stops: passes start no more branch calls (see {@link #ensureLease}). */
    private volatile boolean stopping;

    Engine(TransStore store, BranchCaller caller, Clock clock, ServerConfig config, ServerMetrics metrics,
            Tracing tracing, AttemptWriter attempts) {
        this.attempts = attempts;
        this.store = store;
        this.tracing = tracing;
        this.caller = caller;
        this.clock = clock;
        this.config = config;
        this.metrics = metrics;
    }

    Instant now() {
        return clock.instant();
    }

    /** From now on every pass stops before its next branch call and is handed back. Irreversible. */
    void stop() {
        stopping = true;
    }

    boolean stopping() {
        return stopping;
    }

    /** Base retry interval in seconds (spec §6.5). */
    long baseInterval(TransGlobal g) {
        long ri = g.options().retryInterval();
        if (ri > 0) {
            return ri;
        }
        long ttf = g.options().timeoutToFail();
        if (ttf > 0 && ttf < config.retryInterval()) {
            return ttf;
        }
        return config.retryInterval();
    }

    /** Whether the transaction has passed its timeout_to_fail (spec §6.6). Sagas without one never time out. */
    boolean isTimeout(Pass p) {
        TransGlobal g = p.global();
        long t = g.options().timeoutToFail();
        if (t <= 0) {
            if (g.transType() == TransType.SAGA) {
                return false;
            }
            t = config.timeoutToFail();
        }
        return !now().isBefore(g.createTime().plusSeconds(t));
    }

    String timeoutReason(Pass p) {
        return "Timeout after " + p.options().timeoutToFail() + " seconds";
    }

    Duration requestTimeout(Pass p) {
        long t = p.options().requestTimeout();
        return Duration.ofSeconds(t > 0 ? t : config.requestTimeout());
    }

    /**
     * How long a pass takes its lease for, from now: at least the poller's lease ({@code RetryInterval}) and the
     * transaction's base interval, and room for two branch calls with their margin, so a pass of quick branches
     * never has to renew.
     */
    Duration leaseLength(TransGlobal g) {
        long t = g.options().requestTimeout() > 0 ? g.options().requestTimeout() : config.requestTimeout();
        return leaseLength(baseInterval(g), t);
    }

    /** {@link #leaseLength(TransGlobal)} for a transaction whose options are not known yet. */
    Duration defaultLeaseLength() {
        return leaseLength(config.retryInterval(), config.requestTimeout());
    }

    private Duration leaseLength(long base, long requestTimeout) {
        long twoCalls = 2 * (requestTimeout + LEASE_MARGIN.toSeconds());
        return Duration.ofSeconds(Math.max(Math.max(config.retryInterval(), base), twoCalls));
    }

    /**
     * Makes sure the pass's lease lasts {@code need} plus {@link #LEASE_MARGIN} from now, renewing it in the store
     * when it does not. A pass calls this before each branch call (with the call's timeout) and before each
     * decision (with zero), so it never acts on a lease another TM may already have taken over.
     *
     * <p>Once the server is stopping ({@link #stop}), a pass about to start a branch call ({@code need} positive)
     * is handed back instead, and a pass handed back decides nothing more: decisions from calls already answered
     * are still taken while the server stops.
     *
     * @throws LeaseLostException when the lease was lost; the pass must stop
     * @throws PassHandedBack when the server is stopping; the pass must stop
     */
    void ensureLease(Pass p, Duration need) {
        synchronized (p) {
            if (p.lost()) {
                throw new LeaseLostException(p.gid(), "its lease was lost or its status changed under it");
            }
            if (p.handedBack() || (stopping && need.isPositive())) {
                p.markHandedBack();
                throw new PassHandedBack(p.gid());
            }
            Instant now = now();
            if (!p.leaseUntil().isBefore(now.plus(need).plus(LEASE_MARGIN))) {
                return;
            }
            Instant until = Pass.floorSeconds(now.plus(leaseLength(p.global())));
            if (!store.renew(p.gid(), p.token(), until)) {
                p.markLost();
                throw new LeaseLostException(p.gid(), "its lease was taken over or the transaction finished");
            }
            p.leaseUntil(until);
            metrics.leaseRenewed();
            log.debug("{} lease renewed until {}", p.gid(), until);
        }
    }

    /**
     * Whether a pass over {@code g} defers its branch-status writes ({@code UpdateBranchSync: 0}, spec §6.13): as
     * in DTM, for every transaction but sagas that are concurrent or have a timeout_to_fail. A deferred status is
     * written with the pass's next status change, in the same atomic write ({@link TransStore#changeStatus(String,
     * StatusChange, List)}), or at the latest when the pass ends ({@link #flushDeferred}); a crash before then
     * loses it, and the transaction's next pass calls that branch again (at-least-once, like every retry).
     */
    boolean defersBranchWrites(TransGlobal g) {
        if (config.updateBranchSync() != 0) {
            return false;
        }
        if (g.transType() == TransType.SAGA) {
            return g.options().timeoutToFail() <= 0 && !SagaConfig.concurrent(g.customData());
        }
        return true;
    }

    /**
     * Writes the branch statuses the pass deferred and has not written with a status change, before it ends. A
     * lost lease or a status changed under the pass drops them: whoever drives the transaction next calls those
     * branches again.
     */
    void flushDeferred(Pass p) {
        List<TransBranch> left = p.takeDeferred();
        if (left.isEmpty() || p.lost()) {
            return;
        }
        try {
            store.updateBranches(p.gid(), p.status(), left);
        } catch (NotFoundException e) {
            p.markLost();
            log.debug("{}: deferred branch statuses not written, the status is no longer {}", p.gid(), p.status());
        } catch (StoreException e) {
            log.debug("{}: deferred branch statuses not written: {}", p.gid(), e.getMessage());
        }
    }

    /** The wall-clock limit of one saga phase: RequestTimeout + 2 seconds. */
    Duration phaseLimit(Pass p) {
        return requestTimeout(p).plusSeconds(2);
    }

    /**
     * Compare-and-set of the global status from the pass's current status, keeping the pass's view in step.
     *
     * @throws DtmException (ERROR) when another pass or TM changed the status first
     */
    void changeStatus(Pass p, TransStatus to, String reason) {
        changeStatus(p, to, reason, "");
    }

    void changeStatus(Pass p, TransStatus to, String reason, String result) {
        TransStatus from = p.status();
        Transitions.check(from, to);
        ensureLease(p, Duration.ZERO);
        try {
            TransGlobal after = store.changeStatus(p.gid(), new StatusChange(from, to, reason, result, now()),
                    p.takeDeferred());
            // keep the pass's own options (a submit-after-prepare pass runs with the request's options)
            p.global(after.withOptions(p.options()).withCustomData(p.global().customData())
                    .withCreateTime(p.global().createTime()));
        } catch (NotFoundException e) {
            p.markLost();
            throw DtmException.error("status of " + p.gid() + " is no longer " + from + ": changed concurrently");
        }
        log.debug("{} {} -> {}", p.gid(), from, to);
    }

    /**
     * Calls one stored branch, writes its new status when the outcome decides one, and touches the schedule.
     * Only a saga action's FAILURE is definitive; any other FAILURE is an error retried with backoff (spec §5.4).
     */
    BranchResult execBranch(Pass p, TransBranch b) {
        return execBranch(p, b, false);
    }

    /**
     * {@link #execBranch(Pass, TransBranch)}, where {@code last} says that a status this call decides is followed by
     * a status change of the pass and nothing else: a sequential transaction's last branch to call, whose success
     * (or a saga action's failure) makes the pass change the global status next. Its branch status is then kept
     * for that change and written with it, in the same atomic write, whatever {@code UpdateBranchSync} says: one
     * commit fewer, and the same outcome as a write of its own just before (if the pass stops short of the change,
     * it is written when the pass ends, see {@link #flushDeferred}; a crash in between loses it, and the next pass
     * calls that branch again, as it would after a crash just before a write of its own).
     */
    BranchResult execBranch(Pass p, TransBranch b, boolean last) {
        BranchResult r = call(p, b.url(), b.branchId(), b.op(), b.binData());
        boolean sagaAction = p.global().transType() == TransType.SAGA && b.op().equals(Ops.ACTION);
        BranchStatus newStatus = switch (r.outcome()) {
            case SUCCESS -> BranchStatus.SUCCEED;
            case FAILURE -> sagaAction ? BranchStatus.FAILED : null;
            default -> null;
        };
        if (newStatus != null && (last || p.defersBranchWrites())) {
            p.defer(b.withStatus(newStatus, now()));
        } else if (newStatus != null) {
            try {
                store.updateBranches(p.gid(), p.status(), List.of(b.withStatus(newStatus, now())));
            } catch (NotFoundException e) {
                // someone else moved the global status (a forceStop): this pass's view is no longer true
                p.markLost();
                throw DtmException.error("branch " + b.branchId() + "/" + b.op() + " of " + p.gid()
                        + " not written: the global status is no longer " + p.status());
            }
        }
        Outcome forSchedule = r.outcome() == Outcome.FAILURE && !sagaAction ? Outcome.ERROR : r.outcome();
        afterCall(p, forSchedule, b.url(), r.detail());
        return r;
    }

    /**
     * {@link #execBranch} for a call running on its own virtual thread: a failure of the pass machinery (a lost
     * compare-and-set, a storage error, a lost lease) becomes an {@link Outcome#ERROR} result, retried like any
     * other error; the pass thread sees a lost lease itself before it starts or decides anything else.
     */
    BranchResult execBranchQuietly(Pass p, TransBranch b) {
        return execBranchQuietly(p, b, false);
    }

    /**
     * {@link #execBranchQuietly(Pass, TransBranch)} with the {@code last} of
     * {@link #execBranch(Pass, TransBranch, boolean)}.
     */
    BranchResult execBranchQuietly(Pass p, TransBranch b, boolean last) {
        try {
            return execBranch(p, b, last);
        } catch (RuntimeException ex) {
            return new BranchResult(Outcome.ERROR, ex.getMessage());
        }
    }

    /**
     * Calls a URL on behalf of the transaction (branch, QueryPrepared or workflow callback); no status write. The
     * one place every branch call goes through: each call made is kept as an {@link Attempt} of the pass, recorded
     * in the attempt history when the pass ends ({@link #recordAttempts}).
     */
    BranchResult call(Pass p, String url, String branchId, String op, byte[] payload) {
        ensureLease(p, requestTimeout(p));
        p.callStarted(now().plus(requestTimeout(p)));
        TransGlobal g = p.global();
        BranchCall c = new BranchCall(url, g.gid(), g.transType().wire(), branchId, op, payload, g.protocol(),
                g.options().branchHeaders(), requestTimeout(p));
        Instant start = now();
        long t0 = System.nanoTime();
        BranchResult r = tracing.call(p.trace(), g.extData(), c, caller::call);
        if (!url.isEmpty()) {
            long nanos = System.nanoTime() - t0;
            long millis = nanos / 1_000_000;
            metrics.branchDuration(g.transType().wire(), nanos / 1e9);
            p.attempted(new Attempt(g.gid(), branchId, op, 0, start, millis, r.outcome(), r.code(), r.detail(),
                    null, 0));
        }
        metrics.branch(g.transType().wire(), branchId, op, r.isSuccess());
        if (r.refused()) {
            metrics.branchRefused();
            noteReason(p, r.detail());
        }
        return r;
    }

    /** Hands the pass's calls, with the retry it decided, to the attempt history (asynchronous, never blocks). */
    void recordAttempts(Pass p) {
        List<Attempt> done = p.attemptsWithRetry();
        if (!done.isEmpty()) {
            attempts.offer(done);
        }
    }

    /**
     * Keeps why the transaction cannot make progress in its {@code rollback_reason}, where query and the admin UI
     * show it, without changing its status: a same-status compare-and-set, written only when the reason changes.
     * Used for destination-policy refusals, which no retry can get past until the policy or the DNS answer changes.
     */
    private void noteReason(Pass p, String reason) {
        TransGlobal g = p.global();
        if (reason.equals(g.rollbackReason())) {
            return;
        }
        ensureLease(p, Duration.ZERO);
        try {
            store.changeStatus(p.gid(), new StatusChange(g.status(), g.status(), reason, "", now()));
            p.global(p.global().withRollbackReason(reason));
            log.info("{}: {}", p.gid(), reason);
        } catch (NotFoundException e) {
            // the status moved under the pass (a forceStop): it must stop
            p.markLost();
        }
    }

    /**
     * The schedule touch after a call (spec §6.4): a success resets the interval when the pass is long or the
     * interval had grown; ONGOING keeps it; an error doubles it and may alert.
     */
    void afterCall(Pass p, Outcome o, String url, String detail) {
        Instant now = now();
        long base = baseInterval(p.global());
        switch (o) {
            case SUCCESS -> {
                long cur = p.interval();
                boolean stale = Duration.between(p.lastTouch(), now).compareTo(HEARTBEAT) >= 0;
                boolean grown = cur > config.retryInterval() && cur > p.options().retryInterval();
                if (stale || grown) {
                    touch(p, base, now);
                }
            }
            case ONGOING -> touch(p, p.interval(), now);
            case FAILURE -> {
                // a saga action's definitive failure: handled by the pass, no schedule change
            }
            case ERROR -> {
                long doubled = Math.max(1, p.interval()) * 2;
                touch(p, doubled, now);
                alertIfNeeded(p, doubled, base, url, detail);
            }
        }
    }

    void touch(Pass p, long interval, Instant now) {
        touchAt(p, interval, now.plusSeconds(interval), now);
    }

    /**
     * Records the schedule the pass decided. It is written when the pass releases its lease: while the pass runs,
     * the stored next_cron_time is the lease, which keeps every other pass away.
     */
    void touchAt(Pass p, long interval, Instant next, Instant now) {
        p.touched(interval, next, now);
    }

    private void alertIfNeeded(Pass p, long interval, long base, String url, String detail) {
        String hook = config.alertWebHook();
        if (hook.isEmpty()) {
            return;
        }
        long retryCount = 63 - Long.numberOfLeadingZeros(Math.max(1, interval / Math.max(1, base)));
        if (retryCount < config.alertRetryLimit()) {
            return;
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("gid", p.gid());
        doc.put("status", p.status().wire());
        doc.put("branch", url);
        doc.put("error", detail);
        doc.put("retry_count", retryCount);
        Thread.startVirtualThread(() -> caller.postJson(hook, doc, Duration.ofSeconds(config.requestTimeout())));
    }
}
