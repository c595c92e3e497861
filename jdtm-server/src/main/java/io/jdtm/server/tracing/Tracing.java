package io.jdtm.server.tracing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jdtm.protocol.DtmJson;
import io.jdtm.server.branch.BranchCall;
import io.jdtm.server.branch.BranchResult;
import io.jdtm.server.config.TracingConfig;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * The server's OpenTelemetry tracing, in one place: a server span per API call that stores or changes a
 * transaction, continued from the caller's W3C {@code traceparent}; an internal span per processing pass; a client
 * span per branch attempt, whose context every branch call carries ({@code traceparent} as an HTTP header or gRPC
 * metadata).
 *
 * <p>The caller's context outlives the request: it is stored with the transaction in DTM's {@code ext_data}
 * column as {@code {"headers":{"traceparent":…}}} (spec §4, §5.1: the headers DTM itself sends with every branch
 * call), so the passes the poller makes later, in this process or another TM on the same store, join the same
 * trace, on every engine and without a schema change. Branch calls send the stored headers even with tracing off.
 *
 * <p>{@link #OFF} (the default) creates no span and no context: each hook is one field check. Thread-safe.
 */
public final class Tracing implements AutoCloseable {
    /** No spans; stored {@code ext_data} headers are still sent with branch calls. */
    public static final Tracing OFF = new Tracing(null, null);

    static final AttributeKey<String> GID = AttributeKey.stringKey("jdtm.gid");
    static final AttributeKey<String> TRANS_TYPE = AttributeKey.stringKey("jdtm.trans_type");
    static final AttributeKey<String> STATUS = AttributeKey.stringKey("jdtm.status");
    static final AttributeKey<String> BRANCH_ID = AttributeKey.stringKey("jdtm.branch_id");
    static final AttributeKey<String> OP = AttributeKey.stringKey("jdtm.op");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("jdtm.outcome");
    static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<Long> GRPC_STATUS = AttributeKey.longKey("rpc.grpc.status_code");
    /** The branch attempt span, so the transports can add what they saw without knowing about tracing. */
    private static final ContextKey<Span> ATTEMPT = ContextKey.named("jdtm-branch-attempt");
    private static final TextMapGetter<Function<String, String>> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Function<String, String> carrier) {
            return List.of();
        }

        @Override
        public String get(Function<String, String> carrier, String key) {
            return carrier == null ? null : carrier.apply(key);
        }
    };

    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private final OpenTelemetrySdk owned;

    private Tracing(OpenTelemetry otel, OpenTelemetrySdk owned) {
        this.tracer = otel == null ? null : otel.getTracer("io.jdtm.server");
        this.propagator = otel == null ? null : otel.getPropagators().getTextMapPropagator();
        this.owned = owned;
    }

    /** Traces with {@code otel} (an embedding application's, or a test's with an in-memory exporter); not closed here. */
    public static Tracing of(OpenTelemetry otel) {
        return new Tracing(otel, null);
    }

    /**
     * {@link #OFF} unless {@code Tracing.Enabled} is true or {@code env} asks for traces ({@link #onByEnvironment});
     * else an SDK configured by OpenTelemetry's autoconfigure from the {@code OTEL_} variables and system properties,
     * with the {@code Tracing} keys over them and jdtm's defaults (service {@code jdtm}, OTLP traces, no metrics or
     * logs) under them. Closed by {@link #close()}.
     *
     * @throws IllegalStateException when the SDK cannot be configured (an OTEL_ value it refuses), saying why
     */
    public static Tracing from(TracingConfig config, Map<String, String> env) {
        if (!config.on() && !onByEnvironment(env)) {
            return OFF;
        }
        Map<String, String> defaults = Map.of(
                "otel.service.name", "jdtm",
                "otel.traces.exporter", "otlp",
                // the sender is the JDK's HttpClient, which speaks OTLP over HTTP only (Java's default is grpc)
                "otel.exporter.otlp.protocol", "http/protobuf",
                "otel.metrics.exporter", "none",
                "otel.logs.exporter", "none");
        Map<String, String> overrides = new LinkedHashMap<>();
        if (!config.endpoint().isEmpty()) {
            overrides.put("otel.exporter.otlp.endpoint", config.endpoint());
        }
        if (!config.serviceName().isEmpty()) {
            overrides.put("otel.service.name", config.serviceName());
        }
        try {
            OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
                    .addPropertiesSupplier(() -> defaults)
                    .addPropertiesCustomizer(p -> overrides)
                    .disableShutdownHook()
                    .build()
                    .getOpenTelemetrySdk();
            return new Tracing(sdk, sdk);
        } catch (ConfigurationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("cannot set up tracing (Tracing.*, OTEL_ variables): "
                    + cause.getMessage() + " (jdtm exports OTLP over http/protobuf only)", e);
        }
    }

    /** The standard variables that ask for traces: {@code OTEL_TRACES_EXPORTER} other than none, {@code OTEL_SDK_DISABLED=false}. */
    static boolean onByEnvironment(Map<String, String> env) {
        String exporter = env.getOrDefault("OTEL_TRACES_EXPORTER", "").strip();
        return (!exporter.isEmpty() && !exporter.equalsIgnoreCase("none"))
                || env.getOrDefault("OTEL_SDK_DISABLED", "").strip().equalsIgnoreCase("false");
    }

    public boolean enabled() {
        return tracer != null;
    }

    // ---------------------------------------------------------------- API calls

    /**
     * Starts the server span of an API call ({@code submit}, {@code prepare}, …) as a child of the caller's
     * {@code traceparent}, read through {@code header}; {@link ApiSpan#NONE} when off.
     */
    public ApiSpan startApi(String operation, Function<String, String> header) {
        if (tracer == null) {
            return ApiSpan.NONE;
        }
        Context parent = propagator.extract(Context.root(), header, GETTER);
        Span span = tracer.spanBuilder(operation).setParent(parent).setSpanKind(SpanKind.SERVER).startSpan();
        return new ApiSpan(span, parent.with(span));
    }

    /** Adds the transaction's gid to the current API call's span. */
    public void noteGid(String gid) {
        if (tracer != null) {
            Span.current().setAttribute(GID, gid);
        }
    }

    /**
     * What a new transaction stores in {@code ext_data}: {@code {"headers":{"traceparent":…}}} for the current
     * span (the API call's), or empty when off or there is none.
     */
    public String extData() {
        if (tracing() && Span.current().getSpanContext().isValid()) {
            Map<String, String> headers = new LinkedHashMap<>();
            propagator.inject(Context.current(), headers, Map::put);
            if (!headers.isEmpty()) {
                ObjectNode n = DtmJson.mapper().createObjectNode();
                headers.forEach(n.putObject("headers")::put);
                return n.toString();
            }
        }
        return "";
    }

    /** {@code task} running in the current context (for a pass handed to another thread); {@code task} when off. */
    public Runnable wrap(Runnable task) {
        return tracing() ? Context.current().wrap(task) : task;
    }

    private boolean tracing() {
        return tracer != null;
    }

    // ---------------------------------------------------------------- passes and branch calls

    /**
     * Starts the span of one processing pass: a child of the current span (the API call that runs it), else of the
     * context stored with the transaction (a pass of the poller). {@link PassSpan#NONE} when off.
     */
    public PassSpan startPass(String gid, String transType, String extData) {
        if (tracer == null) {
            return PassSpan.NONE;
        }
        Context parent = Span.current().getSpanContext().isValid()
                ? Context.current()
                : propagator.extract(Context.root(), storedHeaders(extData)::get, GETTER);
        Span span = tracer.spanBuilder("pass " + transType).setParent(parent).setSpanKind(SpanKind.INTERNAL)
                .setAttribute(GID, gid).setAttribute(TRANS_TYPE, transType).startSpan();
        return new PassSpan(span, parent.with(span));
    }

    /**
     * Makes one branch call through {@code caller}: with the headers stored in {@code extData} (before the call's
     * own {@code branch_headers}, as DTM sends them), and when on inside a client span, child of {@code pass},
     * whose context replaces the stored {@code traceparent}. The span records branch_id, op, the outcome and the
     * HTTP status or gRPC code.
     */
    public BranchResult call(PassSpan pass, String extData, BranchCall c, Function<BranchCall, BranchResult> caller) {
        Map<String, String> stored = storedHeaders(extData);
        if (tracer == null) {
            return caller.apply(stored.isEmpty() ? c : withHeaders(c, stored));
        }
        Span span = tracer.spanBuilder("branch " + c.op()).setParent(pass.context).setSpanKind(SpanKind.CLIENT)
                .setAttribute(GID, c.gid()).setAttribute(BRANCH_ID, c.branchId()).setAttribute(OP, c.op())
                .startSpan();
        Context ctx = pass.context.with(span).with(ATTEMPT, span);
        try (Scope ignored = ctx.makeCurrent()) {
            Map<String, String> headers = new LinkedHashMap<>(stored);
            propagator.fields().forEach(headers::remove); // the attempt's context replaces the stored one
            propagator.inject(ctx, headers, Map::put);
            BranchResult r = caller.apply(withHeaders(c, headers));
            span.setAttribute(OUTCOME, r.outcome().name());
            if (r.outcome() == io.jdtm.protocol.Outcome.ERROR) {
                span.setStatus(StatusCode.ERROR, r.detail());
            }
            return r;
        } catch (RuntimeException e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR);
            throw e;
        } finally {
            span.end();
        }
    }

    /** Records the HTTP status a branch answered with on the attempt's span, if one is being traced. */
    public static void noteHttpStatus(int status) {
        Span s = Context.current().get(ATTEMPT);
        if (s != null) {
            s.setAttribute(HTTP_STATUS, (long) status);
        }
    }

    /** Records the gRPC status code a branch answered with on the attempt's span, if one is being traced. */
    public static void noteGrpcStatus(int code) {
        Span s = Context.current().get(ATTEMPT);
        if (s != null) {
            s.setAttribute(GRPC_STATUS, (long) code);
        }
    }

    /** The {@code headers} object of an {@code ext_data} text (DTM's TransGlobalExt); empty when there is none. */
    static Map<String, String> storedHeaders(String extData) {
        if (extData == null || extData.isEmpty()) {
            return Map.of();
        }
        try {
            JsonNode h = DtmJson.mapper().readTree(extData).path("headers");
            if (!h.isObject() || h.isEmpty()) {
                return Map.of();
            }
            Map<String, String> out = new LinkedHashMap<>();
            h.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
            return out;
        } catch (Exception e) {
            return Map.of(); // not DTM's form: nothing to send
        }
    }

    private static BranchCall withHeaders(BranchCall c, Map<String, String> first) {
        Map<String, String> h = new LinkedHashMap<>(first);
        h.putAll(c.headers()); // branch_headers win, as DTM sends them last
        return new BranchCall(c.url(), c.gid(), c.transType(), c.branchId(), c.op(), c.payload(), c.protocol(), h,
                c.timeout());
    }

    /** Flushes and shuts down the SDK this built; one given to {@link #of} is left to its owner. */
    @Override
    public void close() {
        if (owned != null) {
            owned.close();
        }
    }

    /** The span of an API call; {@link #NONE} when off. */
    public static final class ApiSpan {
        public static final ApiSpan NONE = new ApiSpan(null, null);
        private final Span span;
        private final Context context;
        private final AtomicBoolean ended = new AtomicBoolean();

        private ApiSpan(Span span, Context context) {
            this.span = span;
            this.context = context;
        }

        /** Makes the span current on this thread until the scope closes. */
        public Scope makeCurrent() {
            return context == null ? Scope.noop() : context.makeCurrent();
        }

        /** Ends the span (the first call only), marked as an error unless {@code ok}, with the transport's status. */
        public void end(boolean ok, String attribute, Object value) {
            if (span == null || !ended.compareAndSet(false, true)) {
                return;
            }
            if (value instanceof Number n) {
                span.setAttribute(AttributeKey.longKey(attribute), n.longValue());
            } else {
                span.setAttribute(attribute, String.valueOf(value));
            }
            if (!ok) {
                span.setStatus(StatusCode.ERROR);
            }
            span.end();
        }
    }

    /** The span of one processing pass; {@link #NONE} when off. */
    public static final class PassSpan {
        public static final PassSpan NONE = new PassSpan(null, Context.root());
        private final Span span;
        private final Context context;

        private PassSpan(Span span, Context context) {
            this.span = span;
            this.context = context;
        }

        /** Ends the span with the status the pass left, and what it threw (or null). */
        public void end(String status, Throwable error) {
            if (span == null) {
                return;
            }
            span.setAttribute(STATUS, status);
            if (error != null) {
                span.recordException(error);
                span.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
            }
            span.end();
        }
    }
}
