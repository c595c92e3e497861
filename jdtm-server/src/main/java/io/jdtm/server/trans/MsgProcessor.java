package io.jdtm.server.trans;

import com.fasterxml.jackson.databind.JsonNode;
import io.jdtm.protocol.BranchStatus;
import io.jdtm.protocol.DtmJson;
import io.jdtm.protocol.Ops;
import io.jdtm.protocol.Outcome;
import io.jdtm.protocol.TransStatus;
import io.jdtm.server.branch.BranchResult;
import io.jdtm.server.store.TransBranch;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * Two-phase message (spec §6.8): a timed-out prepared msg asks QueryPrepared; a submitted msg honours its delay,
 * then runs every action still prepared, in order (or all at once when {@code concurrent}). A submitted msg never
 * fails: any non-success is retried.
 */
final class MsgProcessor implements TransProcessor {

    @Override
    public void processOnce(Engine e, Pass p, List<TransBranch> branches) {
        if (p.status() == TransStatus.PREPARED && e.isTimeout(p)) {
            BranchResult r = e.call(p, p.global().queryPrepared(), Ops.QUERY_PREPARED_BRANCH_ID, Ops.MSG, new byte[0]);
            Instant now = e.now();
            switch (r.outcome()) {
                case SUCCESS -> e.changeStatus(p, TransStatus.SUBMITTED, "");
                case FAILURE -> e.changeStatus(p, TransStatus.FAILED, "");
                case ONGOING -> e.touch(p, e.baseInterval(p.global()), now);
                case ERROR -> e.afterCall(p, Outcome.ERROR, p.global().queryPrepared(), r.detail());
            }
        }
        if (p.status() != TransStatus.SUBMITTED && p.status() != TransStatus.ABORTING) {
            return;
        }
        long delay = delaySeconds(p.global().customData());
        Instant now = e.now();
        if (delay > 0 && now.isBefore(p.global().createTime().plusSeconds(delay))) {
            e.touchAt(p, p.interval(), now.plusSeconds(delay), now);
            return;
        }
        List<TransBranch> todo = new ArrayList<>();
        for (TransBranch b : branches) {
            if (b.op().equals(Ops.ACTION) && b.status() == BranchStatus.PREPARED) {
                todo.add(b);
            }
        }
        if (p.options().concurrent()) {
            List<CompletableFuture<BranchResult>> calls = new ArrayList<>();
            for (TransBranch b : todo) {
                CompletableFuture<BranchResult> f = new CompletableFuture<>();
                Thread.startVirtualThread(() -> f.complete(e.execBranchQuietly(p, b)));
                calls.add(f);
            }
            BranchResult firstBad = null;
            for (CompletableFuture<BranchResult> f : calls) {
                BranchResult r = f.join();
                if (!r.isSuccess() && firstBad == null) {
                    firstBad = r;
                }
            }
            if (firstBad != null) {
                throw asPassError(p, firstBad);
            }
        } else {
            for (int i = 0; i < todo.size(); i++) {
                // the last one's success is followed by the final status change, which then writes its status too
                BranchResult r = e.execBranch(p, todo.get(i), i == todo.size() - 1);
                if (!r.isSuccess()) {
                    throw asPassError(p, r);
                }
            }
        }
        e.changeStatus(p, TransStatus.SUCCEED, "");
    }

    /** ONGOING ends the pass quietly (the caller then sees "not succeed"); anything else is the pass's error. */
    private static RuntimeException asPassError(Pass p, BranchResult r) {
        if (r.outcome() == Outcome.ONGOING) {
            return new QuietStop();
        }
        return DtmException.error("msg " + p.gid() + " branch did not succeed: " + r.detail());
    }

    /** The {@code delay} of custom_data (case-insensitive key, JSON number), 0 when absent. */
    static long delaySeconds(String customData) {
        if (customData == null || customData.isBlank()) {
            return 0;
        }
        try {
            JsonNode n = DtmJson.mapper().readTree(customData);
            if (n == null || !n.isObject()) {
                return 0;
            }
            for (var it = n.fields(); it.hasNext(); ) {
                var f = it.next();
                if (f.getKey().toLowerCase(Locale.ROOT).equals("delay")) {
                    return f.getValue().asLong(0);
                }
            }
            return 0;
        } catch (IOException ex) {
            return 0;
        }
    }

    /** Ends a pass without an error: the transaction simply is not finished yet. */
    static final class QuietStop extends RuntimeException {
        QuietStop() {
            super("not finished", null, false, false);
        }
    }
}
