package dev.tollgate.core.model.net;

import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * IP blocks as AuthorizationPolicy (COND: source.ip/destination.ip "supports single IP or CIDR"), ServiceEntry
 * {@code addresses} and destinationSubnets write them; the cases of the former authz {@code Cidr}, registry
 * {@code IpPrefix} and routing {@code Cidr} tests, now against the one type.
 */
class IpPrefixTest {

    @ParameterizedTest(name = "{0} contains {1}: {2}")
    @CsvSource({
            "10.1.2.3, 10.1.2.3, true",
            "10.1.2.3, 10.1.2.4, false",
            "10.0.0.0/8, 10.255.1.1, true",
            "10.0.0.0/8, 11.0.0.1, false",
            "10.1.2.3/8, 10.9.9.9, true",          // host bits are masked, as Envoy's CidrRange::create does
            "0.0.0.0/0, 203.0.113.4, true",
            "192.168.1.128/25, 192.168.1.200, true",
            "192.168.1.128/25, 192.168.1.100, false",
            "192.192.192.192/24, 192.192.192.1, true", // the ServiceEntry reference's example
            "192.192.192.192/24, 192.192.193.1, false",
            "2001:db8::/32, 2001:db8:ffff::1, true",
            "2001:db8::/32, 2001:db9::1, false",
            "2001:DB8::/32, 2001:db8::5, true",
            "2001:0db8:0000:0000:0000:0000:0000:0001, 2001:db8::1, true",
            "::1, ::1, true",
            "::1, 0:0:0:0:0:0:0:1, true",
            "::ffff:10.0.0.0/104, ::ffff:10.1.2.3, true",
            "::ffff:10.0.0.0/120, ::ffff:10.0.0.7, true",
            "fe80::/10, fe80::1%eth0, false",      // a zone is no part of an address: refused, never stripped
            "::/0, 10.0.0.1, false",               // families never mix (Envoy CidrRange::isInRange)
            "0.0.0.0/0, ::1, false",
            "0.0.0.0/0, ::ffff:10.0.0.1, false",   // IPv4-mapped stays IPv6
            "10.0.0.0/8, ::ffff:10.0.0.1, false",
            "::ffff:10.0.0.1, 10.0.0.1, false",
            "10.0.0.1, 010.0.0.1, false",          // no octal reading of leading zeros
            "10.0.0.1, 10.0.0.1.1, false",
            "10.0.0.1, 10.0.0, false",
            "10.0.0.1, 10.0.0.256, false",
            "10.0.0.1, ' 10.0.0.1', false",
            "10.0.0.0/8, example.com, false",
            "::1, :::1, false",
            "::1, 1::2::3, false",
            "::1, 12345::1, false",
            "::1, '', false",
    })
    void containment(String block, String ip, boolean expected) {
        assertThat(IpPrefix.parse(block)).isPresent();
        assertThat(IpPrefix.parse(block).get().contains(ip)).isEqualTo(expected);
    }

    static Stream<Arguments> hostile() {
        return Stream.of("", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/08",
                        "10.0.0.0/8/8", "abc", "1.2.3", "1.2.3.4.5", "1.2.3.256", "01.2.3.4", "010.0.0.0/8",
                        "1.2.3.4 /8", "1.2.3.4/ 8", "1.2.3.4/1a", "g::1", "1:2:3:4:5:6:7:8:9", "::1::",
                        "2001:db8:::1", "12345::", "fe80::1%eth0", "fe80::/10%eth0", "1.2.3.4 ", " 1.2.3.4",
                        "example.com", "example.com/24", "*", "::ffff:1.2.3.999", "[::1", "[2001:db8::1]",
                        "[::1]/128", "1:2:3:4:5:6:7:8/129", "999.0.0.0/8", "10.0.0/24", "1::2::3/64",
                        "1.2.3.4/255.0.0.0", "10.0.0.0/\u0668", "\u0661\u0660.0.0.0/8")
                .map(s -> Arguments.of(Named.of("refuses \"" + s + "\"", s)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void malformedBlocksAreRefused(String text) {
        assertThat(IpPrefix.parse(text)).isEmpty();
    }

    @Test
    void aNonCanonicalBlockIsTheMaskedNetworkButRemembersWhatWasWritten() {
        IpPrefix p = IpPrefix.parse("10.0.0.1/8").orElseThrow();
        assertThat(p.isCanonical()).isFalse();
        assertThat(p.address()).hasToString("10.0.0.1");
        assertThat(p.network()).hasToString("10.0.0.0");
        assertThat(p).hasToString("10.0.0.0/8").isEqualTo(IpPrefix.parse("10.0.0.0/8").orElseThrow());
        assertThat(p.hashCode()).isEqualTo(IpPrefix.parse("10.0.0.0/8").orElseThrow().hashCode());
        assertThat(IpPrefix.parse("10.0.0.0/8").orElseThrow().isCanonical()).isTrue();
    }

    @Test
    void aBareAddressIsAFullLengthBlock() {
        assertThat(IpPrefix.parse("10.1.2.3").orElseThrow().bits()).isEqualTo(32);
        assertThat(IpPrefix.parse("2001:db8::1").orElseThrow().bits()).isEqualTo(128);
        assertThat(IpPrefix.parse("::ffff:10.0.0.1").orElseThrow()).hasToString("::ffff:10.0.0.1/128");
        assertThat(IpPrefix.parse("0.0.0.0/0").orElseThrow().bits()).isZero();
        assertThat(IpPrefix.parse("::/0").orElseThrow()).hasToString("::/0");
    }

    @Test
    void familiesAreKeptApartInEquality() {
        assertThat(IpPrefix.parse("0.0.0.0/0")).isNotEqualTo(IpPrefix.parse("::/0"));
        assertThat(IpPrefix.parse("10.0.0.1")).isNotEqualTo(IpPrefix.parse("::ffff:10.0.0.1"));
    }
}
