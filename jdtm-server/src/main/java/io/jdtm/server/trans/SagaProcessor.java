package io.jdtm.server.trans;

import io.jdtm.protocol.BranchStatus;
import io.jdtm.protocol.Outcome;
import io.jdtm.protocol.TransStatus;
import io.jdtm.server.branch.BranchResult;
import io.jdtm.server.store.TransBranch;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saga (spec §6.7). Rows are stored {@code [c0, a0, c1, a1, …]}: compensate of step k at 2k, action at 2k+1.
 * A pass runs the forward phase (actions, sequentially or concurrently by {@code orders}), decides succeed or
 * aborting, then the backward phase (compensations, last step first). Branch calls run on their own virtual
 * threads; only the pass thread reads and writes the in-memory statuses.
 *
 * <p>Unlike DTM, a phase never ends with one of its calls still running: it waits for every call it started (each
 * ends within the request timeout), so no call of this pass overlaps a later pass, and the rollback is decided
 * from the stored branch statuses read at the moment of the decision, plus the actions this pass called without
 * learning their outcome (they may have taken effect).
 */
final class SagaProcessor implements TransProcessor {
    private static final Logger log = LoggerFactory.getLogger(SagaProcessor.class);
    private static final Duration MAX_WAIT = Duration.ofSeconds(3);

    private record Done(int step, BranchResult result) {}

    @Override
    public void processOnce(Engine engine, Pass p, List<TransBranch> branches) {
        new Run(engine, p, branches).run();
    }

    private static final class Run {
        final Engine e;
        final Pass p;
        final List<TransBranch> rows;
        final int n;
        final SagaConfig cfg;
        final BranchStatus[] st;
        /** What the forward phase learned; mutated only on the pass thread. */
        final Forward forward = new Forward();

        static final class Forward {
            boolean failed;
            boolean limitHit;
            String failReason;
            long retryCount;
        }

        Run(Engine e, Pass p, List<TransBranch> rows) {
            this.e = e;
            this.p = p;
            this.rows = rows;
            this.n = rows.size() / 2;
            this.cfg = SagaConfig.parse(p.global().customData(), n);
            this.st = new BranchStatus[rows.size()];
            for (int i = 0; i < st.length; i++) {
                st[i] = rows.get(i).status();
            }
        }

        BranchStatus action(int k) {
            return st[2 * k + 1];
        }

        BranchStatus compensate(int k) {
            return st[2 * k];
        }

        boolean actionMayRun(int k) {
            if (!cfg.concurrent() && k > 0 && action(k - 1) != BranchStatus.SUCCEED) {
                return false;
            }
            for (int pre : cfg.prerequisites(k)) {
                if (action(pre) != BranchStatus.SUCCEED) {
                    return false;
                }
            }
            return true;
        }

        boolean rolledBack(int k) {
            return compensate(k) == BranchStatus.SUCCEED || action(k) == BranchStatus.PREPARED;
        }

        boolean compensateMayRun(int k) {
            if (rolledBack(k)) {
                return false;
            }
            if (!cfg.concurrent() && k < n - 1 && !rolledBack(k + 1)) {
                return false;
            }
            for (int d : cfg.dependentsOf(k)) {
                if (!rolledBack(d)) {
                    return false;
                }
            }
            return true;
        }

        void run() {
            if (p.status() == TransStatus.SUBMITTED && e.isTimeout(p)) {
                e.changeStatus(p, TransStatus.ABORTING, e.timeoutReason(p));
            }
            boolean[] started = new boolean[n];
            boolean[] called = new boolean[n];
            for (int k = 0; k < n; k++) {
                if (action(k) == BranchStatus.FAILED) {
                    forward.failed = true;
                }
            }
            forward.retryCount = p.options().retryCount();
            long retryLimit = p.options().retryLimit();

            // forward phase
            runPhase(started, false,
                    () -> p.status() == TransStatus.SUBMITTED && !forward.failed && !forward.limitHit && !e.isTimeout(p),
                    k -> action(k) == BranchStatus.PREPARED && actionMayRun(k),
                    k -> rows.get(2 * k + 1),
                    this::othersSucceeded,
                    d -> {
                        int k = d.step();
                        called[k] = true;
                        switch (d.result().outcome()) {
                            case SUCCESS -> st[2 * k + 1] = BranchStatus.SUCCEED;
                            case FAILURE -> {
                                st[2 * k + 1] = BranchStatus.FAILED;
                                forward.failed = true;
                                if (forward.failReason == null) {
                                    forward.failReason = "url:" + rows.get(2 * k + 1).url() + " return failed: "
                                            + d.result().detail();
                                }
                            }
                            default -> {
                                if (retryLimit > 0) {
                                    if (forward.retryCount < retryLimit) {
                                        forward.retryCount++;
                                        started[k] = false;
                                    } else {
                                        forward.limitHit = true;
                                    }
                                }
                            }
                        }
                    });
            if (p.status() == TransStatus.SUBMITTED && !forward.failed && !forward.limitHit && allActionsSucceeded()) {
                e.changeStatus(p, TransStatus.SUCCEED, "");
                return;
            }
            if (p.status() == TransStatus.SUBMITTED && forward.limitHit) {
                e.changeStatus(p, TransStatus.ABORTING, "RetryCount is greater than RetryLimit, RetryLimit: " + retryLimit);
            }
            if (p.status() == TransStatus.SUBMITTED && forward.failed) {
                e.changeStatus(p, TransStatus.ABORTING,
                        forward.failReason != null ? forward.failReason : "fail message lost");
            }
            if (p.status() == TransStatus.SUBMITTED && e.isTimeout(p)) {
                e.changeStatus(p, TransStatus.ABORTING, e.timeoutReason(p));
            }
            if (p.status() != TransStatus.ABORTING) {
                return;
            }
            rollback(called);
        }

        /** Whether every action but step {@code k}'s has succeeded: step k's outcome then ends the phase. */
        private boolean othersSucceeded(int k) {
            for (int j = 0; j < n; j++) {
                if (j != k && action(j) != BranchStatus.SUCCEED) {
                    return false;
                }
            }
            return true;
        }

        private boolean allActionsSucceeded() {
            return othersSucceeded(-1); // no step is left out
        }

        /**
         * The backward phase. Which steps to compensate is decided from the branch statuses stored now (this pass
         * holds the lease and none of its calls is running, so nothing else can change them): every action that
         * succeeded or failed, every action this pass called without learning the outcome, and every action
         * still prepared that may run, since an earlier pass (cut short by a crash) may have called it.
         */
        private void rollback(boolean[] called) {
            List<TransBranch> stored = e.store.findBranches(p.gid());
            refresh(stored);
            boolean[] mayHaveRun = new boolean[n];
            for (int k = 0; k < n; k++) {
                mayHaveRun[k] = action(k) == BranchStatus.PREPARED && (called[k] || actionMayRun(k));
            }
            for (int k = 0; k < n; k++) {
                if (mayHaveRun[k]) {
                    st[2 * k + 1] = BranchStatus.SUCCEED;
                }
            }
            boolean[] toRun = new boolean[n];
            int remaining = 0;
            for (int k = 0; k < n; k++) {
                toRun[k] = compensate(k) != BranchStatus.SUCCEED && action(k) != BranchStatus.PREPARED;
                if (toRun[k]) {
                    remaining++;
                }
            }
            int[] left = {remaining};
            runPhase(new boolean[n], true, () -> left[0] > 0,
                    k -> toRun[k] && compensateMayRun(k),
                    k -> rows.get(2 * k),
                    k -> left[0] == 1,
                    d -> {
                        if (d.result().outcome() == Outcome.SUCCESS) {
                            st[2 * d.step()] = BranchStatus.SUCCEED;
                            left[0]--;
                        }
                    });
            remaining = left[0];
            if (remaining == 0) {
                e.changeStatus(p, TransStatus.FAILED, "");
            }
        }

        /** Takes the statuses of {@code stored} for the rows of this saga, matched by branch id and op. */
        private void refresh(List<TransBranch> stored) {
            Map<String, BranchStatus> byKey = new HashMap<>();
            for (TransBranch b : stored) {
                byKey.put(b.branchId() + "\u0000" + b.op(), b.status());
            }
            for (int i = 0; i < st.length; i++) {
                TransBranch r = rows.get(i);
                BranchStatus s = byKey.get(r.branchId() + "\u0000" + r.op());
                if (s != null) {
                    st[i] = s;
                }
            }
        }

        /**
         * One phase: while {@code go} holds and the phase's wall-clock limit has not passed, starts every step
         * that is {@code startable} and not yet started (in step order, or last step first when {@code reverse}),
         * each on a virtual thread of its own, then handles one completion at a time on this thread. A call that
         * would be the only one in flight (every step of a sequential saga) runs on this thread instead, and when
         * {@code last} says its outcome ends the phase (every other step is done), the status it decides is written
         * with the status change that follows (see {@link Engine#execBranch(Pass, TransBranch, boolean)}). Before it
         * returns (or throws) it waits for every call it started; their results are handled too.
         */
        private void runPhase(boolean[] started, boolean reverse, BooleanSupplier go, IntPredicate startable,
                IntFunction<TransBranch> rowOf, IntPredicate last, Consumer<Done> onDone) {
            Instant deadline = e.now().plus(e.phaseLimit(p));
            // each phase has its own completion queue: a call of an earlier phase that outlived it (a client that
            // ignored its timeout) can never be taken for one of this phase's, e.g. a late action for a compensation
            BlockingQueue<Done> done = new LinkedBlockingQueue<>();
            int inflight = 0;
            try {
                while (go.getAsBoolean() && e.now().isBefore(deadline)) {
                    List<Integer> ready = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        int k = reverse ? n - 1 - i : i;
                        if (!started[k] && startable.test(k)) {
                            // the lease must outlast this call: checked (and renewed) here, on the pass thread
                            e.ensureLease(p, e.requestTimeout(p));
                            started[k] = true;
                            ready.add(k);
                        }
                    }
                    if (inflight == 0 && ready.size() == 1) {
                        // the only call in flight (a sequential saga's next step): no thread of its own, no hand-over;
                        // it ends within the request timeout like any call, which the lease covers
                        int k = ready.getFirst();
                        onDone.accept(new Done(k, e.execBranchQuietly(p, rowOf.apply(k), last.test(k))));
                        if (Thread.currentThread().isInterrupted()) {
                            throw DtmException.error("interrupted while processing " + p.gid());
                        }
                        continue;
                    }
                    for (int k : ready) {
                        inflight++;
                        start(done, k, rowOf.apply(k));
                    }
                    if (inflight == 0) {
                        return;
                    }
                    Done d = poll(done, deadline);
                    if (d != null) {
                        inflight--;
                        onDone.accept(d);
                    }
                }
            } finally {
                drain(done, inflight, onDone);
            }
        }

        /**
         * Waits for the {@code inflight} calls still running. Each ends within the request timeout (the HTTP
         * client enforces it), which the lease covers; the bound here only guards against a client that does not.
         */
        private void drain(BlockingQueue<Done> done, int inflight, Consumer<Done> onDone) {
            Instant limit = e.now().plus(e.requestTimeout(p)).plus(Engine.LEASE_MARGIN);
            while (inflight > 0) {
                Duration left = Duration.between(e.now(), limit);
                Done d;
                try {
                    d = done.poll(Math.max(1, left.toMillis()), TimeUnit.MILLISECONDS);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    return;
                }
                if (d == null) {
                    log.warn("{}: {} branch call(s) did not end within the request timeout; the pass ends anyway",
                            p.gid(), inflight);
                    return;
                }
                inflight--;
                onDone.accept(d);
            }
        }

        private void start(BlockingQueue<Done> done, int step, TransBranch b) {
            Thread.startVirtualThread(() -> done.add(new Done(step, e.execBranchQuietly(p, b))));
        }

        private Done poll(BlockingQueue<Done> done, Instant deadline) {
            Duration left = Duration.between(e.now(), deadline);
            if (left.isNegative() || left.isZero()) {
                return done.poll();
            }
            Duration wait = left.compareTo(MAX_WAIT) < 0 ? left : MAX_WAIT;
            try {
                return done.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw DtmException.error("interrupted while processing " + p.gid());
            }
        }
    }
}
