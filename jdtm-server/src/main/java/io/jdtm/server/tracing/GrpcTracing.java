package io.jdtm.server.tracing;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.opentelemetry.context.Scope;

/**
 * The gRPC API's server spans ({@code Prepare}, {@code Submit}, {@code Abort}, {@code RegisterBranch},
 * {@code PrepareWorkflow}), continued from the call's {@code traceparent} metadata and current during every
 * callback of the call (the handler runs in {@code onHalfClose}, on whichever thread gRPC picks). Installed only
 * when tracing is on.
 */
public final class GrpcTracing implements ServerInterceptor {
    private final Tracing tracing;

    public GrpcTracing(Tracing tracing) {
        this.tracing = tracing;
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
            ServerCallHandler<Q, A> next) {
        String op = TracedOperations.span(call.getMethodDescriptor().getBareMethodName());
        if (op == null) {
            return next.startCall(call, headers);
        }
        Tracing.ApiSpan span = tracing.startApi(op,
                name -> headers.get(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER)));
        ServerCall<Q, A> ending = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                span.end(status.isOk(), "rpc.grpc.status_code", status.getCode().value());
                super.close(status, trailers);
            }
        };
        ServerCall.Listener<Q> listener;
        try (Scope ignored = span.makeCurrent()) {
            listener = next.startCall(ending, headers);
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onMessage(Q message) {
                try (Scope ignored = span.makeCurrent()) {
                    super.onMessage(message);
                }
            }

            @Override
            public void onHalfClose() {
                try (Scope ignored = span.makeCurrent()) {
                    super.onHalfClose();
                }
            }

            @Override
            public void onCancel() {
                try (Scope ignored = span.makeCurrent()) {
                    super.onCancel();
                } finally {
                    span.end(false, "rpc.grpc.status_code", Status.Code.CANCELLED.value());
                }
            }

            @Override
            public void onComplete() {
                try (Scope ignored = span.makeCurrent()) {
                    super.onComplete();
                }
            }
        };
    }
}
