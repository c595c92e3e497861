package io.jdtm.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.TlsChannelCredentials;
import io.jdtm.client.testing.RecordingServer;
import io.jdtm.protocol.TransStatus;
import io.jdtm.server.config.ServerConfig;
import io.jdtm.testing.JdtmTestServer;
import io.jdtm.server.config.ServerTlsConfig;
import io.jdtm.server.security.TestPki;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SDK against a jdtm whose listeners speak TLS ({@code Tls}): HTTPS with the application's HttpClient, gRPC with
 * {@link DtmClient.Builder#grpcCredentials}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsToTmTest {
    private static final TestPki.Ca CA = TestPki.ca("sdk-tls-test-ca");
    private static final Map<String, Integer> AMOUNT = Map.of("amount", 30);

    @TempDir
    static Path dir;
    private JdtmTestServer tm;
    private RecordingServer rm;
    private HttpClient trusting;

    @BeforeAll
    void start() {
        CA.server().writeTo(dir.resolve("cert.pem"), dir.resolve("key.pem"));
        CA.writeTo(dir.resolve("ca.pem"));
        tm = JdtmTestServer.builder().config(ServerConfig.defaults().withTls(new ServerTlsConfig(dir.resolve("cert.pem").toString(),
                dir.resolve("key.pem").toString(), "", 0))).start();
        rm = new RecordingServer();
        trusting = HttpClient.newBuilder().sslContext(TestPki.context(CA, null)).build();
    }

    @AfterAll
    void stop() {
        tm.close();
        rm.close();
        trusting.close();
    }

    @Test
    void overGrpcWithTlsCredentialsAndHttpsForQueries() throws IOException {
        assertThat(tm.dtmUrl()).startsWith("https://");
        try (DtmClient dtm = DtmClient.builder().grpcTarget(tm.grpcTarget())
                .grpcCredentials(TlsChannelCredentials.newBuilder().trustManager(dir.resolve("ca.pem").toFile()).build())
                .serverUrl(tm.dtmUrl()).httpClient(trusting).build()) {
            String gid = dtm.newGid();
            dtm.saga(gid).add(rm.url() + "/TransOut", rm.url() + "/TransOutRevert", AMOUNT).waitResult(true).submit();

            assertThat(dtm.query(gid).orElseThrow().status()).isEqualTo(TransStatus.SUCCEED);
        }
    }

    @Test
    void aPlaintextChannelCannotReachATlsTm() {
        try (DtmClient dtm = DtmClient.builder().grpcTarget(tm.grpcTarget()).build()) {
            DtmUnknownException e = catchThrowableOfType(DtmUnknownException.class, dtm::newGid);

            assertThat(e).hasMessageContaining("UNAVAILABLE");
        }
    }

    @Test
    void credentialsWithoutAGrpcTargetAreAMistake() {
        assertThatThrownBy(() -> DtmClient.builder().grpcCredentials(TlsChannelCredentials.create()).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("grpcTarget");
    }
}
