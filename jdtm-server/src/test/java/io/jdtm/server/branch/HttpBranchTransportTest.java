package io.jdtm.server.branch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdtm.protocol.Outcome;
import io.jdtm.server.config.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What an HTTP branch call puts on the wire, read byte for byte by a bare socket. */
class HttpBranchTransportTest {
    private final RawServer rm = new RawServer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
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
        try (RawServer redirecting = new RawServer("HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:" + rm.port()
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

    /** A bare HTTP/1.1 server: records each request head as sent, answers every request the same way. */
    static final class RawServer implements AutoCloseable {
        private final ServerSocket socket;
        private final List<String> requests = new CopyOnWriteArrayList<>();
        private final AtomicInteger connections = new AtomicInteger();

        RawServer(String answer) {
            try {
                socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            Thread.startVirtualThread(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket s = socket.accept();
                        connections.incrementAndGet();
                        Thread.startVirtualThread(() -> serve(s, answer));
                    } catch (IOException e) {
                        return; // closed
                    }
                }
            });
        }

        private void serve(Socket s, String answer) {
            try (s) {
                InputStream in = s.getInputStream();
                while (true) {
                    String head = readHead(in);
                    if (head == null) {
                        return;
                    }
                    requests.add(head);
                    s.getOutputStream().write(answer.getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                }
            } catch (IOException e) {
                // the client went away
            }
        }

        /** The bytes up to and including the blank line, as ISO-8859-1 text; null at the end of the stream. */
        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) >= 0) {
                b.write(c);
                if (b.size() >= 4 && b.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                    return b.toString(StandardCharsets.ISO_8859_1);
                }
            }
            return null;
        }

        int port() {
            return socket.getLocalPort();
        }

        List<String> requests() {
            return requests;
        }

        int connections() {
            return connections.get();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
