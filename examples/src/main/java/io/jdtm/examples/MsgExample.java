package io.jdtm.examples;

import io.jdtm.client.DtmFailureException;

/**
 * Two-phase message: the AP debits user 1 in its own local transaction and the TM then delivers TransIn — both or
 * neither, even if the AP crashes in between (the TM asks QueryPrepared, which the barrier answers). The failure
 * variant's local transaction refuses (insufficient balance), so the message is aborted and TransIn never runs.
 */
public final class MsgExample implements Example {

    @Override
    public String name() {
        return "msg";
    }

    @Override
    public Outcome run(ExampleContext ctx, boolean failureVariant) {
        ctx.begin("msg: debit user 1 locally, then deliver TransIn to user 2"
                + (failureVariant ? "; the local debit refuses" : ""));
        String busi = ctx.busi();
        String gid = ctx.dtm().newGid();
        ctx.ap("prepares msg " + gid + " with branch TransIn, runs the local debit behind the barrier");
        try {
            ctx.dtm().msg(gid)
                    .add(busi + "/TransIn", Bank.transfer(ExampleContext.AMOUNT, false))
                    .waitResult(true)
                    .doAndSubmitDb(busi + "/QueryPrepared", ctx.bank().dataSource(), tx -> {
                        ctx.bank().debit(tx, ExampleContext.AMOUNT);
                        if (failureVariant) {
                            throw new DtmFailureException("the AP's local business refused the debit");
                        }
                        ctx.ap("local debit of 30 done; it commits together with the msg's barrier row");
                    });
            ctx.ap("submitted: the TM delivered TransIn");
        } catch (DtmFailureException e) {
            ctx.ap("local transaction rolled back, msg aborted: " + e.getMessage());
        }
        return ctx.finish(gid);
    }
}
