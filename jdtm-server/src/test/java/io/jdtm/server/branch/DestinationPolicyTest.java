package io.jdtm.server.branch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import io.jdtm.server.config.BranchPolicyConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the destination policy refuses before DNS (from the URL) and after (from the addresses). */
class DestinationPolicyTest {

    /** A policy from comma-separated values, in the config's order. */
    private static DestinationPolicy policy(String allowHosts, String denyHosts, String allowCidrs, String denyCidrs,
            String allowPorts, String allowSchemes, boolean allowMetadata) {
        return DestinationPolicy.from(new BranchPolicyConfig(allowHosts, denyHosts, allowCidrs, denyCidrs, allowPorts,
                allowSchemes, Boolean.toString(allowMetadata)));
    }

    private static Optional<String> refusal(DestinationPolicy p, String url) {
        return p.refusal(BranchUrls.parse(url, null));
    }

    /** A resolver with fixed answers: the DNS a test needs, including one that would rebind. */
    private static DestinationPolicy.Resolver dns(Map<String, List<String>> answers) {
        return host -> {
            List<String> a = answers.get(host);
            if (a == null) {
                throw new UnknownHostException(host);
            }
            return a.stream().map(InetAddresses::forString).toArray(InetAddress[]::new);
        };
    }

    // ---------------------------------------------------------------- defaults

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:36789/api", "http://localhost/x", "https://svc.corp.example/x",
        "localhost:50051/busi.Busi/TransOut", "http://[::1]:8080/x", "http://10.1.2.3/x", "http://169.253.0.1/x"})
    void byDefaultEverythingButMetadataIsAllowed(String url) {
        assertThat(refusal(DestinationPolicy.DEFAULT, url)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://169.254.169.254/latest/meta-data/", "http://169.254.170.2/v2/credentials",
        "http://[fd00:ec2::254]/latest", "http://100.100.100.200/latest/meta-data", "http://168.63.129.16/machine",
        "http://[::ffff:169.254.169.254]/", "169.254.169.254:80/a.B/C", "http://metadata.google.internal/v1/",
        "http://METADATA.goog./computeMetadata"})
    void cloudMetadataIsRefusedByDefault(String url) {
        assertThat(refusal(DestinationPolicy.DEFAULT, url)).hasValueSatisfying(why -> assertThat(why)
                .startsWith(DestinationPolicy.REFUSED).contains("metadata").contains("BranchPolicy.AllowMetadata"));
        assertThat(refusal(policy("", "", "", "", "", "", true), url)).isEmpty();
    }

    @Test
    void aNameThatResolvesToMetadataIsRefusedAtResolution() throws Exception {
        DestinationPolicy p = DestinationPolicy.DEFAULT.withResolver(dns(Map.of("imds.example", List.of(
                "169.254.169.254"))));
        assertThat(refusal(p, "http://imds.example/")).isEmpty();
        assertThatThrownBy(() -> p.resolve("imds.example")).isInstanceOf(DestinationPolicy.Refused.class)
                .hasMessage(DestinationPolicy.REFUSED + "imds.example resolves to 169.254.169.254, which is a cloud"
                        + " metadata or link-local address (169.254.0.0/16; set BranchPolicy.AllowMetadata to allow"
                        + " it)");
    }

    // ---------------------------------------------------------------- hosts

    @Test
    void denyHostsMatchExactNamesAndNamesBelowAWildcard() {
        DestinationPolicy p = policy("", "*.corp.example,db.example", "", "", "", "", false);
        assertThat(refusal(p, "http://db.corp.example/x")).hasValue(DestinationPolicy.REFUSED
                + "host db.corp.example matches '*.corp.example' in BranchPolicy.DenyHosts");
        assertThat(refusal(p, "http://a.b.corp.example/x")).isPresent();
        assertThat(refusal(p, "http://DB.example./x")).hasValueSatisfying(w -> assertThat(w).contains("'db.example'"));
        assertThat(refusal(p, "a.corp.example:443/a.B/C")).isPresent();
        // the wildcard is for names below it; the apex and look-alikes are other hosts
        assertThat(refusal(p, "http://corp.example/x")).isEmpty();
        assertThat(refusal(p, "http://xcorp.example/x")).isEmpty();
        assertThat(refusal(p, "http://db.example.org/x")).isEmpty();
    }

    @Test
    void allowHostsAloneRefusesEveryOtherNameBeforeDns() throws Exception {
        DestinationPolicy p = policy("*.corp.example,[::1]", "", "", "", "", "", false)
                .withResolver(dns(Map.of("svc.corp.example", List.of("10.0.0.5"))));
        assertThat(refusal(p, "http://svc.corp.example/x")).isEmpty();
        assertThat(refusal(p, "http://[0::1]:8080/x")).isEmpty();
        assertThat(refusal(p, "http://evil.example/x")).hasValue(DestinationPolicy.REFUSED
                + "host evil.example is not in BranchPolicy.AllowHosts (*.corp.example, ::1)");
        assertThat(refusal(p, "http://10.0.0.5/x")).hasValue(DestinationPolicy.REFUSED
                + "10.0.0.5 is neither in BranchPolicy.AllowHosts nor in BranchPolicy.AllowCidrs");
        assertThat(p.resolve("svc.corp.example")).containsExactly(InetAddresses.forString("10.0.0.5"));
    }

    @Test
    void allowHostsOrAllowCidrsLetsANameThroughWhenItsAddressIsAllowed() throws Exception {
        DestinationPolicy p = policy("*.corp.example", "", "10.0.0.0/8", "", "", "", false)
                .withResolver(dns(Map.of("partner.example", List.of("10.9.9.9"), "evil.example",
                        List.of("203.0.113.7"))));
        assertThat(refusal(p, "http://evil.example/x")).isEmpty(); // only DNS can tell
        assertThat(p.resolve("partner.example")).containsExactly(InetAddresses.forString("10.9.9.9"));
        assertThatThrownBy(() -> p.resolve("evil.example")).isInstanceOf(DestinationPolicy.Refused.class)
                .hasMessage(DestinationPolicy.REFUSED + "evil.example resolves to 203.0.113.7, which is neither in"
                        + " BranchPolicy.AllowHosts nor in BranchPolicy.AllowCidrs");
        assertThat(refusal(p, "http://10.1.1.1/x")).isEmpty();
        assertThat(refusal(p, "http://192.0.2.1/x")).isPresent();
    }

    // ---------------------------------------------------------------- addresses

    @Test
    void denyCidrsRefuseLiteralsBeforeDnsInBothFamilies() {
        DestinationPolicy p = policy("", "", "", "10.0.0.0/8,fd00::/8", "", "", false);
        assertThat(refusal(p, "http://10.1.2.3:8080/x")).hasValue(DestinationPolicy.REFUSED
                + "10.1.2.3 is in 10.0.0.0/8 of BranchPolicy.DenyCidrs");
        assertThat(refusal(p, "[fd12::1]:50051/a.B/C")).hasValue(DestinationPolicy.REFUSED
                + "fd12::1 is in fd00::/8 of BranchPolicy.DenyCidrs");
        assertThat(refusal(p, "http://11.0.0.1/x")).isEmpty();
        assertThat(refusal(p, "http://[fe80::1]/x")).isEmpty();
    }

    @Test
    void aHostThatResolvesToADeniedAddressIsRefusedAtResolution() {
        // the real resolver: localhost is 127.0.0.1 (and ::1 where the hosts file says so)
        DestinationPolicy p = policy("", "", "", "127.0.0.0/8,::1", "", "", false);
        assertThat(refusal(p, "http://localhost:8080/x")).isEmpty();
        assertThatThrownBy(() -> p.resolve("localhost")).isInstanceOf(DestinationPolicy.Refused.class)
                .hasMessageStartingWith(DestinationPolicy.REFUSED + "localhost resolves to ")
                .hasMessageContaining("of BranchPolicy.DenyCidrs");
    }

    @Test
    void onlyAddressesThatPassAreConnectedTo() throws Exception {
        DestinationPolicy p = policy("", "", "", "10.0.0.0/8", "", "", false).withResolver(dns(Map.of(
                "rebind.example", List.of("10.0.0.5", "203.0.113.7", "169.254.169.254", "10.0.0.6"))));
        assertThat(p.resolve("rebind.example")).containsExactly(InetAddresses.forString("203.0.113.7"));
        assertThatThrownBy(() -> p.resolve("nowhere.example")).isInstanceOf(UnknownHostException.class);
    }

    @Test
    void denyWinsOverAllow() {
        DestinationPolicy p = policy("*.corp.example", "db.corp.example", "10.0.0.0/8", "10.6.0.0/16", "", "",
                false);
        assertThat(refusal(p, "http://db.corp.example/x")).isPresent();
        assertThat(refusal(p, "http://10.6.1.1/x")).hasValueSatisfying(w -> assertThat(w).contains("DenyCidrs"));
        assertThat(refusal(p, "http://10.7.1.1/x")).isEmpty();
    }

    // ---------------------------------------------------------------- ports and schemes

    @Test
    void portsAndSchemesAreCheckedFromTheUrl() {
        DestinationPolicy p = policy("", "", "", "", "443,8000-8999", "https,grpc", false);
        assertThat(refusal(p, "https://svc.example/x")).isEmpty();
        assertThat(refusal(p, "svc.example:8081/a.B/C")).isEmpty();
        assertThat(refusal(p, "http://svc.example:8080/x")).hasValue(DestinationPolicy.REFUSED
                + "scheme http is not in BranchPolicy.AllowSchemes (https, grpc)");
        assertThat(refusal(p, "https://svc.example:9000/x")).hasValue(DestinationPolicy.REFUSED
                + "port 9000 is not in BranchPolicy.AllowPorts (443, 8000-8999)");
        assertThat(refusal(p, "svc.example:22/a.B/C")).isPresent();
    }

    @Test
    void aConfigBuiltInCodeWithABadEntryIsRefused() {
        assertThatThrownBy(() -> policy("", "", "", "10.0.0.0/40", "", "", false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10.0.0.0/40");
    }
}
