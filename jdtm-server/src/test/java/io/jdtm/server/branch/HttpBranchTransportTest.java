package io.jdtm.server.branch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdtm.protocol.Outcome;
import io.jdtm.server.config.ServerConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What an HTTP branch call puts on the wire, read byte for byte by a bare socket. */
class HttpBranchTransportTest {
    private final RawHttpServer rm = new RawHttpServer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    private final HttpBranchTransport http = new HttpBranchTransport(Duration.ofSeconds(2), false);

    @AfterEach
    void close() throws IOException {
        http.close();
        rm.close();
    }

    private static BranchCall call(String url, String gid) {
        return new BranchCall(url, gid, "saga", "01", "action", new byte[0], "http", Map.of(),
                Duration.ofSeconds(3));
    }

    @Test
    void callsInTurnShareOneConnectionWhateverTheAnswerSays() throws IOException {
        try (RawHttpServer busi = new RawHttpServer("HTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\n"
                + "Content-Length: 24\r\n\r\n{\"dtm_result\":\"FAILURE\"}")) {
            for (int i = 0; i < 3; i++) {
                BranchResult r = http.call(call("http://127.0.0.1:" + busi.port() + "/TransOut", "g-" + i));

                assertThat(r.outcome()).isEqualTo(Outcome.FAILURE);
                assertThat(r.detail()).isEqualTo("status 409: {\"dtm_result\":\"FAILURE\"}");
            }
            assertThat(busi.requests()).hasSize(3);
            assertThat(busi.connections()).isEqualTo(1);
        }
    }

    @Test
    void percentEscapesStayEscapedOnTheRequestLine() {
        String url = "http://127.0.0.1:" + rm.port() + "/a%0D%0AX-Injected:%201/b?q=%0D%0AX-Q:%201&s=%20#x%0D%0Ay";

        BranchResult r = http.call(call(url, "g\r\nX-Gid: 1"));

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        String head = rm.requests().getFirst();
        String requestLine = head.substring(0, head.indexOf("\r\n"));
        assertThat(requestLine).startsWith("GET /a%0D%0AX-Injected:%201/b?").endsWith(" HTTP/1.1")
                .contains("q=%0D%0AX-Q", "gid=g%0D%0AX-Gid", "op=action")
                .doesNotContain("#", "x%0D%0Ay");
        assertThat(head).doesNotContain("X-Injected: 1", "X-Q: 1", "X-Gid: 1");
    }

    @Test
    void aHostThatResolvesToADeniedAddressIsRefusedWithoutAConnection() {
        DestinationPolicy loopbackDenied = DestinationPolicy.from(ServerConfig.defaults()
                .with("BranchPolicy.DenyCidrs", "127.0.0.0/8, ::1").branchPolicy());
        try (HttpBranchTransport guarded = new HttpBranchTransport(Duration.ofSeconds(2), false, Optional.empty(),
                loopbackDenied)) {
            BranchResult r = guarded.call(call("http://localhost:" + rm.port() + "/TransOut", "g-1"));

            assertThat(r.refused()).isTrue();
            assertThat(r.outcome()).isEqualTo(Outcome.ERROR);
            assertThat(r.detail()).startsWith(DestinationPolicy.REFUSED + "localhost resolves to ")
                    .contains("BranchPolicy.DenyCidrs");
        }
        assertThat(rm.connections()).isZero();
    }

    @Test
    void theResolverHookAnswersIpLiteralsInEitherFormWithoutDns() {
        PolicyDnsResolver dns = new PolicyDnsResolver(DestinationPolicy.DEFAULT.withResolver(host -> {
            throw new AssertionError("no lookup expected for " + host);
        }));
        assertThat(dns.resolveAddress("[::1]", null).getHostAddress()).isEqualTo("0:0:0:0:0:0:0:1");
        assertThat(dns.resolveAddress("::1", null).getHostAddress()).isEqualTo("0:0:0:0:0:0:0:1");
        assertThat(dns.resolveAddress("127.0.0.1", null).getHostAddress()).isEqualTo("127.0.0.1");
        assertThatThrownBy(() -> dns.resolveAddress("169.254.169.254", null))
                .isInstanceOf(DestinationPolicy.Refused.class).hasMessageContaining("cloud metadata");
    }

    @Test
    void aRedirectIsNotFollowed() {
        try (RawHttpServer redirecting = new RawHttpServer("HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:" + rm.port()
                + "/elsewhere\r\nContent-Length: 0\r\n\r\n")) {
            BranchResult r = http.call(call("http://127.0.0.1:" + redirecting.port() + "/TransOut", "g-1"));

            assertThat(r.outcome()).isEqualTo(Outcome.ERROR);
            assertThat(r.detail()).startsWith("status 302");
            assertThat(redirecting.requests()).hasSize(1);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        assertThat(rm.connections()).isZero();
    }
}
