package io.jdtm.server.security;

import io.helidon.common.configurable.Resource;
import io.helidon.common.pki.Keys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Reads PEM files: certificate chains and bundles, and unencrypted private keys (PKCS#8 {@code PRIVATE KEY}, or
 * PKCS#1 {@code RSA PRIVATE KEY}), through Helidon's PEM reader. Every failure is an {@link IllegalArgumentException}
 * whose message names the config key and the file, never the file's content.
 */
final class Pem {

    private Pem() {}

    /** The file's bytes. */
    static byte[] read(String key, String file) {
        try {
            return Files.readAllBytes(Path.of(file));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(key + " " + file + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** The certificates of a PEM file, in file order (a chain: the leaf first). */
    static List<X509Certificate> certificates(String key, String file, byte[] pem) {
        List<X509Certificate> certs;
        try {
            certs = Keys.builder().pem(p -> p.certificates(Resource.create(key, pem))).build().certs();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(key + " " + file + " is not a PEM file of certificates: "
                    + e.getMessage(), e);
        }
        if (certs.isEmpty()) {
            throw new IllegalArgumentException(key + " " + file + " holds no PEM certificate ('-----BEGIN CERTIFICATE"
                    + "-----')");
        }
        return certs;
    }

    /** The private key of a PEM file. */
    static PrivateKey privateKey(String key, String file, byte[] pem) {
        try {
            return Keys.builder().pem(p -> p.key(Resource.create(key, pem))).build().privateKey()
                    .orElseThrow(() -> new IllegalArgumentException("no key found"));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(key + " " + file + " is not an unencrypted PEM private key ('-----BEGIN"
                    + " PRIVATE KEY-----', or '-----BEGIN RSA PRIVATE KEY-----'): " + e.getMessage(), e);
        }
    }

    /**
     * Checks that {@code key} is the private key of {@code cert} by signing with one and verifying with the other, so
     * a certificate and a key from different rotations are refused instead of breaking every handshake.
     */
    static void checkPair(String certKey, X509Certificate cert, PrivateKey key) {
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> null; // nothing to check it with here; the handshake will tell
        };
        if (alg == null) {
            return;
        }
        PublicKey pub = cert.getPublicKey();
        boolean ok;
        try {
            byte[] probe = "jdtm key pair check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(pub);
            v.update(probe);
            ok = v.verify(sig);
        } catch (GeneralSecurityException e) {
            ok = false;
        }
        if (!ok) {
            throw new IllegalArgumentException(certKey + ": the private key does not belong to the certificate ("
                    + cert.getSubjectX500Principal().getName() + ")");
        }
    }

    /** A PKIX trust manager that trusts exactly these CA certificates. */
    static X509TrustManager trustManager(List<X509Certificate> cas) {
        try {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                ks.setCertificateEntry("ca-" + i, cas.get(i));
            }
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(ks);
            for (TrustManager tm : f.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    return x;
                }
            }
            throw new IllegalStateException("the JDK has no X.509 trust manager");
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a trust manager: " + e.getMessage(), e);
        }
    }

    /** "CN=jdtm, serial 1a2b, valid until 2027-01-01T00:00:00Z", for logs. */
    static String describe(X509Certificate c) {
        return c.getSubjectX500Principal().getName() + ", serial " + c.getSerialNumber().toString(16)
                + ", valid until " + c.getNotAfter().toInstant();
    }
}
