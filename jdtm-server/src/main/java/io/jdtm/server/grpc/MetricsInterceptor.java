package io.jdtm.server.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.jdtm.server.metrics.ServerMetrics;
import java.util.Locale;

/**
 * Counts every call of the gRPC API in {@code dtm_server_process_total{type="grpc"}} and
 * {@code dtm_server_response_duration}, as DTM's {@code grpcMetrics} interceptor does: {@code api} is the method
 * name lower-cased ({@code submit}, {@code registerbranch}), {@code status} is {@code ok} for an OK status and
 * {@code fail} otherwise. A call the client cancels before it ends is not counted.
 */
final class MetricsInterceptor implements ServerInterceptor {
    static final String TYPE = "grpc";

    private final ServerMetrics metrics;

    MetricsInterceptor(ServerMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
            ServerCallHandler<Q, A> next) {
        long t0 = System.nanoTime();
        String bare = call.getMethodDescriptor().getBareMethodName();
        String api = (bare == null ? call.getMethodDescriptor().getFullMethodName() : bare).toLowerCase(Locale.ROOT);
        return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                metrics.request(TYPE, api, status.isOk(), (System.nanoTime() - t0) / 1e9);
                super.close(status, trailers);
            }
        }, headers);
    }
}
