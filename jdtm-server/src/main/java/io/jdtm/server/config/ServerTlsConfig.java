package io.jdtm.server.config;

/**
 * The {@code Tls} section (jdtm only): TLS on the HTTP and gRPC listeners, one certificate for both. Off by default
 * (no files). See docs/security.md.
 *
 * @param certFile {@code Tls.CertFile}: PEM certificate chain, the server's certificate first
 * @param keyFile {@code Tls.KeyFile}: PEM private key of that certificate (PKCS#8, or PKCS#1 for RSA), unencrypted
 * @param clientCaFile {@code Tls.ClientCaFile}: PEM CA certificates; when set, every client must present a
 *     certificate signed by one of them (mutual TLS)
 * @param reloadInterval {@code Tls.ReloadInterval}: seconds between checks of the three files; changed files are
 *     loaded and used for new connections without a restart. 0 = read once at start
 */
public record ServerTlsConfig(String certFile, String keyFile, String clientCaFile, long reloadInterval) {

    public static ServerTlsConfig defaults() {
        return new ServerTlsConfig("", "", "", 60);
    }

    /** True when the listeners speak TLS. */
    public boolean enabled() {
        return !certFile.isBlank();
    }

    /** True when clients must present a certificate. */
    public boolean clientAuth() {
        return !clientCaFile.isBlank();
    }
}
