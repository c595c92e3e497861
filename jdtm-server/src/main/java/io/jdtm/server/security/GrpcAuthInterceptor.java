package io.jdtm.server.security;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.jdtm.server.metrics.ServerMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bearer-token guard of the gRPC listener: the token travels in the metadata {@code authorization: Bearer <t>}.
 * A refusal ends the call before its handler runs: {@code UNAUTHENTICATED} when the token is missing or wrong,
 * {@code PERMISSION_DENIED} for a normal token on an admin method, with a description that never names the token;
 * it is counted in {@code jdtm_auth_refused_total{type="grpc"}}.
 *
 * <p>Scopes, fail-closed: the health service {@code grpc.health.v1.Health} is open (load balancers);
 * {@code dtmgimp.Dtm/DeleteTopic} is admin; the other {@code dtmgimp.Dtm} methods and server reflection need a
 * token; any other method is admin. Install it on the server (not per service) so every service is covered.
 * Thread-safe.
 */
public final class GrpcAuthInterceptor implements ServerInterceptor {
    private static final Logger log = LoggerFactory.getLogger(GrpcAuthInterceptor.class);
    static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final BearerAuth auth;
    private final ServerMetrics metrics;

    public GrpcAuthInterceptor(BearerAuth auth, ServerMetrics metrics) {
        this.auth = auth;
        this.metrics = metrics;
    }

    static Scope scopeOf(String fullMethodName) {
        if (fullMethodName.startsWith("grpc.health.v1.Health/")) {
            return Scope.OPEN;
        }
        if (fullMethodName.equals("dtmgimp.Dtm/DeleteTopic")) {
            return Scope.ADMIN;
        }
        if (fullMethodName.startsWith("dtmgimp.Dtm/") || fullMethodName.startsWith("grpc.reflection.")) {
            return Scope.API;
        }
        return Scope.ADMIN;
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
            ServerCallHandler<Q, A> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        BearerAuth.Verdict v = auth.check(scopeOf(method), headers.get(AUTHORIZATION));
        if (v == BearerAuth.Verdict.ALLOWED) {
            return next.startCall(call, headers);
        }
        metrics.authRefused("grpc", v.reason());
        log.debug("refused gRPC {} from {}: {}", method,
                call.getAttributes().get(io.grpc.Grpc.TRANSPORT_ATTR_REMOTE_ADDR), v.reason());
        Status s = v == BearerAuth.Verdict.NOT_ADMIN ? Status.PERMISSION_DENIED : Status.UNAUTHENTICATED;
        call.close(s.withDescription(v.message()), new Metadata());
        return new ServerCall.Listener<>() {};
    }
}
