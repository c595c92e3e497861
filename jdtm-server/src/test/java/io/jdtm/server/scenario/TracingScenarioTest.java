package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.jdtm.protocol.DtmJson;
import io.jdtm.protocol.grpc.dtmgimp.DtmGrpc;
import io.jdtm.protocol.grpc.dtmgimp.DtmRequest;
import io.jdtm.protocol.grpc.dtmgimp.DtmTransOptions;
import io.jdtm.server.JdtmServer;
import io.jdtm.server.config.ServerConfig;
import io.jdtm.server.config.StoreConfig;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One trace from the application's span through the TM to every branch: a real server with tracing on (an
 * OpenTelemetry SDK exporting to memory), real HTTP and gRPC, the fake RMs recording the {@code traceparent} each
 * branch call carries; and across a TM restart, where the trace context comes back from the store.
 */
class TracingScenarioTest {
    private static final AttributeKey<String> BRANCH_ID = AttributeKey.stringKey("jdtm.branch_id");
    private static final AttributeKey<String> OP = AttributeKey.stringKey("jdtm.op");
    private static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("jdtm.outcome");
    private static final AttributeKey<String> GID = AttributeKey.stringKey("jdtm.gid");
    private static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
    private static final AttributeKey<Long> GRPC_STATUS = AttributeKey.longKey("rpc.grpc.status_code");

    @TempDir
    Path dir;

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    private final Tracer ap = otel.getTracer("the-application");
    private StoreConfig store;
    private JdtmServer server;
    private FakeRm rm;
    private FakeGrpcRm grpcRm;

    @BeforeEach
    void start() {
        rm = FakeRm.start();
        grpcRm = FakeGrpcRm.start();
        store = ScenarioBase.storeConfig(dir);
        server = server(true, !store.isEmbedded());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        rm.close();
        grpcRm.close();
        otel.close();
    }

    private JdtmServer server(boolean traced, boolean reset) {
        JdtmServer.Builder b = JdtmServer.builder().config(ServerConfig.defaults().withHttpPort(0).withGrpcPort(0))
                .store(store).resetStore(reset).poller(false).host("127.0.0.1");
        return (traced ? b.openTelemetry(otel) : b).start();
    }

    @Test
    void aSagaOverHttpIsOneTraceFromTheApplicationThroughTheTmToBothBranches() throws Exception {
        String gid = "trace-http-" + System.nanoTime();
        Span apSpan = ap.spanBuilder("transfer").startSpan();
        Map<String, String> traceHeaders = inject(apSpan);

        DtmHttp.Res res = new DtmHttp("http://localhost:" + server.httpPort(), null, traceHeaders)
                .post("/api/dtmsvr/submit", httpSaga(gid, true));
        apSpan.end();

        assertThat(res.status()).isEqualTo(200);
        String traceId = apSpan.getSpanContext().getTraceId();
        SpanData submit = awaitSpan(s -> s.getName().equals("submit"));
        SpanData pass = span(s -> s.getName().equals("pass saga"));
        SpanData out = span(s -> s.getName().equals("branch action") && "01".equals(s.getAttributes().get(BRANCH_ID)));
        SpanData in = span(s -> s.getName().equals("branch action") && "02".equals(s.getAttributes().get(BRANCH_ID)));

        assertThat(List.of(submit, pass, out, in)).allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(traceId));
        assertThat(submit.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(submit.getParentSpanId()).isEqualTo(apSpan.getSpanContext().getSpanId());
        assertThat(submit.getAttributes().get(GID)).isEqualTo(gid);
        assertThat(submit.getAttributes().get(HTTP_STATUS)).isEqualTo(200L);
        assertThat(pass.getKind()).isEqualTo(SpanKind.INTERNAL);
        assertThat(pass.getParentSpanId()).isEqualTo(submit.getSpanId());
        for (SpanData branch : List.of(out, in)) {
            assertThat(branch.getKind()).isEqualTo(SpanKind.CLIENT);
            assertThat(branch.getParentSpanId()).isEqualTo(pass.getSpanId());
            assertThat(branch.getAttributes().get(OP)).isEqualTo("action");
            assertThat(branch.getAttributes().get(OUTCOME)).isEqualTo("SUCCESS");
            assertThat(branch.getAttributes().get(HTTP_STATUS)).isEqualTo(200L);
        }
        // each branch call carries its own attempt's context, in the application's trace
        assertThat(rm.calls("/TransOut").getFirst().headers()).containsEntry("traceparent", traceparent(out));
        assertThat(rm.calls("/TransIn").getFirst().headers()).containsEntry("traceparent", traceparent(in));
        // stored where DTM keeps headers for branch calls (a JSON text inside the row), beside unchanged options
        JsonNode t = new DtmHttp("http://localhost:" + server.httpPort()).get("/api/dtmsvr/query?gid=" + gid).json()
                .path("transaction");
        assertThat(DtmJson.mapper().readTree(t.path("ext_data").asText()).path("headers").path("traceparent").asText())
                .isEqualTo(traceparent(submit));
        assertThat(t.path("options").asText()).doesNotContain("traceparent");
    }

    @Test
    void aSagaOverGrpcCarriesTheTraceInMetadataBothWays() throws Exception {
        String gid = "trace-grpc-" + System.nanoTime();
        Span apSpan = ap.spanBuilder("transfer").startSpan();
        Metadata md = new Metadata();
        inject(apSpan).forEach((k, v) -> md.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext()
                .build();
        try {
            DtmGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
                    .submit(DtmRequest.newBuilder().setGid(gid).setTransType("saga")
                            .setSteps(DtmJson.write(List.of(
                                    Map.of("action", grpcRm.url("busi.Busi/TransOut"),
                                            "compensate", grpcRm.url("busi.Busi/TransOutRevert")),
                                    Map.of("action", grpcRm.url("busi.Busi/TransIn"),
                                            "compensate", grpcRm.url("busi.Busi/TransInRevert")))))
                            .addBinPayloads(ByteString.copyFromUtf8("{\"amount\":30}"))
                            .addBinPayloads(ByteString.copyFromUtf8("{\"amount\":30}"))
                            .setTransOptions(DtmTransOptions.newBuilder().setWaitResult(true))
                            .build());
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        apSpan.end();

        String traceId = apSpan.getSpanContext().getTraceId();
        SpanData submit = awaitSpan(s -> s.getName().equals("submit"));
        SpanData pass = span(s -> s.getName().equals("pass saga"));
        List<SpanData> branches = exporter.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals("branch action")).toList();
        assertThat(submit.getTraceId()).isEqualTo(traceId);
        assertThat(submit.getParentSpanId()).isEqualTo(apSpan.getSpanContext().getSpanId());
        assertThat(submit.getAttributes().get(GRPC_STATUS)).isEqualTo(0L);
        assertThat(pass.getParentSpanId()).isEqualTo(submit.getSpanId());
        assertThat(branches).hasSize(2).allSatisfy(b -> {
            assertThat(b.getTraceId()).isEqualTo(traceId);
            assertThat(b.getParentSpanId()).isEqualTo(pass.getSpanId());
            assertThat(b.getAttributes().get(GRPC_STATUS)).isEqualTo(0L);
            assertThat(b.getAttributes().get(OUTCOME)).isEqualTo("SUCCESS");
        });
        assertThat(List.of(grpcRm.calls("busi.Busi/TransOut").getFirst(), grpcRm.calls("busi.Busi/TransIn").getFirst()))
                .extracting(c -> c.metadata().get("traceparent"))
                .containsExactlyInAnyOrderElementsOf(branches.stream().map(TracingScenarioTest::traceparent).toList());
    }

    @Test
    void aSagaSubmittedOverJsonRpcJoinsTheCallersTraceToo() {
        String gid = "trace-jsonrpc-" + System.nanoTime();
        Span apSpan = ap.spanBuilder("transfer").startSpan();

        DtmHttp.Res res = new DtmHttp("http://localhost:" + server.httpPort(), null, inject(apSpan)).post(
                "/api/json-rpc", Map.of("jsonrpc", "2.0", "id", "1", "method", "submit", "params", httpSaga(gid, true)));
        apSpan.end();

        assertThat(res.json().path("error").isNull()).as(res.body()).isTrue();
        SpanData rpc = awaitSpan(s -> s.getName().equals("json-rpc"));
        SpanData pass = span(s -> s.getName().equals("pass saga"));
        SpanData out = span(s -> "01".equals(s.getAttributes().get(BRANCH_ID)));
        assertThat(rpc.getParentSpanId()).isEqualTo(apSpan.getSpanContext().getSpanId());
        assertThat(pass.getParentSpanId()).isEqualTo(rpc.getSpanId());
        assertThat(rm.calls("/TransOut").getFirst().headers()).containsEntry("traceparent", traceparent(out));
    }

    @Test
    void aRetryAfterATmRestartStillJoinsTheOriginalTrace() {
        String gid = "trace-restart-" + System.nanoTime();
        rm.script("/TransIn", FakeRm.Reply.ERROR); // the first attempt fails: the saga stays due
        Span apSpan = ap.spanBuilder("transfer").startSpan();
        new DtmHttp("http://localhost:" + server.httpPort(), null, inject(apSpan))
                .post("/api/dtmsvr/submit", httpSaga(gid, false));
        apSpan.end();
        SpanData firstPass = awaitSpan(s -> s.getName().equals("pass saga"));
        SpanData submit = awaitSpan(s -> s.getName().equals("submit"));
        SpanData failed = span(s -> "02".equals(s.getAttributes().get(BRANCH_ID)));
        assertThat(failed.getAttributes().get(OUTCOME)).isEqualTo("ERROR");
        assertThat(failed.getAttributes().get(HTTP_STATUS)).isEqualTo(500L);
        assertThat(rm.calls("/TransIn")).hasSize(1);

        server.close();
        exporter.reset();
        server = server(true, false); // a new TM on the same store: only the stored row knows the trace
        assertThat(server.poller().runOnce(Duration.ofSeconds(180))).isEqualTo(1);
        await().atMost(Duration.ofSeconds(20)).until(() -> rm.calls("/TransIn").size() == 2);

        String traceId = apSpan.getSpanContext().getTraceId();
        SpanData pass = awaitSpan(s -> s.getName().equals("pass saga"));
        SpanData retry = span(s -> "02".equals(s.getAttributes().get(BRANCH_ID)));
        assertThat(pass.getTraceId()).isEqualTo(traceId);
        assertThat(pass.getParentSpanId()).isEqualTo(submit.getSpanId());
        assertThat(pass.getSpanId()).isNotEqualTo(firstPass.getSpanId());
        assertThat(retry.getParentSpanId()).isEqualTo(pass.getSpanId());
        assertThat(retry.getAttributes().get(OUTCOME)).isEqualTo("SUCCESS");
        assertThat(rm.calls("/TransIn").get(1).headers()).containsEntry("traceparent", traceparent(retry));
    }

    @Test
    void withTracingOffNothingIsStoredOrAdded() {
        server.close();
        server = server(false, false);
        String gid = "trace-off-" + System.nanoTime();
        Span apSpan = ap.spanBuilder("transfer").startSpan();

        new DtmHttp("http://localhost:" + server.httpPort(), null, inject(apSpan))
                .post("/api/dtmsvr/submit", httpSaga(gid, true));
        apSpan.end();

        assertThat(rm.calls("/TransOut").getFirst().headers()).doesNotContainKey("traceparent");
        JsonNode t = new DtmHttp("http://localhost:" + server.httpPort()).get("/api/dtmsvr/query?gid=" + gid).json()
                .path("transaction");
        assertThat(t.path("status").asText()).isEqualTo("succeed");
        assertThat(t.has("ext_data")).isFalse();
        assertThat(exporter.getFinishedSpanItems()).extracting(SpanData::getName).containsExactly("transfer");
    }

    // ---------------------------------------------------------------- helpers

    private Map<String, String> inject(Span span) {
        Map<String, String> headers = new LinkedHashMap<>();
        otel.getPropagators().getTextMapPropagator().inject(Context.root().with(span), headers, Map::put);
        return headers;
    }

    private static String traceparent(SpanData s) {
        return "00-" + s.getTraceId() + "-" + s.getSpanId() + "-" + s.getSpanContext().getTraceFlags().asHex();
    }

    private Map<String, Object> httpSaga(String gid, boolean waitResult) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gid", gid);
        m.put("trans_type", "saga");
        m.put("steps", List.of(
                Map.of("action", rm.url("/TransOut"), "compensate", rm.url("/TransOutRevert")),
                Map.of("action", rm.url("/TransIn"), "compensate", rm.url("/TransInRevert"))));
        m.put("payloads", List.of("{\"amount\":30}", "{\"amount\":30}"));
        m.put("wait_result", waitResult);
        return m;
    }

    private SpanData awaitSpan(Predicate<SpanData> p) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> exporter.getFinishedSpanItems().stream().anyMatch(p));
        return span(p);
    }

    private SpanData span(Predicate<SpanData> p) {
        List<SpanData> found = exporter.getFinishedSpanItems().stream().filter(p).toList();
        assertThat(found).as("spans matching among %s", exporter.getFinishedSpanItems()).hasSize(1);
        return found.getFirst();
    }
}
