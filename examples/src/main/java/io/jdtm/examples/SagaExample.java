package io.jdtm.examples;

import io.jdtm.client.DtmFailureException;
import java.util.Map;

/**
 * Saga (DTM's quick start): TransOut then TransIn, each with a compensation. When TransIn answers FAILURE the TM
 * calls the compensations in reverse order and user 1 gets the money back.
 */
public final class SagaExample implements Example {

    @Override
    public String name() {
        return "saga";
    }

    @Override
    public Outcome run(ExampleContext ctx, boolean failureVariant) {
        ctx.begin("saga: transfer 30 from user 1 to user 2" + (failureVariant ? ", TransIn answers FAILURE" : ""));
        String busi = ctx.busi();
        Map<String, Object> req = Bank.transfer(ExampleContext.AMOUNT, failureVariant);
        String gid = ctx.dtm().newGid();
        ctx.ap("submits saga " + gid + ": TransOut/TransOutCompensate, TransIn/TransInCompensate");
        try {
            ctx.dtm().saga(gid)
                    .add(busi + "/TransOut", busi + "/TransOutCompensate", req)
                    .add(busi + "/TransIn", busi + "/TransInCompensate", req)
                    .waitResult(true)
                    .submit();
            ctx.ap("submit returned: the saga succeeded");
        } catch (DtmFailureException e) {
            ctx.ap("submit reported FAILURE: " + e.getMessage());
        }
        return ctx.finish(gid);
    }
}
