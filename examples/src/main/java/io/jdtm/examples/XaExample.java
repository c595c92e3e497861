package io.jdtm.examples;

import io.jdtm.client.DtmFailureException;
import java.util.Map;

/**
 * XA: each branch runs its SQL in a local XA transaction and prepares it; the TM then commits every branch, or rolls
 * every prepared branch back when one refused. Needs XA support in the database (PostgreSQL:
 * {@code max_prepared_transactions > 0}).
 */
public final class XaExample implements Example {

    @Override
    public String name() {
        return "xa";
    }

    @Override
    public Outcome run(ExampleContext ctx, boolean failureVariant) {
        ctx.begin("xa: transfer 30 from user 1 to user 2" + (failureVariant ? ", TransInXa answers FAILURE" : ""));
        String busi = ctx.busi();
        Map<String, Object> req = Bank.transfer(ExampleContext.AMOUNT, failureVariant);
        String gid = ctx.dtm().newGid();
        ctx.ap("starts xa " + gid + " and calls each branch (phase 1: XA PREPARE in the bank's database)");
        try {
            ctx.dtm().xa(gid, ExampleContext.WAIT, xa -> {
                xa.callBranch(req, busi + "/TransOutXa");
                xa.callBranch(req, busi + "/TransInXa");
            });
            ctx.ap("every branch prepared: submitted, the TM committed them");
        } catch (DtmFailureException e) {
            ctx.ap("a branch refused, the AP aborted: " + e.getMessage());
        }
        return ctx.finish(gid);
    }
}
