package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Empty;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.jdtm.protocol.grpc.dtmgimp.DtmGrpc;
import io.jdtm.server.JdtmServer;
import io.jdtm.server.config.BranchTlsConfig;
import io.jdtm.server.config.ServerConfig;
import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.config.ServerTlsConfig;
import io.jdtm.server.security.TestPki;
import java.io.File;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS with real certificates made in the test (docs/security.md, "TLS"): the HTTP and gRPC listeners, a certificate
 * replaced on disk reaching new connections, client certificates (mTLS), and branches called over HTTPS and TLS gRPC
 * with and without the trust store.
 */
class TlsTest {
    private static final TestPki.Ca CA = TestPki.ca("jdtm-test-ca");

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    // ---------------------------------------------------------------- the listeners

    @Test
    void httpsCallsSucceedWithTheCaTrustedAndFailWithout() {
        JdtmServer tm = start(serverTls("", 0), BranchTlsConfig.defaults());

        DtmHttp trusting = new DtmHttp(https(tm), TestPki.context(CA, null), Map.of());
        DtmHttp jdkDefaults = new DtmHttp(https(tm));

        assertThat(tm.dtmUrl()).startsWith("https://localhost:");
        assertThat(trusting.get("/api/dtmsvr/newGid").field("gid")).hasSize(22);
        assertThat(catchThrowable(() -> jdkDefaults.get("/api/dtmsvr/newGid")))
                .hasCauseInstanceOf(javax.net.ssl.SSLHandshakeException.class);
        assertThat(catchThrowable(() -> new DtmHttp("http://localhost:" + tm.httpPort()).get("/api/ping")))
                .as("plain HTTP on the TLS port").isNotNull();
    }

    @Test
    void grpcOverTlsWorksWithTheCaTrustedAndNotInPlaintext() throws IOException {
        JdtmServer tm = start(serverTls("", 0), BranchTlsConfig.defaults());

        ManagedChannel tls = channel(tm.grpcPort(), TlsChannelCredentials.newBuilder()
                .trustManager(caFile()).build());
        ManagedChannel plain = channel(tm.grpcPort(), InsecureChannelCredentials.create());
        ManagedChannel untrusting = channel(tm.grpcPort(), TlsChannelCredentials.create());

        assertThat(DtmGrpc.newBlockingStub(tls).withDeadlineAfter(20, TimeUnit.SECONDS)
                .newGid(Empty.getDefaultInstance()).getGid()).hasSize(22);
        assertThat(grpcCode(plain)).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(grpcCode(untrusting)).isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void aCertificateReplacedOnDiskReachesNewConnectionsOnBothListeners() throws Exception {
        JdtmServer tm = start(serverTls("", 1), BranchTlsConfig.defaults());
        BigInteger first = tm.tls().orElseThrow().certificate().getSerialNumber();
        assertThat(peerCertificate(tm.httpPort()).getSerialNumber()).isEqualTo(first);
        assertThat(peerCertificate(tm.grpcPort()).getSerialNumber()).isEqualTo(first);

        TestPki.Issued next = CA.server().writeTo(dir.resolve("cert.pem"), dir.resolve("key.pem"));

        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> peerCertificate(tm.httpPort()).getSerialNumber().equals(next.serial()));
        assertThat(peerCertificate(tm.grpcPort()).getSerialNumber()).isEqualTo(next.serial());
        DtmHttp trusting = new DtmHttp(https(tm), TestPki.context(CA, null), Map.of());
        assertThat(trusting.get("/api/dtmsvr/newGid").status()).isEqualTo(200);
    }

    @Test
    void withAClientCaEveryClientMustPresentACertificate() throws IOException {
        TestPki.Ca clientCa = TestPki.ca("jdtm-test-client-ca");
        clientCa.writeTo(dir.resolve("client-ca.pem"));
        TestPki.Issued app = clientCa.client("orders-service");
        app.writeTo(dir.resolve("app.pem"), dir.resolve("app-key.pem"));
        TestPki.Issued stranger = CA.client("stranger"); // a valid certificate, from the wrong CA
        JdtmServer tm = start(serverTls(dir.resolve("client-ca.pem").toString(), 0), BranchTlsConfig.defaults());

        DtmHttp withCert = new DtmHttp(https(tm), TestPki.context(CA, app, clientCa), Map.of());
        DtmHttp withoutCert = new DtmHttp(https(tm), TestPki.context(CA, null), Map.of());
        DtmHttp wrongCa = new DtmHttp(https(tm), TestPki.context(CA, stranger, CA), Map.of());

        assertThat(withCert.get("/api/dtmsvr/newGid").status()).isEqualTo(200);
        assertThat(catchThrowable(() -> withoutCert.get("/api/dtmsvr/newGid"))).hasRootCauseInstanceOf(IOException.class);
        assertThat(catchThrowable(() -> wrongCa.get("/api/dtmsvr/newGid"))).hasRootCauseInstanceOf(IOException.class);

        ChannelCredentials grpcWithCert = TlsChannelCredentials.newBuilder().trustManager(caFile())
                .keyManager(dir.resolve("app.pem").toFile(), dir.resolve("app-key.pem").toFile()).build();
        assertThat(DtmGrpc.newBlockingStub(channel(tm.grpcPort(), grpcWithCert)).withDeadlineAfter(20,
                TimeUnit.SECONDS).newGid(Empty.getDefaultInstance()).getGid()).hasSize(22);
        ManagedChannel grpcWithoutCert = channel(tm.grpcPort(),
                TlsChannelCredentials.newBuilder().trustManager(caFile()).build());
        assertThat(grpcCode(grpcWithoutCert)).isEqualTo(Status.Code.UNAVAILABLE);
    }

    // ---------------------------------------------------------------- branches

    @Test
    void anHttpsBranchIsCalledWithTheTrustStoreAndRetriedWithoutIt() throws IOException {
        TestPki.Issued rmCert = CA.server();
        FakeRm rm = closing(FakeRm.start(TestPki.serverContext(rmCert, CA)));
        assertThat(rm.url("/TransOut")).startsWith("https://localhost:");
        JdtmServer trusting = start(ServerTlsConfig.defaults(), new BranchTlsConfig(caFile().toString(), "plaintext"));
        JdtmServer untrusting = start(ServerTlsConfig.defaults(), BranchTlsConfig.defaults());

        String ok = "tls-branch-ok-" + System.nanoTime();
        DtmHttp.Res r = new DtmHttp(http(trusting)).post("/api/dtmsvr/submit", saga(ok, rm));
        assertThat(r.status()).isEqualTo(200);
        assertThat(status(trusting, ok)).isEqualTo("succeed");
        assertThat(rm.pathsFor(ok)).containsExactly("/TransOut", "/TransIn");

        String refused = "tls-branch-refused-" + System.nanoTime();
        new DtmHttp(http(untrusting)).post("/api/dtmsvr/submit", saga(refused, rm));
        untrusting.poller().runOnce(Duration.ofHours(1));

        // an untrusted certificate is a transport error: retried, never a FAILURE that would roll back
        assertThat(status(untrusting, refused)).isEqualTo("submitted");
        assertThat(rm.pathsFor(refused)).isEmpty();
    }

    @Test
    void grpcBranchesAreCalledOverTlsWhenConfigured() throws IOException {
        TestPki.Issued rmCert = CA.server();
        rmCert.writeTo(dir.resolve("rm.pem"), dir.resolve("rm-key.pem"));
        FakeGrpcRm rm = closing(FakeGrpcRm.start(TlsServerCredentials.create(dir.resolve("rm.pem").toFile(),
                dir.resolve("rm-key.pem").toFile())));
        JdtmServer tlsCaller = start(ServerTlsConfig.defaults(), new BranchTlsConfig(caFile().toString(), "tls"));
        JdtmServer plainCaller = start(ServerTlsConfig.defaults(), BranchTlsConfig.defaults());

        String ok = "grpc-tls-ok-" + System.nanoTime();
        new DtmHttp(http(tlsCaller)).post("/api/dtmsvr/submit", grpcSaga(ok, rm));
        String plain = "grpc-tls-plain-" + System.nanoTime();
        new DtmHttp(http(plainCaller)).post("/api/dtmsvr/submit", grpcSaga(plain, rm));
        plainCaller.poller().runOnce(Duration.ofHours(1));

        assertThat(status(tlsCaller, ok)).isEqualTo("succeed");
        assertThat(rm.methodsFor(ok)).containsExactly("busi.Busi/TransOut", "busi.Busi/TransIn");
        assertThat(status(plainCaller, plain)).isEqualTo("submitted");
        assertThat(rm.methodsFor(plain)).isEmpty();
    }

    // ---------------------------------------------------------------- helpers

    /** Writes a fresh server certificate and the CA, and returns the Tls section over them. */
    private ServerTlsConfig serverTls(String clientCaFile, long reloadInterval) {
        CA.server().writeTo(dir.resolve("cert.pem"), dir.resolve("key.pem"));
        return new ServerTlsConfig(dir.resolve("cert.pem").toString(), dir.resolve("key.pem").toString(),
                clientCaFile, reloadInterval);
    }

    private File caFile() {
        Path f = dir.resolve("ca.pem");
        CA.writeTo(f);
        return f.toFile();
    }

    private JdtmServer start(ServerTlsConfig tls, BranchTlsConfig branchTls) {
        Path data = dir.resolve("data-" + open.size());
        ServerConfig c = ServerConfig.defaults().withHttpPort(0).withGrpcPort(0).withTls(tls).withBranchTls(branchTls);
        StoreConfig store = ScenarioBase.storeConfig(data);
        return closing(JdtmServer.builder().config(c).store(store).resetStore(!store.isEmbedded()).poller(false)
                .host("127.0.0.1").start());
    }

    private <T extends AutoCloseable> T closing(T c) {
        open.add(c);
        return c;
    }

    private ManagedChannel channel(int port, ChannelCredentials creds) {
        ManagedChannel ch = Grpc.newChannelBuilderForAddress("localhost", port, creds).build();
        open.add(() -> ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        return ch;
    }

    private static Status.Code grpcCode(ManagedChannel ch) {
        Throwable t = catchThrowable(() -> DtmGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS)
                .newGid(Empty.getDefaultInstance()));
        assertThat(t).isInstanceOf(StatusRuntimeException.class);
        return ((StatusRuntimeException) t).getStatus().getCode();
    }

    /** The certificate a brand-new TLS connection is shown (a fresh context: no session to resume). */
    private static X509Certificate peerCertificate(int port) throws IOException {
        SSLContext ctx = TestPki.context(CA, null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("localhost", port)) {
            SSLParameters p = s.getSSLParameters();
            p.setApplicationProtocols(new String[] {"h2", "http/1.1"});
            s.setSSLParameters(p);
            s.startHandshake();
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        }
    }

    private static String https(JdtmServer tm) {
        return "https://localhost:" + tm.httpPort();
    }

    private static String http(JdtmServer tm) {
        return "http://localhost:" + tm.httpPort();
    }

    private static String status(JdtmServer tm, String gid) {
        return new DtmHttp(http(tm)).get("/api/dtmsvr/query?gid=" + gid).json().path("transaction").path("status")
                .asText("");
    }

    private static Map<String, Object> saga(String gid, FakeRm rm) {
        return Map.of("gid", gid, "trans_type", "saga", "wait_result", true,
                "steps", List.of(Map.of("action", rm.url("/TransOut"), "compensate", rm.url("/TransOutRevert")),
                        Map.of("action", rm.url("/TransIn"), "compensate", rm.url("/TransInRevert"))),
                "payloads", List.of("{}", "{}"));
    }

    private static Map<String, Object> grpcSaga(String gid, FakeGrpcRm rm) {
        return Map.of("gid", gid, "trans_type", "saga", "protocol", "grpc", "wait_result", true,
                "steps", List.of(
                        Map.of("action", rm.url("busi.Busi/TransOut"), "compensate", rm.url("busi.Busi/TransOutRevert")),
                        Map.of("action", rm.url("busi.Busi/TransIn"), "compensate", rm.url("busi.Busi/TransInRevert"))),
                "payloads", List.of("{}", "{}"));
    }
}
