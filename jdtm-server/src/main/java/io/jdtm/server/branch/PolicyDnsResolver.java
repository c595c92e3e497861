package io.jdtm.server.branch;

import io.helidon.webclient.api.DnsAddressLookup;
import io.helidon.webclient.spi.DnsResolver;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Helidon's resolver hook for HTTP branch calls: resolves through the {@link DestinationPolicy}, so the client
 * connects to the very address that passed the policy (no second lookup a changed DNS answer could redirect).
 * Called for each new connection; kept-alive connections were checked when they were opened. Thread-safe.
 */
final class PolicyDnsResolver implements DnsResolver {
    private final DestinationPolicy policy;

    PolicyDnsResolver(DestinationPolicy policy) {
        this.policy = policy;
    }

    @Override
    public boolean useDefaultJavaResolver() {
        return false;
    }

    /**
     * @throws DestinationPolicy.Refused when every address of the host is refused
     * @throws UncheckedIOException when the host does not resolve
     */
    @Override
    public InetAddress resolveAddress(String hostname, DnsAddressLookup lookup) {
        try {
            return policy.resolve(hostname).getFirst();
        } catch (UnknownHostException e) {
            throw new UncheckedIOException("cannot resolve " + hostname, e);
        }
    }
}
