package io.jdtm.server.config;

import java.util.List;

/**
 * The {@code BranchTls} section (jdtm only): how jdtm checks the certificates of the business services it calls.
 * See docs/security.md.
 *
 * @param trustFile {@code BranchTls.TrustFile}: PEM bundle of the CA certificates trusted for {@code https://}
 *     branches and TLS gRPC branches, instead of the JDK's trust store. Empty = the JDK's trust store
 * @param grpc {@code BranchTls.Grpc}: {@code plaintext} (default, as DTM) or {@code tls}: every gRPC branch call
 *     ({@code host:port/pkg.Service/Method}, which names no scheme) is made over TLS
 */
public record BranchTlsConfig(String trustFile, String grpc) {

    /** The accepted values of {@code BranchTls.Grpc}. */
    public static final List<String> GRPC_MODES = List.of("plaintext", "tls");

    public static BranchTlsConfig defaults() {
        return new BranchTlsConfig("", "plaintext");
    }

    public boolean grpcTls() {
        return grpc.equals("tls");
    }
}
