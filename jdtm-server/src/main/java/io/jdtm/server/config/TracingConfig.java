package io.jdtm.server.config;

import java.util.List;

/**
 * The {@code Tracing} section (jdtm only): OpenTelemetry traces of the API calls, passes and branch calls, exported
 * over OTLP. Off by default; the standard {@code OTEL_} environment variables also turn it on and tune it (see
 * {@link io.jdtm.server.tracing.Tracing}).
 *
 * @param enabled {@code Tracing.Enabled}: {@code false} (default) or {@code true}
 * @param endpoint {@code Tracing.Endpoint}: the OTLP endpoint (http/protobuf), e.g. {@code http://collector:4318};
 *     empty = {@code OTEL_EXPORTER_OTLP_ENDPOINT}, else the SDK's default {@code http://localhost:4318}
 * @param serviceName {@code Tracing.ServiceName}: the {@code service.name} of the spans; empty =
 *     {@code OTEL_SERVICE_NAME}, else {@code jdtm}
 */
public record TracingConfig(String enabled, String endpoint, String serviceName) {

    /** The accepted values of {@code Tracing.Enabled}. */
    public static final List<String> ENABLED_VALUES = List.of("false", "true");

    public static TracingConfig defaults() {
        return new TracingConfig("false", "", "");
    }

    public boolean on() {
        return enabled.equals("true");
    }
}
