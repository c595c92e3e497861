package io.jdtm.server.branch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.InsecureChannelCredentials;
import io.grpc.Status;
import io.jdtm.protocol.Outcome;
import io.jdtm.server.config.ServerConfig;
import io.jdtm.server.scenario.FakeGrpcRm;
import io.jdtm.server.scenario.FakeGrpcRm.Reply;
import io.jdtm.server.scenario.Gate;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The gRPC transport against a real gRPC server: URL split, pass-through payload, metadata, status mapping. */
class GrpcBranchTransportTest {
    private final FakeGrpcRm rm = FakeGrpcRm.start();
    private final GrpcBranchTransport grpc = new GrpcBranchTransport(ServerConfig.defaults().grpcServiceConfig(), false);

    @AfterEach
    void close() {
        grpc.close();
        rm.close();
    }

    private BranchCall call(String url, byte[] payload, Map<String, String> headers, Duration timeout) {
        return new BranchCall(url, "g-1", "saga", "01", "action", payload, "grpc", headers, timeout);
    }

    private BranchResult call(String method) {
        return grpc.call(call(rm.url(method), new byte[0], Map.of(), Duration.ofSeconds(3)));
    }

    @Test
    void urlSplitsAtTheFirstSlash() {
        BranchUrls.GrpcTarget t = BranchUrls.grpcTarget("localhost:8081/busi.Busi/TransOut");
        assertThat(t.authority()).isEqualTo("localhost:8081");
        assertThat(t.fullMethod()).isEqualTo("busi.Busi/TransOut");
    }

    @Test
    void aTargetThatResolvesToADeniedAddressIsRefusedWithoutAConnection() {
        DestinationPolicy loopbackDenied = DestinationPolicy.from(ServerConfig.defaults()
                .with("BranchPolicy.DenyCidrs", "127.0.0.0/8, ::1").branchPolicy());
        try (GrpcBranchTransport guarded = new GrpcBranchTransport("", false, InsecureChannelCredentials.create(),
                loopbackDenied)) {
            String url = rm.url("busi.Busi/M"); // localhost:<port>/busi.Busi/M
            BranchResult first = guarded.call(call(url, new byte[0], Map.of(), Duration.ofSeconds(3)));
            BranchResult again = guarded.call(call(url, new byte[0], Map.of(), Duration.ofSeconds(3)));

            for (BranchResult r : List.of(first, again)) {
                assertThat(r.refused()).isTrue();
                assertThat(r.outcome()).isEqualTo(Outcome.ERROR);
                assertThat(r.detail()).contains(DestinationPolicy.REFUSED + "localhost resolves to ")
                        .contains("BranchPolicy.DenyCidrs");
            }
        }
        assertThat(rm.calls()).isEmpty();
    }

    @Test
    void ipLiteralTargetsAreDialled() throws Exception {
        String port = rm.url("busi.Busi/M").split("[:/]")[1];
        BranchResult v4 = grpc.call(call("127.0.0.1:" + port + "/busi.Busi/M", new byte[0], Map.of(),
                Duration.ofSeconds(3)));
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        // nothing listens on [::1]:closed: the channel is built and dials, and the dial fails
        BranchResult v6 = grpc.call(call("[::1]:" + closed + "/busi.Busi/M", new byte[0], Map.of(),
                Duration.ofSeconds(3)));

        assertThat(v4.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(v6.outcome()).isEqualTo(Outcome.ERROR);
        assertThat(v6.detail()).startsWith("grpc status UNAVAILABLE");
    }

    @Test
    void badUrlsAreErrorsNamingTheUrl() {
        BranchResult noSlash = grpc.call(call("localhost:8081", new byte[0], Map.of(), Duration.ofSeconds(1)));
        assertThat(noSlash.outcome()).isEqualTo(Outcome.ERROR);
        assertThat(noSlash.detail()).contains("'localhost:8081'").contains("no '/'");
        BranchResult scheme = grpc.call(call("etcd://127.0.0.1:2379/busi/busi.Busi/TransOut", new byte[0], Map.of(),
                Duration.ofSeconds(1)));
        assertThat(scheme.outcome()).isEqualTo(Outcome.ERROR);
        assertThat(scheme.detail()).contains("etcd://127.0.0.1:2379/busi/busi.Busi/TransOut")
                .contains("service-discovery driver");
    }

    @Test
    void payloadIsSentByteForByteAndTheReplyIsIgnored() {
        byte[] payload = {0x0a, 0x03, 'a', 'b', (byte) 0xff, 0x00, 0x10};
        BranchResult r = grpc.call(call(rm.url("busi.Busi/TransOut"), payload, Map.of(), Duration.ofSeconds(3)));
        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(rm.calls("busi.Busi/TransOut").getFirst().request()).isEqualTo(payload);
    }

    @Test
    void metadataCarriesDtmKeysThenHeadersLowerCased() {
        grpc.call(new BranchCall(rm.url("busi.Busi/TransOut"), "g-7", "tcc", "0201", "confirm", new byte[0], "grpc",
                Map.of("X-Tenant", "acme", "trace-bin", "raw"), Duration.ofSeconds(3)));
        Map<String, String> md = rm.calls().getFirst().metadata();
        assertThat(md).containsEntry("dtm-gid", "g-7").containsEntry("dtm-trans_type", "tcc")
                .containsEntry("dtm-branch_id", "0201").containsEntry("dtm-op", "confirm")
                .containsEntry("dtm-dtm", "").containsEntry("x-tenant", "acme").containsEntry("trace-bin", "raw");
    }

    @Test
    void aHeaderGrpcRefusesIsAnErrorNamingIt() {
        BranchResult r = grpc.call(call(rm.url("busi.Busi/M"), new byte[0], Map.of("bad:key", "v"),
                Duration.ofSeconds(3)));
        assertThat(r.outcome()).isEqualTo(Outcome.ERROR);
        assertThat(r.detail()).contains("bad:key");
        assertThat(rm.calls()).isEmpty();
    }

    @Test
    void statusesMapAsDtmDoes() {
        String m = "busi.Busi/M";
        rm.script(m, Reply.OK, Reply.FAILURE, Reply.LEGACY_ONGOING, Reply.ONGOING, Reply.UNAVAILABLE,
                Reply.of(Status.Code.INTERNAL, "panic"), Reply.of(Status.Code.ABORTED, "ONGOING now"));
        List<Outcome> got = List.of(call(m).outcome(), call(m).outcome(), call(m).outcome(), call(m).outcome(),
                call(m).outcome(), call(m).outcome(), call(m).outcome());
        assertThat(got).containsExactly(Outcome.SUCCESS, Outcome.FAILURE, Outcome.ONGOING, Outcome.ONGOING,
                Outcome.ERROR, Outcome.ERROR, Outcome.FAILURE);
    }

    @Test
    void detailNamesTheCodeAndDescriptionBounded() {
        rm.script("busi.Busi/M", Reply.FAILURE, Reply.of(Status.Code.UNKNOWN, "x".repeat(5000)));
        assertThat(call("busi.Busi/M").detail()).isEqualTo("grpc status ABORTED: Insufficient balance");
        String longOne = call("busi.Busi/M").detail();
        assertThat(longOne).startsWith("grpc status UNKNOWN: xxx");
        assertThat(longOne.length()).isLessThan(HttpBranchTransport.MAX_DETAIL + 40);
    }

    @Test
    void deadlineIsTheCallTimeout() {
        Gate<Reply> gate = rm.hold("busi.Busi/Slow");
        long t0 = System.nanoTime();
        BranchResult r = grpc.call(call(rm.url("busi.Busi/Slow"), new byte[0], Map.of(), Duration.ofMillis(300)));
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        gate.open(Reply.OK);
        assertThat(r.outcome()).isEqualTo(Outcome.ERROR);
        assertThat(r.detail()).startsWith("grpc status DEADLINE_EXCEEDED");
        assertThat(tookMs).isBetween(250L, 5_000L);
    }

    @Test
    void unreachableServiceIsAnError() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        BranchResult r = grpc.call(call("localhost:" + port + "/busi.Busi/M", new byte[0], Map.of(),
                Duration.ofSeconds(2)));
        assertThat(r.outcome()).isEqualTo(Outcome.ERROR);
        assertThat(r.detail()).startsWith("grpc status UNAVAILABLE");
    }

    @Test
    void oneChannelPerTargetServesConcurrentCalls() throws Exception {
        rm.answer("busi.Busi/M", Reply.OK.delayed(Duration.ofMillis(300)));
        List<Thread> ts = new java.util.ArrayList<>();
        List<BranchResult> results = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int i = 0; i < 8; i++) {
            ts.add(Thread.ofVirtual().start(() -> results.add(call("busi.Busi/M"))));
        }
        for (Thread t : ts) {
            t.join();
        }
        assertThat(results).hasSize(8).allMatch(BranchResult::isSuccess);
        assertThat(rm.peakConcurrency()).isGreaterThan(1);
    }

    @Test
    void closedTransportAnswersErrors() {
        assertThat(call("busi.Busi/M").isSuccess()).isTrue();
        grpc.close();
        BranchResult r = call("busi.Busi/M");
        assertThat(r.outcome()).isEqualTo(Outcome.ERROR);
        assertThat(r.detail()).contains("closed");
    }

    @Test
    void serviceConfigBecomesGrpcJavaShapes() {
        Map<String, ?> m = GrpcBranchTransport.parseServiceConfig(
                "{\"loadBalancingConfig\":[{\"round_robin\":{}}],\"methodConfig\":[{\"name\":[{}],\"timeout\":\"1s\","
                        + "\"retryPolicy\":{\"maxAttempts\":3}}]}");
        assertThat(m.get("loadBalancingConfig")).isEqualTo(List.of(Map.of("round_robin", Map.of())));
        Object retry = ((Map<?, ?>) ((List<?>) m.get("methodConfig")).getFirst()).get("retryPolicy");
        assertThat(((Map<?, ?>) retry).get("maxAttempts")).isEqualTo(3.0);
        assertThatThrownBy(() -> GrpcBranchTransport.parseServiceConfig("[1]"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("GrpcServiceConfig");
    }

    @Test
    void serviceConfigGrpcRefusesIsRefusedAtStart() {
        assertThatThrownBy(() -> new GrpcBranchTransport("{\"loadBalancingConfig\":[{\"no_such_policy\":{}}]}", false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("GrpcServiceConfig")
                .hasMessageContaining("no_such_policy");
        assertThatThrownBy(() -> new GrpcBranchTransport("{\"methodConfig\":[{\"name\":[{}],\"timeout\":\"soon\"}]}",
                false)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("soon");
    }

    @Test
    void blankServiceConfigUsesGrpcDefaults() {
        try (GrpcBranchTransport plain = new GrpcBranchTransport("", false)) {
            BranchResult r = plain.call(call(rm.url("busi.Busi/M"), new byte[0], Map.of(), Duration.ofSeconds(3)));
            assertThat(r.isSuccess()).isTrue();
        }
    }
}
