package io.jdtm.client.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Makes the DTM branch context of each incoming gRPC call available to the service method as
 * {@link BranchContext#current()} (the gRPC twin of reading {@code gid}, {@code branch_id}, … from an HTTP request's
 * query). Install it on the business services that are branches:
 *
 * <pre>{@code
 * Server server = ServerBuilder.forPort(50051)
 *         .addService(ServerInterceptors.intercept(new BankService(dataSource), new BranchContextInterceptor()))
 *         .build().start();
 * }</pre>
 *
 * <p>Calls without DTM metadata pass through with an all-empty context. Stateless and thread-safe.
 */
public final class BranchContextInterceptor implements ServerInterceptor {

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        Context ctx = Context.current().withValue(BranchContext.KEY, BranchContext.from(headers));
        return Contexts.interceptCall(ctx, call, headers, next);
    }
}
