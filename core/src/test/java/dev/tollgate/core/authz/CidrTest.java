package dev.tollgate.core.authz;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** IP blocks as COND describes source.ip/destination.ip ("supports single IP or CIDR"), hostile text included. */
class CidrTest {

    @ParameterizedTest(name = "{0} contains {1}: {2}")
    @CsvSource({
            "10.1.2.3, 10.1.2.3, true",
            "10.1.2.3, 10.1.2.4, false",
            "10.0.0.0/8, 10.255.1.1, true",
            "10.0.0.0/8, 11.0.0.1, false",
            "10.1.2.3/8, 10.9.9.9, true",          // host bits are masked, as Envoy does
            "0.0.0.0/0, 203.0.113.4, true",
            "192.168.1.128/25, 192.168.1.200, true",
            "192.168.1.128/25, 192.168.1.100, false",
            "2001:db8::/32, 2001:db8:ffff::1, true",
            "2001:db8::/32, 2001:db9::1, false",
            "::1, ::1, true",
            "::1, 0:0:0:0:0:0:0:1, true",
            "::ffff:10.0.0.0/104, ::ffff:10.1.2.3, true",
            "fe80::/10, fe80::1%eth0, true",        // a zone id is not part of the address
            "::/0, 10.0.0.1, false",                // families never mix
            "0.0.0.0/0, ::ffff:10.0.0.1, false",
            "10.0.0.1, 010.0.0.1, false",           // no octal reading of leading zeros
            "10.0.0.1, 10.0.0.1.1, false",
            "10.0.0.1, 10.0.0, false",
            "10.0.0.1, 10.0.0.256, false",
            "10.0.0.1, ' 10.0.0.1', false",
            "::1, :::1, false",
            "::1, 1::2::3, false",
            "::1, 12345::1, false",
            "::1, '', false",
    })
    void containment(String block, String ip, boolean expected) {
        assertThat(Cidr.parse(block)).isPresent();
        assertThat(Cidr.parse(block).get().contains(ip)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} is not an IP block")
    @CsvSource({"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8/8", "abc", "1.2.3", "1.2.3.4.5",
            "'1.2.3.4 /8'", "g::1", "1:2:3:4:5:6:7:8:9"})
    void rejects(String text) {
        assertThat(Cidr.parse(text)).isEmpty();
    }
}
