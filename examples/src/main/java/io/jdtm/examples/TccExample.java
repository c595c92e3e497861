package io.jdtm.examples;

import io.jdtm.client.DtmFailureException;
import java.util.Map;

/**
 * TCC: the AP calls each Try itself (TransOutTry reserves the money as "frozen"); when every Try succeeded the TM
 * calls the Confirms, and when one refused the AP aborts and the TM calls the Cancels of the tried branches.
 */
public final class TccExample implements Example {

    @Override
    public String name() {
        return "tcc";
    }

    @Override
    public Outcome run(ExampleContext ctx, boolean failureVariant) {
        ctx.begin("tcc: transfer 30 from user 1 to user 2" + (failureVariant ? ", TransInTry answers FAILURE" : ""));
        String busi = ctx.busi();
        Map<String, Object> req = Bank.transfer(ExampleContext.AMOUNT, failureVariant);
        String gid = ctx.dtm().newGid();
        ctx.ap("starts tcc " + gid + " and calls the Try of each branch");
        try {
            ctx.dtm().tcc(gid, ExampleContext.WAIT, tcc -> {
                tcc.callBranch(req, busi + "/TransOutTry", busi + "/TransOutConfirm", busi + "/TransOutCancel");
                tcc.callBranch(req, busi + "/TransInTry", busi + "/TransInConfirm", busi + "/TransInCancel");
            });
            ctx.ap("every Try succeeded: submitted, the TM confirmed");
        } catch (DtmFailureException e) {
            ctx.ap("a Try refused, the AP aborted: " + e.getMessage());
        }
        return ctx.finish(gid);
    }
}
