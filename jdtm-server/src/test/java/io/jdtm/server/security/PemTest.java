package io.jdtm.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;

class PemTest {
    private static final TestPki.Ca CA = TestPki.ca("pem-test-ca");

    @Test
    void readsAChainInFileOrder() {
        TestPki.Issued s = CA.server();
        List<X509Certificate> chain = Pem.certificates("Tls.CertFile", "f.pem",
                bytes(TestPki.pem(s.cert(), CA.cert())));

        assertThat(chain).containsExactly(s.cert(), CA.cert());
    }

    @Test
    void readsPkcs8EcAndPkcs1RsaKeys() {
        TestPki.Issued ec = CA.server();
        TestPki.Issued rsa = CA.rsaServer();
        String pkcs1 = TestPki.traditional(rsa.key());
        assertThat(pkcs1).startsWith("-----BEGIN RSA PRIVATE KEY-----");

        assertThat(Pem.privateKey("Tls.KeyFile", "k.pem", bytes(TestPki.pkcs8(ec.key())))).isEqualTo(ec.key());
        Pem.checkPair("Tls.KeyFile", rsa.cert(), Pem.privateKey("Tls.KeyFile", "k.pem", bytes(pkcs1)));
    }

    @Test
    void aKeyOfAnotherCertificateIsRefusedNamingTheKey() {
        TestPki.Issued a = CA.server();
        TestPki.Issued b = CA.server();

        assertThatThrownBy(() -> Pem.checkPair("Tls.KeyFile", a.cert(), b.key()))
                .hasMessageContaining("Tls.KeyFile").hasMessageContaining("does not belong to the certificate");
    }

    @Test
    void filesThatAreNotPemNameTheKeyAndFileButNotTheContent() {
        byte[] junk = bytes("secret-looking junk");

        assertThatThrownBy(() -> Pem.certificates("Tls.CertFile", "/etc/x.pem", junk))
                .hasMessageStartingWith("Tls.CertFile /etc/x.pem").hasMessageNotContaining("secret-looking");
        assertThatThrownBy(() -> Pem.privateKey("Tls.KeyFile", "/etc/k.pem", junk))
                .hasMessageStartingWith("Tls.KeyFile /etc/k.pem").hasMessageNotContaining("secret-looking");
        assertThatThrownBy(() -> Pem.read("Tls.KeyFile", "/no/such/file.pem"))
                .hasMessageStartingWith("Tls.KeyFile /no/such/file.pem cannot be read");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
