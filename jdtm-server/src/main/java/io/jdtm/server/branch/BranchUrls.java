package io.jdtm.server.branch;

import com.google.common.net.HostAndPort;
import com.google.common.net.InetAddresses;
import io.jdtm.protocol.Ops;
import io.jdtm.server.config.BranchPolicyConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The forms a branch URL and a branch header may take (spec §5), checked when a transaction is stored and again
 * before each call. Only what can be sent as written is accepted: printable ASCII without spaces (a control
 * character, a space or a non-ASCII character is refused, never encoded on the way), a {@code http}/{@code https}
 * URL that {@link URI} parses, with a host name or IP literal and no user info, or a gRPC target
 * {@code host:port/package.Service/Method} of DTM's default driver. Every method is a pure function; thread-safe.
 */
public final class BranchUrls {

    /** Where a branch URL leads: scheme {@code http}, {@code https} or {@code grpc}, host and port. */
    public record Destination(String scheme, String host, int port) {
        /** Whether the host is an IP literal (kept in canonical form, IPv6 without brackets). */
        public boolean literal() {
            return InetAddresses.isInetAddress(host);
        }
    }

    /** A gRPC branch URL split as DTM's default driver splits it: dial target, full method name. */
    record GrpcTarget(String authority, String fullMethod) {}

    /** Header names that frame the HTTP message or the connection: set by the transport, never by a client. */
    private static final Set<String> FRAMING_HEADERS = Set.of("content-length", "transfer-encoding", "host",
            "connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade");

    /** RFC 9110 token characters, which a header name is made of. */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    /** gRPC metadata key characters (after lower-casing). */
    private static final Pattern GRPC_KEY = Pattern.compile("[0-9a-z_.-]+");
    /** A gRPC full method name: {@code package.Service/Method}. */
    private static final Pattern GRPC_METHOD = Pattern.compile("[A-Za-z0-9_.$-]+/[A-Za-z0-9_.$-]+");

    private static final String FORMS =
            "branch URLs are http(s) URLs or gRPC targets (host:port/package.Service/Method)";

    private BranchUrls() {}

    /**
     * Parses a branch URL the way {@link BranchCaller} will call it in a transaction of {@code protocol}: an
     * {@code http}/{@code https} URL for {@code http} and {@code json-rpc} (also {@code ""}); in a {@code grpc}
     * transaction a URL starting with {@code http://} or {@code https://} is called over HTTP, anything else is a
     * gRPC target. {@code protocol} null means "either form" (a topic subscriber serves msgs of any protocol).
     *
     * @throws IllegalArgumentException saying what is wrong, quoting the URL
     */
    public static Destination parse(String url, String protocol) {
        if (protocol != null && !protocol.equals(Ops.PROTOCOL_GRPC)) {
            return http(url);
        }
        return isHttpPrefixed(url) ? http(url) : grpc(url);
    }

    /** Spec §5: a gRPC transaction calls a URL over HTTP when it starts with {@code http://} or {@code https://}. */
    static boolean isHttpPrefixed(String url) {
        return url.startsWith("http://") || url.startsWith("https://");
    }

    /** An {@code http}/{@code https} URL; the scheme may be in any case, as {@link URI} reads it. */
    static Destination http(String url) {
        printable(url);
        URI u;
        try {
            u = new URI(url);
        } catch (URISyntaxException e) {
            throw bad(url, "is not a valid URL: " + e.getReason() + " at index " + e.getIndex());
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw bad(url, scheme.isEmpty() ? "is not an http(s) URL (expected http://host[:port]/path)"
                    : "has scheme '" + u.getScheme() + "': " + FORMS);
        }
        if (u.getRawUserInfo() != null) {
            throw bad(url, "carries user info (user:password@); jdtm does not send it: put an Authorization header"
                    + " in the transaction's branch_headers instead");
        }
        if (u.getHost() == null) {
            throw bad(url, u.getRawAuthority() == null ? "has no host"
                    : "has a host that is not a host name or IP address ('" + u.getRawAuthority() + "'; host names"
                            + " are letters, digits, '-' and '.')");
        }
        int port = u.getPort() < 0 ? (scheme.equals("https") ? 443 : 80) : u.getPort();
        if (port < 1 || port > 65535) {
            throw bad(url, "has port " + u.getPort() + ", outside 1-65535");
        }
        return new Destination(scheme, host(u.getHost(), url), port);
    }

    /** A gRPC target of DTM's default driver: {@code host:port/package.Service/Method}. */
    static Destination grpc(String url) {
        GrpcTarget t = grpcTarget(url);
        HostAndPort hp;
        try {
            hp = HostAndPort.fromString(t.authority()).requireBracketsForIPv6();
        } catch (IllegalArgumentException e) {
            throw bad(url, "has a dial target '" + t.authority() + "' that is not host:port");
        }
        if (!hp.hasPort()) {
            throw bad(url, "has no port in its dial target '" + t.authority()
                    + "' (expected host:port/package.Service/Method)");
        }
        if (hp.getPort() < 1) {
            throw bad(url, "has port 0 in its dial target");
        }
        return new Destination("grpc", host(hp.getHost(), url), hp.getPort());
    }

    /**
     * Splits a gRPC URL as DTM's default driver does: everything before the first {@code /} is the dial target,
     * the rest the full method name.
     *
     * @throws IllegalArgumentException naming the URL when it has no {@code /}, uses a {@code scheme://} target
     *         (which needs a service-discovery driver) or has no method
     */
    static GrpcTarget grpcTarget(String url) {
        printable(url);
        int sep = url.indexOf('/');
        if (sep < 0) {
            throw bad(url, "is not a gRPC target: no '/' found (expected host:port/package.Service/Method)");
        }
        int scheme = url.indexOf("://");
        if (scheme >= 0) {
            throw bad(url, "has scheme '" + url.substring(0, scheme) + "': " + FORMS + "; a scheme:// gRPC target"
                    + " needs a service-discovery driver, which jdtm does not have (only DTM's default driver)");
        }
        String method = url.substring(sep + 1);
        if (sep == 0 || !GRPC_METHOD.matcher(method).matches()) {
            throw bad(url, "is not a gRPC target (expected host:port/package.Service/Method)");
        }
        return new GrpcTarget(url.substring(0, sep), method);
    }

    /**
     * The URL as it goes on the wire: without its {@code #fragment}, which an HTTP client never sends (DTM's Go
     * client drops it too).
     */
    static String withoutFragment(String url) {
        int hash = url.indexOf('#');
        return hash < 0 ? url : url.substring(0, hash);
    }

    /**
     * Checks one of a transaction's {@code branch_headers}: the name a header token (for a {@code grpc}
     * transaction also a gRPC metadata key: {@code a-z 0-9 - _ .} in any case, not starting with {@code grpc-}),
     * not one that frames the message ({@code Content-Length}, {@code Transfer-Encoding}, {@code Host},
     * {@code Connection}, …); the value printable ASCII, spaces and tabs (any text for a gRPC {@code -bin} key,
     * which travels base64-encoded).
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static void checkHeader(String name, String value, String protocol) {
        if (name == null || !TOKEN.matcher(name).matches()) {
            throw new IllegalArgumentException("header name '" + visible(name) + "' is not a token (letters, digits"
                    + " and !#$%&'*+-.^_`|~ only)");
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (FRAMING_HEADERS.contains(lower)) {
            throw new IllegalArgumentException("header " + name + " is set by jdtm for each call and cannot be"
                    + " given in branch_headers");
        }
        boolean grpc = Ops.PROTOCOL_GRPC.equals(protocol);
        if (grpc && (!GRPC_KEY.matcher(lower).matches() || lower.startsWith("grpc-"))) {
            throw new IllegalArgumentException("header name '" + name + "' is not a gRPC metadata key (a-z, 0-9,"
                    + " '-', '_', '.'; not starting with grpc-)");
        }
        if (value == null) {
            throw new IllegalArgumentException("header " + name + " has no value");
        }
        if (grpc && lower.endsWith("-bin")) {
            return;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c > 0x7e) {
                throw new IllegalArgumentException("header " + name + " has " + describe(c) + " at position " + i
                        + " of its value; values are printable ASCII");
            }
        }
    }

    /** A host as the policy compares it: lower case, IP literals canonical and without brackets. */
    private static String host(String raw, String url) {
        String h = raw.startsWith("[") && raw.endsWith("]") ? raw.substring(1, raw.length() - 1) : raw;
        if (InetAddresses.isInetAddress(h)) {
            return InetAddresses.toAddrString(InetAddresses.forString(h));
        }
        if (!BranchPolicyConfig.isHostName(h)) {
            throw bad(url, "has a host '" + raw + "' that is not a host name or IP address (host names are letters,"
                    + " digits, '-' and '.')");
        }
        String lower = h.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    /** Refuses what cannot be sent as written: controls, spaces, DEL and anything beyond ASCII. */
    private static void printable(String url) {
        for (int i = 0; i < url.length(); i++) {
            char c = url.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw bad(url, "has " + describe(c) + " at position " + i + "; a branch URL is printable ASCII:"
                        + " percent-encode other characters, and write host names in their ASCII (xn--) form");
            }
        }
    }

    private static String describe(char c) {
        if (c == ' ') {
            return "a space";
        }
        if (c < 0x20 || c == 0x7f) {
            return String.format("control character U+%04X", (int) c);
        }
        return String.format("non-ASCII character U+%04X", (int) c);
    }

    private static IllegalArgumentException bad(String url, String what) {
        return new IllegalArgumentException("'" + visible(url) + "' " + what);
    }

    /** The text with control characters shown as {@code \r}, {@code \n} or {@code \}{@code uXXXX}, cut at 300. */
    static String visible(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), 300) + 16);
        for (int i = 0; i < s.length() && i < 300; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\r' -> b.append("\\r");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\u%04X", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return s.length() > 300 ? b.append("…").toString() : b.toString();
    }
}
