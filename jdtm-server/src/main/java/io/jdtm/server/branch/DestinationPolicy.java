package io.jdtm.server.branch;

import com.google.common.net.InetAddresses;
import io.jdtm.server.config.BranchPolicyConfig;
import io.jdtm.server.config.BranchPolicyConfig.PortRange;
import io.jdtm.server.config.Cidr;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where branch calls may go (config section {@code BranchPolicy}; docs/security.md, "Branch destinations"). A
 * destination is a scheme, a host and a port; once the host is resolved, every address is checked too, and the
 * transports connect only to an address that passed ({@link #resolve}), so a DNS answer that changes between the
 * check and the connection (DNS rebinding) cannot lead elsewhere.
 *
 * <p>The rules, in order: the scheme must be in {@code AllowSchemes} and the port in {@code AllowPorts} (when
 * set); a host name in {@code DenyHosts} is refused; cloud metadata addresses (and the names that lead to them) are
 * refused unless {@code AllowMetadata}; an address in {@code DenyCidrs} is refused; when {@code AllowHosts} or
 * {@code AllowCidrs} is set, the host name must be in {@code AllowHosts} or the address in {@code AllowCidrs}.
 * Deny wins over allow. With no configuration only the metadata rule applies.
 *
 * <p>{@link #refusal} decides what is known from the URL alone (scheme, port, host name, literal address): the
 * server refuses such URLs when a transaction is stored. What depends on DNS is decided by {@link #resolve} at
 * call time; a refusal then is a retryable branch error (never a FAILURE) whose text starts with
 * {@link #REFUSED}. Immutable and thread-safe.
 */
public final class DestinationPolicy {

    /** How every refusal's text starts, so it can be recognised wherever it surfaces. */
    public static final String REFUSED = "refused by the branch destination policy: ";

    /**
     * Cloud metadata and instance-agent addresses: the whole IPv4 link-local range (AWS, GCP, Azure, OpenStack,
     * Oracle and DigitalOcean metadata at 169.254.169.254, ECS and EKS agents at 169.254.170.x), AWS's IPv6
     * metadata and EKS agent, Alibaba Cloud's metadata, Azure's WireServer and Oracle Cloud's legacy metadata.
     */
    static final List<Cidr> METADATA_CIDRS = List.of(Cidr.parse("169.254.0.0/16"), Cidr.parse("fd00:ec2::254"),
            Cidr.parse("fd00:ec2::23"), Cidr.parse("100.100.100.200"), Cidr.parse("168.63.129.16"),
            Cidr.parse("192.0.0.192"));

    /** Names that lead to metadata services (refused before any DNS lookup). */
    static final Set<String> METADATA_HOSTS = Set.of("metadata.google.internal", "metadata.goog",
            "instance-data", "instance-data.ec2.internal");

    /** The default: everything but cloud metadata. */
    public static final DestinationPolicy DEFAULT = from(BranchPolicyConfig.defaults());

    private final BranchPolicyConfig config;
    private final List<String> allowHosts;
    private final List<String> denyHosts;
    private final List<Cidr> allowCidrs;
    private final List<Cidr> denyCidrs;
    private final List<PortRange> allowPorts;
    private final List<String> allowSchemes;
    private final boolean allowMetadata;
    private final Resolver dns;

    /** Looks a host name up; {@link #SYSTEM} is the JVM's resolver. Tests plug in a fake one. */
    @FunctionalInterface
    public interface Resolver {
        Resolver SYSTEM = InetAddress::getAllByName;

        InetAddress[] lookup(String host) throws UnknownHostException;
    }

    private DestinationPolicy(BranchPolicyConfig c, Resolver dns) {
        this.config = c;
        this.allowHosts = c.allowHostList().stream().map(BranchPolicyConfig::hostPattern).toList();
        this.denyHosts = c.denyHostList().stream().map(BranchPolicyConfig::hostPattern).toList();
        this.allowCidrs = c.allowCidrList().stream().map(Cidr::parse).toList();
        this.denyCidrs = c.denyCidrList().stream().map(Cidr::parse).toList();
        this.allowPorts = c.allowPortList().stream().map(PortRange::parse).toList();
        this.allowSchemes = c.allowSchemeList().stream().map(BranchPolicyConfig::scheme).toList();
        this.allowMetadata = c.metadataAllowed();
        this.dns = dns;
    }

    /**
     * @throws IllegalArgumentException when an entry does not parse (a config built in code and not validated;
     *         {@code ConfigLoader} reports every bad entry naming its key)
     */
    public static DestinationPolicy from(BranchPolicyConfig c) {
        return new DestinationPolicy(c, Resolver.SYSTEM);
    }

    /** The same rules with another resolver. */
    public DestinationPolicy withResolver(Resolver r) {
        return new DestinationPolicy(config, r);
    }

    /**
     * Why the destination is refused whatever its host resolves to, or empty when it may be called (subject to
     * {@link #resolve}). The text starts with {@link #REFUSED} and names the rule's key.
     */
    public Optional<String> refusal(BranchUrls.Destination d) {
        if (!allowSchemes.isEmpty() && !allowSchemes.contains(d.scheme())) {
            return refused("scheme " + d.scheme() + " is not in BranchPolicy.AllowSchemes ("
                    + String.join(", ", allowSchemes) + ")");
        }
        if (!allowPorts.isEmpty() && allowPorts.stream().noneMatch(r -> r.contains(d.port()))) {
            return refused("port " + d.port() + " is not in BranchPolicy.AllowPorts (" + join(allowPorts) + ")");
        }
        String host = d.host();
        Optional<String> deny = matching(host, denyHosts);
        if (deny.isPresent()) {
            return refused("host " + host + " matches '" + deny.get() + "' in BranchPolicy.DenyHosts");
        }
        if (!allowMetadata && METADATA_HOSTS.contains(host)) {
            return refused("host " + host + " is a cloud metadata service (set BranchPolicy.AllowMetadata to"
                    + " allow it)");
        }
        if (d.literal()) {
            return addressRefusal(host, literal(host));
        }
        if (allowCidrs.isEmpty() && !allowHosts.isEmpty() && matching(host, allowHosts).isEmpty()) {
            return refused("host " + host + " is not in BranchPolicy.AllowHosts (" + String.join(", ", allowHosts)
                    + ")");
        }
        return Optional.empty();
    }

    /**
     * Resolves a host and returns the addresses a call may connect to, in the resolver's order; an IP literal
     * resolves to itself without DNS.
     *
     * @throws Refused when every address is refused; its message starts with {@link #REFUSED} and names the
     *         first address's rule
     * @throws UnknownHostException when the name does not resolve
     */
    public List<InetAddress> resolve(String host) throws UnknownHostException {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        InetAddress[] all = InetAddresses.isInetAddress(h) ? new InetAddress[] {literal(h)} : dns.lookup(h);
        List<InetAddress> ok = new ArrayList<>(all.length);
        String firstReason = null;
        for (InetAddress a : all) {
            Optional<String> why = addressRefusal(h, a);
            if (why.isEmpty()) {
                ok.add(a);
            } else if (firstReason == null) {
                firstReason = why.get();
            }
        }
        if (ok.isEmpty()) {
            throw new Refused(firstReason != null ? firstReason : REFUSED + "host " + h + " resolves to nothing");
        }
        return ok;
    }

    /** A destination this policy refuses, found while resolving its host. Never a FAILURE: retried. */
    public static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    private Optional<String> addressRefusal(String host, InetAddress a) {
        String addr = InetAddresses.toAddrString(a);
        String where = host.equals(addr) ? addr : host + " resolves to " + addr + ", which";
        if (!allowMetadata) {
            for (Cidr c : METADATA_CIDRS) {
                if (c.contains(a)) {
                    return refused(where + " is a cloud metadata or link-local address (" + c
                            + "; set BranchPolicy.AllowMetadata to allow it)");
                }
            }
        }
        for (Cidr c : denyCidrs) {
            if (c.contains(a)) {
                return refused(where + " is in " + c + " of BranchPolicy.DenyCidrs");
            }
        }
        if (allowHosts.isEmpty() && allowCidrs.isEmpty()) {
            return Optional.empty();
        }
        if (matching(host, allowHosts).isPresent() || allowCidrs.stream().anyMatch(c -> c.contains(a))) {
            return Optional.empty();
        }
        return refused(where + " is neither in BranchPolicy.AllowHosts nor in BranchPolicy.AllowCidrs");
    }

    /** The first pattern the host matches: exactly, or below a {@code *.suffix} wildcard. */
    private static Optional<String> matching(String host, List<String> patterns) {
        for (String p : patterns) {
            if (p.startsWith("*.") ? host.endsWith(p.substring(1)) : host.equals(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private static InetAddress literal(String host) {
        return InetAddresses.forString(host);
    }

    private static Optional<String> refused(String why) {
        return Optional.of(REFUSED + why);
    }

    private static String join(List<?> l) {
        return l.stream().map(String::valueOf).collect(Collectors.joining(", "));
    }
}
