package io.jdtm.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jdtm.server.scenario.FakeGrpcRm;
import io.jdtm.server.scenario.FakeRm;
import io.jdtm.testing.JdtmTestServer;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The SDK carries the application's current trace context on every call, to the TM and to the branches it calls
 * itself (a TCC Try), over HTTP and gRPC: with the OpenTelemetry API on the class path and a global OpenTelemetry
 * set, the whole transaction is one trace, from the application's span through the real TM to every branch.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TracingEndToEndTest {
    private static final byte[] PAYLOAD = "{\"amount\":30}".getBytes(StandardCharsets.UTF_8);

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    private JdtmTestServer tm;
    private FakeRm rm;
    private FakeGrpcRm grpcRm;

    @BeforeAll
    void start() {
        GlobalOpenTelemetry.resetForTest();
        GlobalOpenTelemetry.set(otel); // what an application (or the OpenTelemetry agent) does at start
        rm = FakeRm.start();
        grpcRm = FakeGrpcRm.start();
        tm = JdtmTestServer.builder().openTelemetry(otel).start();
    }

    @AfterAll
    void stop() {
        tm.close();
        rm.close();
        grpcRm.close();
        otel.close();
        GlobalOpenTelemetry.resetForTest();
    }

    @BeforeEach
    void clear() {
        exporter.reset();
    }

    @Test
    void overHttpTheTmAndTheBranchesJoinTheApplicationsTrace() {
        try (DtmClient dtm = DtmClient.builder().serverUrl(tm.dtmUrl()).build()) {
            String sagaGid = dtm.newGid();
            String tccGid = dtm.newGid();
            SpanContext ap = inApplicationSpan(() -> {
                dtm.saga(sagaGid).addRaw(rm.url("/TransOut"), rm.url("/TransOutRevert"), "{\"amount\":30}")
                        .addRaw(rm.url("/TransIn"), rm.url("/TransInRevert"), "{\"amount\":30}").waitResult(true)
                        .submit();
                dtm.tcc(tccGid, tcc -> tcc.callBranchRaw("{}", rm.url("/TccTry"), rm.url("/TccConfirm"),
                        rm.url("/TccCancel")));
            });

            assertServerSpansAreChildrenOf(ap, "submit", "prepare", "registerBranch");
            // the TM's branch calls: in the application's trace, each under its own attempt span
            assertThat(traceparentsTo("/TransOut", "/TransIn", "/TccConfirm")).allSatisfy(tp ->
                    assertThat(tp).startsWith("00-" + ap.getTraceId() + "-").doesNotContain(ap.getSpanId()));
            // the Try the SDK made itself: directly under the application's span
            assertThat(rm.calls("/TccTry").getFirst().headers()).containsEntry("traceparent", traceparent(ap));
        }
    }

    @Test
    void overGrpcTheTmAndTheBranchesJoinTheApplicationsTrace() {
        try (DtmClient dtm = DtmClient.builder().grpcTarget(tm.grpcTarget()).build()) {
            String sagaGid = dtm.newGid();
            String tccGid = dtm.newGid();
            SpanContext ap = inApplicationSpan(() -> {
                dtm.saga(sagaGid).addBinary(g("TransOut"), g("TransOutRevert"), PAYLOAD)
                        .addBinary(g("TransIn"), g("TransInRevert"), PAYLOAD).waitResult(true).submit();
                dtm.tcc(tccGid, tcc -> tcc.callBranchBinary(PAYLOAD, g("TccTry"), g("TccConfirm"), g("TccCancel")));
            });

            assertServerSpansAreChildrenOf(ap, "submit", "prepare", "registerBranch");
            await().atMost(Duration.ofSeconds(10)).until(() -> grpcRm.count("busi.Busi/TccConfirm") == 1);
            for (String method : List.of("TransOut", "TransIn", "TccConfirm")) {
                assertThat(grpcRm.calls("busi.Busi/" + method).getFirst().metadata().get("traceparent"))
                        .startsWith("00-" + ap.getTraceId() + "-").doesNotContain(ap.getSpanId());
            }
            assertThat(grpcRm.calls("busi.Busi/TccTry").getFirst().metadata())
                    .containsEntry("traceparent", traceparent(ap));
        }
    }

    // ---------------------------------------------------------------- helpers

    private SpanContext inApplicationSpan(Runnable work) {
        Span span = otel.getTracer("the-application").spanBuilder("transfer").startSpan();
        try (Scope ignored = span.makeCurrent()) {
            work.run();
        } finally {
            span.end();
        }
        return span.getSpanContext();
    }

    private void assertServerSpansAreChildrenOf(SpanContext ap, String... names) {
        for (String name : names) {
            await().atMost(Duration.ofSeconds(10)).until(() -> exporter.getFinishedSpanItems().stream()
                    .anyMatch(s -> s.getName().equals(name)));
            assertThat(exporter.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)))
                    .as(name).isNotEmpty().allSatisfy(s -> {
                        assertThat(s.getTraceId()).isEqualTo(ap.getTraceId());
                        assertThat(s.getParentSpanId()).isEqualTo(ap.getSpanId());
                    });
        }
    }

    private List<String> traceparentsTo(String... paths) {
        await().atMost(Duration.ofSeconds(10)).until(() -> rm.count(paths[paths.length - 1]) >= 1);
        return List.of(paths).stream().map(p -> rm.calls(p).getFirst().headers().get("traceparent")).toList();
    }

    private String g(String method) {
        return grpcRm.url("busi.Busi/" + method);
    }

    private static String traceparent(SpanContext c) {
        return "00-" + c.getTraceId() + "-" + c.getSpanId() + "-" + c.getTraceFlags().asHex();
    }
}
