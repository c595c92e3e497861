package io.jdtm.client.internal;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.function.BiConsumer;

/**
 * The caller's trace context on every call the SDK makes, to the TM and to branches: when the OpenTelemetry API is
 * on the class path (an optional dependency), the propagators of {@link GlobalOpenTelemetry} (W3C
 * {@code traceparent} by default) write the current context as HTTP headers or gRPC metadata. Without the API, or
 * with no global OpenTelemetry set, nothing is added. Never sets or locks the global instance. With an API older
 * than 1.50 (no {@code GlobalOpenTelemetry.getOrNoop()}, e.g. under Spring Boot 3.5's managed version) the W3C
 * propagator writes the current span's {@code traceparent} directly. Stateless.
 */
public final class TraceContext {
    private static final boolean API_PRESENT = present("io.opentelemetry.api.GlobalOpenTelemetry");
    private static final boolean GET_OR_NOOP = API_PRESENT && hasGetOrNoop();
    private static final ClientInterceptor GRPC = new Interceptor();

    private TraceContext() {}

    /** Writes the current trace context through {@code header} (name, value); nothing without OpenTelemetry. */
    public static void inject(BiConsumer<String, String> header) {
        if (API_PRESENT) {
            Otel.inject(header);
        }
    }

    /** Adds the current trace context to the metadata of every call on a channel. */
    public static ClientInterceptor grpcInterceptor() {
        return GRPC;
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, TraceContext.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static boolean hasGetOrNoop() {
        try {
            GlobalOpenTelemetry.class.getMethod("getOrNoop");
            return true;
        } catch (NoSuchMethodException | LinkageError e) {
            return false;
        }
    }

    /** Loaded only when the API is present, so the SDK runs without it. */
    private static final class Otel {
        static void inject(BiConsumer<String, String> header) {
            TextMapPropagator p = GET_OR_NOOP
                    ? GlobalOpenTelemetry.getOrNoop().getPropagators().getTextMapPropagator()
                    : W3CTraceContextPropagator.getInstance();
            p.inject(Context.current(), header, BiConsumer::accept);
        }
    }

    private static final class Interceptor implements ClientInterceptor {
        @Override
        public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<A> listener, Metadata headers) {
                    inject((k, v) -> {
                        Metadata.Key<String> key = Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER);
                        if (!headers.containsKey(key)) { // a value the caller set explicitly wins
                            headers.put(key, v);
                        }
                    });
                    super.start(listener, headers);
                }
            };
        }
    }
}
