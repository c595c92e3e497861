package io.jdtm.examples;

import io.jdtm.client.DtmFailureException;
import io.jdtm.examples.busi.BusiReply;
import io.jdtm.examples.busi.BusiReq;

/**
 * TCC over gRPC (DTM's {@code dtmgrpc.TccGlobalTransaction}): the AP registers each branch with the TM's gRPC API and
 * calls its Try method itself, with the {@code dtm-*} metadata; the TM later calls the Confirm (or, after a refused
 * Try, the Cancel) methods with the same protobuf request.
 */
public final class GrpcTccExample implements Example {

    @Override
    public String name() {
        return "grpc-tcc";
    }

    @Override
    public Outcome run(ExampleContext ctx, boolean failureVariant) {
        ctx.begin("grpc-tcc: transfer 30 from user 1 to user 2 over gRPC"
                + (failureVariant ? ", TransInTry answers ABORTED (FAILURE)" : ""));
        GrpcBank bank = ctx.grpcBank();
        BusiReq req = GrpcBank.transfer(ExampleContext.AMOUNT, failureVariant);
        String gid = ctx.grpcDtm().newGid();
        ctx.ap("starts tcc " + gid + " over gRPC and calls the Try of each branch");
        try {
            ctx.grpcDtm().tcc(gid, ExampleContext.WAIT, tcc -> {
                BusiReply out = tcc.callBranch(req, bank.url("TransOutTry"), bank.url("TransOutConfirm"),
                        bank.url("TransOutCancel"), BusiReply.getDefaultInstance());
                ctx.ap("TransOutTry replied: " + out.getMessage());
                tcc.callBranch(req, bank.url("TransInTry"), bank.url("TransInConfirm"), bank.url("TransInCancel"),
                        BusiReply.getDefaultInstance());
            });
            ctx.ap("every Try succeeded: submitted, the TM confirmed");
        } catch (DtmFailureException e) {
            ctx.ap("a Try refused, the AP aborted: " + e.getMessage());
        }
        return ctx.finish(gid);
    }
}
