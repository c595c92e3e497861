package io.jdtm.server.security;

import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.helidon.common.tls.Tls;
import io.helidon.common.tls.TlsClientAuth;
import io.jdtm.server.config.ServerTlsConfig;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listeners' TLS (config section {@code Tls}): one certificate and key, read from PEM files, served by both the
 * HTTP and the gRPC listener, and optionally the CA certificates client certificates must chain to (mutual TLS).
 *
 * <p>Both listeners share one key manager and one trust manager that can be updated in place (grpc-util's
 * {@link AdvancedTlsX509KeyManager} and {@link AdvancedTlsX509TrustManager}): each handshake asks them for the
 * certificate of the moment, so a reload reaches every new connection at once and open connections keep theirs.
 * Every {@code Tls.ReloadInterval} seconds the files are read again; when their bytes changed and they parse, and the
 * key belongs to the certificate, the new material is installed. A half-written or mismatched set (a rotation in
 * progress) is logged once and the certificate in use is kept; the next check tries again.
 *
 * <p>Thread-safe. {@link #close()} stops the checks.
 */
public final class ServerTls implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServerTls.class);

    private final ServerTlsConfig config;
    private final AdvancedTlsX509KeyManager keyManager = new AdvancedTlsX509KeyManager();
    private final AdvancedTlsX509TrustManager clientTrust;
    private final SSLContext sslContext;
    private final ScheduledExecutorService reloader;
    private final Object lock = new Object();
    private Files loaded;
    private Files lastRefused;
    private volatile X509Certificate current;

    /** The bytes of the files as last read. */
    private record Files(byte[] cert, byte[] key, byte[] clientCa) {
        boolean same(Files o) {
            return o != null && Arrays.equals(cert, o.cert) && Arrays.equals(key, o.key)
                    && Arrays.equals(clientCa, o.clientCa);
        }
    }

    /** What the files hold, checked. */
    private record Material(List<X509Certificate> chain, PrivateKey key, List<X509Certificate> clientCas) {}

    private ServerTls(ServerTlsConfig config) {
        this.config = config;
        try {
            this.clientTrust = config.clientAuth()
                    ? AdvancedTlsX509TrustManager.newBuilder()
                            // a client certificate names no host to check: its chain is what matters
                            .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION)
                            .build()
                    : null;
            Files f = read();
            install(parse(f));
            this.loaded = f;
            this.sslContext = SSLContext.getInstance("TLS");
            sslContext.init(new KeyManager[] {keyManager},
                    clientTrust == null ? null : new TrustManager[] {clientTrust}, null);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
        if (config.reloadInterval() > 0) {
            this.reloader = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().name("jdtm-tls-reload").daemon().factory());
            reloader.scheduleWithFixedDelay(this::reloadQuietly, config.reloadInterval(), config.reloadInterval(),
                    TimeUnit.SECONDS);
        } else {
            this.reloader = null;
        }
    }

    /**
     * Reads the files and starts the periodic check.
     *
     * @throws IllegalArgumentException naming the key and file that cannot be used
     */
    public static ServerTls start(ServerTlsConfig config) {
        if (!config.enabled()) {
            throw new IllegalArgumentException("Tls.CertFile is not set");
        }
        ServerTls t = new ServerTls(config);
        log.info("TLS on the HTTP and gRPC listeners: {}{}{}", Pem.describe(t.current),
                config.clientAuth() ? "; clients must present a certificate from Tls.ClientCaFile" : "",
                config.reloadInterval() > 0 ? "; files checked for changes every " + config.reloadInterval() + " s"
                        : "");
        return t;
    }

    /** The HTTP listener's TLS: this context, client certificates required with {@code Tls.ClientCaFile}. */
    public Tls helidonTls() {
        return Tls.builder()
                .sslContext(sslContext)
                .clientAuth(config.clientAuth() ? TlsClientAuth.REQUIRED : TlsClientAuth.NONE)
                .build();
    }

    /** The gRPC listener's TLS, over the same key and trust managers. */
    public ServerCredentials grpcCredentials() {
        TlsServerCredentials.Builder b = TlsServerCredentials.newBuilder().keyManager(keyManager);
        if (clientTrust != null) {
            b.trustManager(clientTrust).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
        }
        return b.build();
    }

    /** The certificate new connections are served. */
    public X509Certificate certificate() {
        return current;
    }

    /**
     * Reads the files once and installs them if they changed and are usable.
     *
     * @return true when a new certificate (or client CA set) was installed
     */
    public boolean reloadIfChanged() {
        synchronized (lock) {
            Files f;
            try {
                f = read();
            } catch (IllegalArgumentException e) {
                refused(null, e);
                return false;
            }
            if (f.same(loaded)) {
                return false;
            }
            try {
                install(parse(f));
            } catch (IllegalArgumentException | GeneralSecurityException e) {
                refused(f, e);
                return false;
            }
            loaded = f;
            lastRefused = null;
            log.info("TLS files reloaded: new connections get {}", Pem.describe(current));
            return true;
        }
    }

    private void reloadQuietly() {
        try {
            reloadIfChanged();
        } catch (Throwable t) {
            // the periodic task must never die: the next run tries again
            log.warn("checking the TLS files failed: {}", t.toString());
        }
    }

    /** Logs a refused set once (each new content again), not at every check. */
    private void refused(Files f, Exception e) {
        if (f != null && f.same(lastRefused)) {
            return;
        }
        lastRefused = f;
        log.warn("TLS files not reloaded, new connections keep {}: {}", Pem.describe(current), e.getMessage());
    }

    private Files read() {
        return new Files(Pem.read("Tls.CertFile", config.certFile()), Pem.read("Tls.KeyFile", config.keyFile()),
                config.clientAuth() ? Pem.read("Tls.ClientCaFile", config.clientCaFile()) : new byte[0]);
    }

    private Material parse(Files f) {
        List<X509Certificate> chain = Pem.certificates("Tls.CertFile", config.certFile(), f.cert);
        PrivateKey key = Pem.privateKey("Tls.KeyFile", config.keyFile(), f.key);
        Pem.checkPair("Tls.KeyFile", chain.get(0), key);
        List<X509Certificate> cas = config.clientAuth()
                ? Pem.certificates("Tls.ClientCaFile", config.clientCaFile(), f.clientCa)
                : List.of();
        return new Material(chain, key, cas);
    }

    private void install(Material m) throws GeneralSecurityException {
        if (clientTrust != null) {
            try {
                clientTrust.updateTrustCredentials(m.clientCas.toArray(X509Certificate[]::new));
            } catch (java.io.IOException e) {
                throw new GeneralSecurityException(e.getMessage(), e);
            }
        }
        keyManager.updateIdentityCredentials(m.chain.toArray(X509Certificate[]::new), m.key);
        current = m.chain.get(0);
        try {
            current.checkValidity();
        } catch (java.security.cert.CertificateException e) {
            // served anyway: refusing to start or to reload would not give clients a better certificate
            log.warn("the TLS certificate in use is not valid now ({}): clients will refuse it",
                    Pem.describe(current));
        }
    }

    @Override
    public void close() {
        if (reloader != null) {
            reloader.shutdownNow();
        }
    }
}
