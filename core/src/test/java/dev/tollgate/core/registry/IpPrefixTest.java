package dev.tollgate.core.registry;

import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** ServiceEntry {@code addresses} parsing: literals and CIDRs only; anything else never matches (fail closed). */
class IpPrefixTest {

    static Stream<Arguments> containment() {
        return Stream.of(
                row("ServiceEntry example 192.192.192.192/24 contains 192.192.192.1", "192.192.192.192/24",
                        "192.192.192.1", true),
                row("/24 excludes the next network", "192.192.192.192/24", "192.192.193.1", false),
                row("a plain IPv4 address is a /32", "10.1.2.3", "10.1.2.3", true),
                row("a /32 excludes its neighbour", "10.1.2.3", "10.1.2.4", false),
                row("/0 contains every IPv4 address", "0.0.0.0/0", "203.0.113.9", true),
                row("IPv4 never matches IPv6", "0.0.0.0/0", "::1", false),
                row("IPv6 /32", "2001:db8::/32", "2001:db8:ffff::1", true),
                row("IPv6 outside /32", "2001:db8::/32", "2001:db9::1", false),
                row("IPv6 with an IPv4 tail", "::ffff:10.0.0.0/120", "::ffff:10.0.0.7", true),
                row("IPv6 in brackets", "[2001:db8::1]", "2001:db8::1", true),
                row("IPv6 full form equals the compressed form", "2001:0db8:0000:0000:0000:0000:0000:0001",
                        "2001:db8::1", true),
                row("upper-case hex", "2001:DB8::/32", "2001:db8::5", true));
    }

    private static Arguments row(String name, String prefix, String ip, boolean expected) {
        return Arguments.of(Named.of(name, prefix), ip, expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containment")
    void containsFollowsCidrRules(String prefix, String ip, boolean expected) {
        var p = IpPrefix.parse(prefix).orElseThrow();
        var address = IpPrefix.literal(ip);
        assertThat(address.isPresent() && p.contains(address.get())).isEqualTo(expected);
    }

    static Stream<Arguments> hostile() {
        return Stream.of("", "1.2.3", "1.2.3.4.5", "1.2.3.256", "01.2.3.4", "1.2.3.4/33", "1.2.3.4/", "1.2.3.4/-1",
                "1.2.3.4/1a", "::1::", "2001:db8:::1", "12345::", "1:2:3:4:5:6:7:8:9", "g::1", "fe80::1%eth0",
                "1.2.3.4 ", "example.com", "*", "::ffff:1.2.3.999", "[::1", "1:2:3:4:5:6:7:8/129")
                .map(s -> Arguments.of(Named.of("rejects \"" + s + "\"", s)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void malformedAddressesAreRejected(String text) {
        // a trailing space is trimmed for addresses read from YAML, but never for a requested host
        if (text.endsWith(" ")) {
            assertThat(IpPrefix.literal(text)).isEmpty();
            return;
        }
        assertThat(IpPrefix.parse(text)).isEmpty();
        assertThat(IpPrefix.literal(text)).isEmpty();
    }
}
