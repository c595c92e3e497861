package io.jdtm.server.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdtm.protocol.Outcome;
import io.jdtm.server.branch.BranchCall;
import io.jdtm.server.branch.BranchResult;
import io.jdtm.server.config.TracingConfig;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class TracingTest {

    @Test
    void offUnlessConfiguredOrAskedForByTheStandardVariables() {
        assertThat(Tracing.from(TracingConfig.defaults(), Map.of())).isSameAs(Tracing.OFF);
        assertThat(Tracing.from(TracingConfig.defaults(), Map.of("OTEL_TRACES_EXPORTER", "none")))
                .isSameAs(Tracing.OFF);
        assertThat(Tracing.onByEnvironment(Map.of("OTEL_TRACES_EXPORTER", "otlp"))).isTrue();
        assertThat(Tracing.onByEnvironment(Map.of("OTEL_SDK_DISABLED", "false"))).isTrue();
        assertThat(Tracing.onByEnvironment(Map.of("OTEL_SDK_DISABLED", "true"))).isFalse();
        assertThat(Tracing.onByEnvironment(Map.of("OTEL_SERVICE_NAME", "tm"))).isFalse();
    }

    @Test
    void configuredOnBuildsAnSdkThatExportsOtlpAndClosesIt() {
        try (Tracing t = Tracing.from(new TracingConfig("true", "http://127.0.0.1:1", "tm-test"), Map.of())) {
            assertThat(t.enabled()).isTrue();
        }
    }

    @Test
    void offStoresNothingAndCreatesNoSpans() {
        assertThat(Tracing.OFF.enabled()).isFalse();
        assertThat(Tracing.OFF.extData()).isEmpty();
        assertThat(Tracing.OFF.startApi("submit", h -> "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"))
                .isSameAs(Tracing.ApiSpan.NONE);
        assertThat(Tracing.OFF.startPass("g", "saga", "")).isSameAs(Tracing.PassSpan.NONE);
    }

    @Test
    void storedHeadersGoWithEveryBranchCallBeforeTheBranchHeadersAsDtmSendsThem() {
        String ext = "{\"headers\":{\"traceparent\":\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\","
                + "\"x-tenant\":\"stored\"}}";
        BranchCall c = new BranchCall("http://rm/TransIn", "g", "saga", "01", "action", new byte[0], "http",
                Map.of("x-tenant", "branch_headers"), Duration.ofSeconds(3));
        AtomicReference<BranchCall> sent = new AtomicReference<>();

        Tracing.OFF.call(Tracing.PassSpan.NONE, ext, c, call -> {
            sent.set(call);
            return new BranchResult(Outcome.SUCCESS, "");
        });

        assertThat(sent.get().headers())
                .containsEntry("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
                .containsEntry("x-tenant", "branch_headers");
    }

    @Test
    void extDataThatIsNotDtmsFormIsIgnored() {
        assertThat(Tracing.storedHeaders("")).isEmpty();
        assertThat(Tracing.storedHeaders("not json")).isEmpty();
        assertThat(Tracing.storedHeaders("{\"headers\":[1]}")).isEmpty();
        assertThat(Tracing.storedHeaders("{\"headers\":{\"a\":\"b\"}}")).containsExactly(Map.entry("a", "b"));
    }
}
