package io.jdtm.server.security;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.helidon.common.tls.Tls;
import io.jdtm.server.config.BranchTlsConfig;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.X509TrustManager;

/**
 * How jdtm checks the business services it calls over TLS (config section {@code BranchTls}): the CA certificates
 * trusted for {@code https://} branches and TLS gRPC branches ({@code BranchTls.TrustFile}, read once at start;
 * without it the JDK's trust store), and whether gRPC branches are called over TLS at all ({@code BranchTls.Grpc}).
 * Host names are always checked against the certificate. Immutable and thread-safe.
 */
public final class BranchTls {
    /** DTM's behaviour: the JDK's trust store for https branches, plaintext gRPC. */
    public static final BranchTls DEFAULT = new BranchTls(List.of(), false);

    private final List<X509Certificate> trust;
    private final boolean grpcTls;

    private BranchTls(List<X509Certificate> trust, boolean grpcTls) {
        this.trust = List.copyOf(trust);
        this.grpcTls = grpcTls;
    }

    /**
     * Reads {@code BranchTls.TrustFile} when set.
     *
     * @throws IllegalArgumentException naming the key and file when it holds no usable certificate
     */
    public static BranchTls of(BranchTlsConfig c) {
        List<X509Certificate> trust = c.trustFile().isBlank() ? List.of()
                : Pem.certificates("BranchTls.TrustFile", c.trustFile(), Pem.read("BranchTls.TrustFile", c.trustFile()));
        return new BranchTls(trust, c.grpcTls());
    }

    /** The HTTP branch client's TLS; empty for the client's default (the JDK's trust store). */
    public Optional<Tls> httpTls() {
        if (trust.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(Tls.builder().trust(trust).build());
    }

    /** The credentials of every gRPC branch channel: plaintext, or TLS with the configured trust. */
    public ChannelCredentials grpcCredentials() {
        if (!grpcTls) {
            return InsecureChannelCredentials.create();
        }
        if (trust.isEmpty()) {
            return TlsChannelCredentials.create();
        }
        X509TrustManager tm = Pem.trustManager(trust);
        return TlsChannelCredentials.newBuilder().trustManager(tm).build();
    }

    /** For the start-up log. */
    @Override
    public String toString() {
        return (trust.isEmpty() ? "the JDK's trust store" : trust.size() + " CA certificate(s) from BranchTls.TrustFile")
                + (grpcTls ? ", gRPC branches over TLS" : ", gRPC branches in plaintext");
    }
}
