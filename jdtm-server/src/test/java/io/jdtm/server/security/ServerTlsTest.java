package io.jdtm.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdtm.server.config.ServerTlsConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading and reloading the listeners' certificate from files; the wire side is in TlsScenarios. */
class ServerTlsTest {
    private static final TestPki.Ca CA = TestPki.ca("server-tls-test-ca");

    @TempDir
    Path dir;

    private ServerTlsConfig files(long reloadInterval) {
        return new ServerTlsConfig(dir.resolve("cert.pem").toString(), dir.resolve("key.pem").toString(), "",
                reloadInterval);
    }

    @Test
    void changedFilesAreInstalledAndUnchangedOnesAreNot() {
        TestPki.Issued first = CA.server().writeTo(dir.resolve("cert.pem"), dir.resolve("key.pem"));
        try (ServerTls tls = ServerTls.start(files(0))) {
            assertThat(tls.certificate()).isEqualTo(first.cert());
            assertThat(tls.reloadIfChanged()).isFalse();

            TestPki.Issued second = CA.server().writeTo(dir.resolve("cert.pem"), dir.resolve("key.pem"));

            assertThat(tls.reloadIfChanged()).isTrue();
            assertThat(tls.certificate()).isEqualTo(second.cert());
        }
    }

    @Test
    void aHalfRotatedPairKeepsTheCertificateInUseUntilTheKeyFollows() {
        CA.server().writeTo(dir.resolve("cert.pem"), dir.resolve("key.pem"));
        try (ServerTls tls = ServerTls.start(files(0))) {
            var before = tls.certificate();
            TestPki.Issued next = CA.server();
            TestPki.write(dir.resolve("cert.pem"), TestPki.pem(next.cert())); // the key is still the old one

            assertThat(tls.reloadIfChanged()).isFalse();
            assertThat(tls.certificate()).isEqualTo(before);

            TestPki.write(dir.resolve("key.pem"), TestPki.pkcs8(next.key()));

            assertThat(tls.reloadIfChanged()).isTrue();
            assertThat(tls.certificate()).isEqualTo(next.cert());
        }
    }

    @Test
    void aBrokenFileKeepsTheCertificateInUse() {
        CA.server().writeTo(dir.resolve("cert.pem"), dir.resolve("key.pem"));
        try (ServerTls tls = ServerTls.start(files(0))) {
            var before = tls.certificate();
            TestPki.write(dir.resolve("cert.pem"), "not a certificate");

            assertThat(tls.reloadIfChanged()).isFalse();
            assertThat(tls.certificate()).isEqualTo(before);
        }
    }

    @Test
    void unusableFilesAtStartAreRefusedNamingTheKey() {
        TestPki.Issued a = CA.server();
        TestPki.write(dir.resolve("cert.pem"), TestPki.pem(a.cert()));
        TestPki.write(dir.resolve("key.pem"), TestPki.pkcs8(CA.server().key()));

        assertThatThrownBy(() -> ServerTls.start(files(0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Tls.KeyFile").hasMessageContaining("does not belong");
    }
}
