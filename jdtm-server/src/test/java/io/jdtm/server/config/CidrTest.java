package io.jdtm.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CidrTest {

    @ParameterizedTest(name = "{0} contains {1}: {2}")
    @CsvSource({
        "10.0.0.0/8, 10.255.255.255, true",
        "10.0.0.0/8, 11.0.0.0, false",
        "10.0.0.0/9, 10.127.255.255, true",
        "10.0.0.0/9, 10.128.0.0, false",
        "10.1.2.3/8, 10.9.9.9, true",
        "192.0.2.7, 192.0.2.7, true",
        "192.0.2.7, 192.0.2.8, false",
        "0.0.0.0/0, 203.0.113.9, true",
        "0.0.0.0/0, ::1, false",
        "169.254.0.0/16, ::ffff:169.254.169.254, true",
        "::1/128, ::1, true",
        "::1, 0:0:0:0:0:0:0:1, true",
        "::1/128, 127.0.0.1, false",
        "fd00::/8, fd12:3456::1, true",
        "fd00::/8, fe80::1, false",
        "fd00:ec2::254, fd00:ec2:0:0:0:0:0:254, true",
        "::/0, 2001:db8::1, true"
    })
    void contains(String cidr, String address, boolean expected) {
        assertThat(Cidr.parse(cidr).contains(InetAddresses.forString(address))).isEqualTo(expected);
    }

    @Test
    void hostBitsAreDroppedAndTheTextIsCanonical() {
        assertThat(Cidr.parse("10.1.2.3/8")).hasToString("10.0.0.0/8").isEqualTo(Cidr.parse("10.0.0.0/8"));
        assertThat(Cidr.parse(" fd00:EC2:0::254 ")).hasToString("fd00:ec2::254/128");
        assertThat(Cidr.parse("192.0.2.7")).hasToString("192.0.2.7/32");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        10.0.0.0/33      | bad prefix length: expected 0-32
        ::/129           | bad prefix length: expected 0-128
        10.0.0.0/-1      | bad prefix length
        10.0.0.0/        | bad prefix length
        10.0.0.0/8/9     | bad prefix length
        example.com      | is not an IP address or CIDR range
        10.0.0           | is not an IP address or CIDR range
        2852039166       | is not an IP address or CIDR range
        ''               | is not an IP address or CIDR range
        """)
    void badTextIsRefusedNamingIt(String text, String message) {
        assertThatThrownBy(() -> Cidr.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text + "'").hasMessageContaining(message);
    }
}
