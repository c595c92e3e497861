package io.jdtm.server.trans;

import io.jdtm.protocol.BranchStatus;
import io.jdtm.protocol.Ops;
import io.jdtm.protocol.Outcome;
import io.jdtm.protocol.TransStatus;
import io.jdtm.server.branch.BranchResult;
import io.jdtm.server.store.TransBranch;
import java.util.ArrayList;
import java.util.List;

/**
 * TCC and XA (spec §6.9, §6.10): the AP registers branches while prepared; a submitted transaction runs the
 * confirm/commit rows, an aborting (or timed-out prepared) one the cancel/rollback rows. TCC visits rows last to
 * first, so nested sub-branches finish before their parents; XA first to last. The first non-success ends the
 * pass with an error; the poller retries.
 */
final class TccXaProcessor implements TransProcessor {
    private final String commitOp;
    private final String rollbackOp;
    private final boolean reverse;

    private TccXaProcessor(String commitOp, String rollbackOp, boolean reverse) {
        this.commitOp = commitOp;
        this.rollbackOp = rollbackOp;
        this.reverse = reverse;
    }

    static TccXaProcessor tcc() {
        return new TccXaProcessor(Ops.CONFIRM, Ops.CANCEL, true);
    }

    static TccXaProcessor xa() {
        return new TccXaProcessor(Ops.COMMIT, Ops.ROLLBACK, false);
    }

    @Override
    public void processOnce(Engine e, Pass p, List<TransBranch> branches) {
        if (p.status() == TransStatus.PREPARED && e.isTimeout(p)) {
            e.changeStatus(p, TransStatus.ABORTING, e.timeoutReason(p));
            // the AP may have registered a branch after they were read: from now on none can be (registration
            // needs the status prepared), so what is stored now is every branch to roll back
            branches = e.store.findBranches(p.gid());
        }
        if (p.status() != TransStatus.SUBMITTED && p.status() != TransStatus.ABORTING) {
            return;
        }
        String op = p.status() == TransStatus.SUBMITTED ? commitOp : rollbackOp;
        List<TransBranch> todo = new ArrayList<>();
        for (int i = 0; i < branches.size(); i++) {
            TransBranch b = branches.get(reverse ? branches.size() - 1 - i : i);
            if (b.op().equals(op) && b.status() != BranchStatus.SUCCEED) {
                todo.add(b);
            }
        }
        for (int i = 0; i < todo.size(); i++) {
            TransBranch b = todo.get(i);
            // the last one's success is followed by the final status change, which then writes its status too
            BranchResult r = e.execBranch(p, b, i == todo.size() - 1);
            if (!r.isSuccess()) {
                if (r.outcome() == Outcome.ONGOING) {
                    throw DtmException.ongoing(op + " of branch " + b.branchId() + " is ongoing");
                }
                throw DtmException.error(op + " of branch " + b.branchId() + " did not succeed: " + r.detail());
            }
        }
        e.changeStatus(p, p.status() == TransStatus.SUBMITTED ? TransStatus.SUCCEED : TransStatus.FAILED, "");
    }
}
