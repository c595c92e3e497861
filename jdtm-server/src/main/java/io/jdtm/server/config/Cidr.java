package io.jdtm.server.config;

import com.google.common.net.InetAddresses;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;

/**
 * A range of IP addresses in CIDR notation: {@code 10.0.0.0/8}, {@code fd00:ec2::254/128}; a bare address means
 * that one address ({@code /32} or {@code /128}). Host bits below the prefix are ignored, as Go's
 * {@code net.ParseCIDR} does ({@code 10.1.2.3/8} is {@code 10.0.0.0/8}). Parsing never touches DNS. An IPv4-mapped
 * IPv6 address ({@code ::ffff:169.254.169.254}) is matched as the IPv4 address it carries. Immutable.
 */
public final class Cidr {
    private final byte[] network;
    private final int prefix;

    private Cidr(byte[] network, int prefix) {
        this.network = network;
        this.prefix = prefix;
    }

    /**
     * @throws IllegalArgumentException naming the text when it is not an IP literal with an optional
     *         {@code /prefix} that fits the address family
     */
    public static Cidr parse(String text) {
        String t = text.strip();
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        InetAddress a;
        try {
            a = InetAddresses.forString(addr);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR range (e.g. 10.0.0.0/8,"
                    + " fd00::/8)");
        }
        byte[] bytes = canonical(a);
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String p = t.substring(slash + 1);
            if (!p.matches("[0-9]{1,3}") || Integer.parseInt(p) > bits) {
                throw new IllegalArgumentException("'" + text + "' has a bad prefix length: expected 0-" + bits);
            }
            prefix = Integer.parseInt(p);
        }
        return new Cidr(mask(bytes, prefix), prefix);
    }

    /** Whether the address lies in this range (never for the other address family). */
    public boolean contains(InetAddress address) {
        byte[] a = canonical(address);
        return a.length == network.length && Arrays.equals(mask(a, prefix), network);
    }

    /** IPv4-mapped IPv6 addresses as their 4 IPv4 bytes; any other address as is. */
    private static byte[] canonical(InetAddress a) {
        byte[] b = a.getAddress();
        if (a instanceof Inet6Address && isMapped(b)) {
            return Arrays.copyOfRange(b, 12, 16);
        }
        return b;
    }

    private static boolean isMapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }

    private static byte[] mask(byte[] b, int prefix) {
        byte[] out = b.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] &= (byte) (0xff << (8 - keep));
        }
        return out;
    }

    @Override
    public String toString() {
        try {
            InetAddress a = network.length == 4 ? Inet4Address.getByAddress(network) : Inet6Address.getByAddress(
                    null, network, null);
            return InetAddresses.toAddrString(a) + "/" + prefix;
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e); // 4 or 16 bytes are always an address
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefix;
    }
}
