package io.jdtm.examples;

import io.jdtm.client.DtmFailureException;
import io.jdtm.examples.busi.BusiReq;

/**
 * Saga over gRPC (DTM's {@code dtmgrpc.NewSagaGrpc}): the AP talks to the TM's gRPC API, the steps are methods of the
 * gRPC bank ({@code host:port/busi.Busi/TransOut}) and the payload is the protobuf request, which the TM passes to
 * each method unchanged. When TransIn answers ABORTED (FAILURE) the TM calls the compensations in reverse order.
 */
public final class GrpcSagaExample implements Example {

    @Override
    public String name() {
        return "grpc-saga";
    }

    @Override
    public Outcome run(ExampleContext ctx, boolean failureVariant) {
        ctx.begin("grpc-saga: transfer 30 from user 1 to user 2 over gRPC"
                + (failureVariant ? ", TransIn answers ABORTED (FAILURE)" : ""));
        GrpcBank bank = ctx.grpcBank();
        BusiReq req = GrpcBank.transfer(ExampleContext.AMOUNT, failureVariant);
        String gid = ctx.grpcDtm().newGid();
        ctx.ap("submits saga " + gid + " over gRPC: busi.Busi/TransOut/TransOutCompensate, TransIn/TransInCompensate");
        try {
            ctx.grpcDtm().saga(gid)
                    .add(bank.url("TransOut"), bank.url("TransOutCompensate"), req)
                    .add(bank.url("TransIn"), bank.url("TransInCompensate"), req)
                    .waitResult(true)
                    .submit();
            ctx.ap("submit returned: the saga succeeded");
        } catch (DtmFailureException e) {
            ctx.ap("submit reported FAILURE: " + e.getMessage());
        }
        return ctx.finish(gid);
    }
}
