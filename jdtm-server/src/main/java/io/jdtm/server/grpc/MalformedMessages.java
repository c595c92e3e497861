package io.jdtm.server.grpc;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jdtm.protocol.grpc.RawGrpc;

/**
 * A request message that is not valid protobuf is the caller's mistake: {@code INVALID_ARGUMENT} naming the method,
 * where grpc-java alone ends the call with {@code UNKNOWN "Application error processing RPC"} (it decodes before any
 * interceptor runs). The service receives raw bytes and decodes them inside this interceptor's listener, which turns
 * a decoding failure into that answer.
 */
final class MalformedMessages implements ServerInterceptor {

    private MalformedMessages() {}

    /** {@code service} with its request messages decoded where a failure can be answered. */
    static ServerServiceDefinition guard(ServerServiceDefinition service) {
        return ServerInterceptors.intercept(ServerInterceptors.useMarshalledMessages(service, RawGrpc.MARSHALLER),
                new MalformedMessages());
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
            private boolean refused;

            @Override
            public void onMessage(Q message) {
                try {
                    super.onMessage(message);
                } catch (StatusRuntimeException e) {
                    if (e.getStatus().getCode() != Status.Code.INTERNAL) {
                        throw e;
                    }
                    refused = true;
                    call.close(Status.INVALID_ARGUMENT.withDescription("malformed request message: not a valid "
                            + "protobuf message for " + call.getMethodDescriptor().getFullMethodName()),
                            new Metadata());
                }
            }

            @Override
            public void onHalfClose() {
                if (!refused) {
                    super.onHalfClose();
                }
            }
        };
    }
}
