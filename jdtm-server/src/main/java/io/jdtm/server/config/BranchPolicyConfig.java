package io.jdtm.server.config;

import com.google.common.net.InetAddresses;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The {@code BranchPolicy} section (jdtm only): where branch calls may go (docs/security.md, "Branch
 * destinations"). Every list is one comma-separated string, in YAML and in the environment alike; an empty list
 * puts no limit. The defaults allow every destination except cloud metadata addresses.
 *
 * @param allowHosts {@code AllowHosts}: host names ({@code svc.corp.example}) or wildcards ({@code *.corp.example},
 *     any name below it); when this or {@code AllowCidrs} is set, a destination must match one of the two
 * @param denyHosts {@code DenyHosts}: host names or wildcards never called
 * @param allowCidrs {@code AllowCidrs}: address ranges ({@code 10.0.0.0/8}, {@code fd00::/8}) a destination may
 *     resolve to
 * @param denyCidrs {@code DenyCidrs}: address ranges never connected to, checked after DNS resolution
 * @param allowPorts {@code AllowPorts}: ports ({@code 443}) or ranges ({@code 8000-8999}); empty = any
 * @param allowSchemes {@code AllowSchemes}: among {@code http}, {@code https}, {@code grpc}; empty = all three
 * @param allowMetadata {@code AllowMetadata}: {@code true} lets branch calls reach cloud metadata addresses;
 *     {@code false} (the default) refuses them
 */
public record BranchPolicyConfig(
        String allowHosts,
        String denyHosts,
        String allowCidrs,
        String denyCidrs,
        String allowPorts,
        String allowSchemes,
        String allowMetadata) {

    /** The schemes a branch URL can have; {@code grpc} stands for gRPC targets ({@code host:port/pkg.Svc/Method}). */
    public static final List<String> SCHEMES = List.of("http", "https", "grpc");

    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    public static BranchPolicyConfig defaults() {
        return new BranchPolicyConfig("", "", "", "", "", "", "false");
    }

    /** {@link #allowHosts} as entries: split on commas, blanks dropped. */
    public List<String> allowHostList() {
        return AuthConfig.split(allowHosts);
    }

    public List<String> denyHostList() {
        return AuthConfig.split(denyHosts);
    }

    public List<String> allowCidrList() {
        return AuthConfig.split(allowCidrs);
    }

    public List<String> denyCidrList() {
        return AuthConfig.split(denyCidrs);
    }

    public List<String> allowPortList() {
        return AuthConfig.split(allowPorts);
    }

    public List<String> allowSchemeList() {
        return AuthConfig.split(allowSchemes);
    }

    /** Whether {@link #allowMetadata} is {@code true} (in any case). */
    public boolean metadataAllowed() {
        return allowMetadata.strip().equalsIgnoreCase("true");
    }

    /** One bad entry: the key's YAML path and what is wrong with the entry. */
    public record Problem(String key, String what) {}

    /** Every entry that does not parse, each naming its key; empty when the section is valid. */
    public List<Problem> problems() {
        List<Problem> out = new ArrayList<>();
        check(out, "AllowHosts", allowHostList(), BranchPolicyConfig::hostPattern);
        check(out, "DenyHosts", denyHostList(), BranchPolicyConfig::hostPattern);
        check(out, "AllowCidrs", allowCidrList(), Cidr::parse);
        check(out, "DenyCidrs", denyCidrList(), Cidr::parse);
        check(out, "AllowPorts", allowPortList(), PortRange::parse);
        check(out, "AllowSchemes", allowSchemeList(), BranchPolicyConfig::scheme);
        String m = allowMetadata.strip();
        if (!m.equalsIgnoreCase("true") && !m.equalsIgnoreCase("false")) {
            out.add(new Problem("BranchPolicy.AllowMetadata", "must be true or false"));
        }
        return out;
    }

    private static void check(List<Problem> out, String key, List<String> entries, Function<String, ?> parse) {
        for (String e : entries) {
            try {
                parse.apply(e);
            } catch (IllegalArgumentException ex) {
                out.add(new Problem("BranchPolicy." + key, "has a bad entry: " + ex.getMessage()));
            }
        }
    }

    /** A port or an inclusive range of ports. */
    public record PortRange(int from, int to) {
        /** @throws IllegalArgumentException unless the text is {@code N} or {@code N-M} within 1-65535 */
        public static PortRange parse(String text) {
            String t = text.strip();
            int dash = t.indexOf('-');
            String a = dash < 0 ? t : t.substring(0, dash).strip();
            String b = dash < 0 ? t : t.substring(dash + 1).strip();
            if (!a.matches("[0-9]{1,5}") || !b.matches("[0-9]{1,5}")) {
                throw new IllegalArgumentException("'" + text + "' is not a port (443) or a port range (8000-8999)");
            }
            int from = Integer.parseInt(a);
            int to = Integer.parseInt(b);
            if (from < 1 || to > 65535 || from > to) {
                throw new IllegalArgumentException("'" + text + "' is not within 1-65535, low to high");
            }
            return new PortRange(from, to);
        }

        public boolean contains(int port) {
            return port >= from && port <= to;
        }

        @Override
        public String toString() {
            return from == to ? Integer.toString(from) : from + "-" + to;
        }
    }

    /**
     * A host name, an IP literal (IPv6 with or without brackets), or a wildcard {@code *.name} (any name below
     * {@code name}, not {@code name} itself); returned lower-cased, without a final dot, IP addresses in their
     * canonical form.
     *
     * @throws IllegalArgumentException naming the text when it is none of these
     */
    public static String hostPattern(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        if (InetAddresses.isInetAddress(t)) {
            return InetAddresses.toAddrString(InetAddresses.forString(t));
        }
        if (!isHostName(t.startsWith("*.") ? t.substring(2) : t)) {
            throw new IllegalArgumentException("'" + text + "' is not a host name (svc.corp.example), a wildcard"
                    + " (*.corp.example) or an IP address");
        }
        return t.endsWith(".") ? t.substring(0, t.length() - 1) : t;
    }

    /** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens; an optional final dot. */
    public static boolean isHostName(String s) {
        String n = s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
        if (n.isEmpty() || n.length() > 253) {
            return false;
        }
        for (String label : n.toLowerCase(Locale.ROOT).split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }

    /** @throws IllegalArgumentException unless the text is one of {@link #SCHEMES} */
    public static String scheme(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (!SCHEMES.contains(t)) {
            throw new IllegalArgumentException("'" + text + "' is not one of " + String.join(", ", SCHEMES));
        }
        return t;
    }
}
