package dev.tollgate.core.model.net;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.StringJoiner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The one IP parser against references: for IPv4 the four numbers a dotted quad was generated from, for IPv6 the
 * sixteen bytes its groups were written from (in full, with leading zeros, compressed with {@code ::}, with an
 * IPv4 tail); and against hostile spellings that some parser somewhere reads as an address.
 */
class IpAddressTest {

    @Property
    void aDottedQuadIsItsFourNumbers(@ForAll @Size(4) List<@IntRange(max = 255) Integer> parts) {
        String text = parts.get(0) + "." + parts.get(1) + "." + parts.get(2) + "." + parts.get(3);
        IpAddress a = IpAddress.parse(text).orElseThrow();
        byte[] b = a.bytes();
        assertThat(a.isIpv4()).isTrue();
        assertThat(b).hasSize(4);
        for (int i = 0; i < 4; i++) {
            assertThat(b[i] & 0xff).isEqualTo(parts.get(i));
        }
        assertThat(a).hasToString(text);
    }

    @Property
    void aDottedQuadWithALeadingZeroIsNoAddress(@ForAll @Size(4) List<@IntRange(max = 255) Integer> parts,
                                                @ForAll @IntRange(max = 3) int padded) {
        StringJoiner j = new StringJoiner(".");
        for (int i = 0; i < 4; i++) {
            j.add((i == padded ? "0" : "") + parts.get(i));
        }
        assertThat(IpAddress.parse(j.toString())).isEmpty();
    }

    @Property
    void ipv6TextIsItsBytesHoweverWritten(@ForAll("groups") int[] groups, @ForAll("ipv6Style") String style) {
        String text = write(groups, style);
        IpAddress a = IpAddress.parse(text).orElseThrow(() -> new AssertionError("refused " + text));
        byte[] b = a.bytes();
        assertThat(a.isIpv6()).isTrue();
        for (int i = 0; i < 8; i++) {
            assertThat((b[2 * i] & 0xff) << 8 | b[2 * i + 1] & 0xff).as("group %d of %s", i, text)
                    .isEqualTo(groups[i]);
        }
        // the canonical text reads back as the same address, and equality is by value
        assertThat(IpAddress.parse(a.toString())).contains(a);
        assertThat(IpAddress.ofBytes(b)).isEqualTo(a).hasSameHashCodeAs(a);
    }

    @Property
    void hostileSpellingsOfAnAddressAreRefused(@ForAll @Size(4) List<@IntRange(max = 255) Integer> parts,
                                              @ForAll("hostile") java.util.function.Function<List<Integer>, String> f) {
        String text = f.apply(parts);
        assertThat(IpAddress.parse(text)).as(text).isEmpty();
        assertThat(IpPrefix.parse(text)).as(text).isEmpty();
    }

    @Provide
    Arbitrary<int[]> groups() {
        Arbitrary<Integer> group = Arbitraries.oneOf(Arbitraries.integers().between(0, 0xffff),
                Arbitraries.just(0), Arbitraries.just(0xffff));
        return group.array(int[].class).ofSize(8);
    }

    @Provide
    Arbitrary<String> ipv6Style() {
        return Arbitraries.of("full", "padded", "compressed", "upper", "v4tail");
    }

    @Provide
    Arbitrary<java.util.function.Function<List<Integer>, String>> hostile() {
        return Arbitraries.of(
                p -> p.get(0) + "." + p.get(1) + "." + p.get(2) + "." + p.get(3) + ".",          // trailing dot
                p -> " " + p.get(0) + "." + p.get(1) + "." + p.get(2) + "." + p.get(3),          // space
                p -> p.get(0) + "." + p.get(1) + "." + p.get(2) + "." + p.get(3) + " ",
                p -> p.get(0) + "." + p.get(1) + ". " + p.get(2) + "." + p.get(3),
                p -> p.get(0) + "." + p.get(1) + "." + p.get(2),                                 // 1.2.3
                p -> p.get(0) + "." + p.get(1),                                                  // 127.1
                p -> String.valueOf(((long) p.get(0) << 24) + (p.get(1) << 16) + (p.get(2) << 8) + p.get(3)),
                p -> "0x" + Integer.toHexString(p.get(0)) + "." + p.get(1) + "." + p.get(2) + "." + p.get(3),
                p -> "0" + Integer.toOctalString(p.get(0)) + "." + p.get(1) + "." + p.get(2) + "." + p.get(3),
                p -> "0" + p.get(0) + "." + p.get(1) + "." + p.get(2) + "." + p.get(3),
                p -> (p.get(0) + 256) + "." + p.get(1) + "." + p.get(2) + "." + p.get(3),        // 999.1.1.1
                p -> shift(p.get(0) + "." + p.get(1) + "." + p.get(2) + "." + p.get(3), '\u0660'), // Arabic-Indic
                p -> shift(p.get(0) + "." + p.get(1) + "." + p.get(2) + "." + p.get(3), '\u06f0'), // Persian
                p -> shift(p.get(0) + "." + p.get(1) + "." + p.get(2) + "." + p.get(3), '\uff10'), // fullwidth
                p -> p.get(0) + "\u3002" + p.get(1) + "." + p.get(2) + "." + p.get(3),           // ideographic dot
                p -> p.get(0) + "." + p.get(1) + "." + p.get(2) + "." + p.get(3) + "." + p.get(0),
                p -> "::ffff:0" + p.get(0) + "." + p.get(1) + "." + p.get(2) + "." + p.get(3),
                p -> "fe80::" + Integer.toHexString(p.get(0)) + "%eth0",                         // zone
                p -> "fe80::" + Integer.toHexString(p.get(0)) + "%25" + p.get(1),
                p -> "[::" + Integer.toHexString(p.get(0)) + "]",                                // brackets
                p -> "[" + p.get(0) + "." + p.get(1) + "." + p.get(2) + "." + p.get(3) + "]",
                p -> "::" + Integer.toHexString(p.get(0) + 0x10000),                             // 5 hex digits
                p -> p.get(0) + "." + p.get(1) + "." + p.get(2) + ".*",
                p -> p.get(0) + "." + p.get(1) + "." + p.get(2) + "." + p.get(3) + "-" + p.get(3));
    }

    /** The same number in another Unicode digit block. */
    private static String shift(String ascii, char zero) {
        StringBuilder b = new StringBuilder();
        for (char c : ascii.toCharArray()) {
            b.append(c >= '0' && c <= '9' ? (char) (zero + (c - '0')) : c);
        }
        return b.toString();
    }

    private static String write(int[] g, String style) {
        switch (style) {
            case "padded": {
                StringJoiner j = new StringJoiner(":");
                for (int x : g) {
                    j.add(String.format("%04x", x));
                }
                return j.toString();
            }
            case "upper":
                return write(g, "compressed").toUpperCase(java.util.Locale.ROOT);
            case "v4tail": {
                StringJoiner j = new StringJoiner(":");
                for (int i = 0; i < 6; i++) {
                    j.add(Integer.toHexString(g[i]));
                }
                return j + ":" + (g[6] >> 8) + "." + (g[6] & 0xff) + "." + (g[7] >> 8) + "." + (g[7] & 0xff);
            }
            case "compressed": {
                // the longest run of zero groups (two or more) becomes "::"
                int best = -1;
                int bestLen = 1;
                for (int i = 0; i < 8; i++) {
                    int n = 0;
                    while (i + n < 8 && g[i + n] == 0) {
                        n++;
                    }
                    if (n > bestLen) {
                        best = i;
                        bestLen = n;
                    }
                }
                if (best < 0) {
                    return write(g, "full");
                }
                StringJoiner head = new StringJoiner(":");
                StringJoiner tail = new StringJoiner(":");
                for (int i = 0; i < best; i++) {
                    head.add(Integer.toHexString(g[i]));
                }
                for (int i = best + bestLen; i < 8; i++) {
                    tail.add(Integer.toHexString(g[i]));
                }
                return head + "::" + tail;
            }
            default: {
                StringJoiner j = new StringJoiner(":");
                for (int x : g) {
                    j.add(Integer.toHexString(x));
                }
                return j.toString();
            }
        }
    }

    @ParameterizedTest(name = "{0} is not an IP address")
    @ValueSource(strings = {"", "999.1.1.1", "1.2.3", "1.2.3.4.5", "010.0.0.1", "0177.0.0.1", "0x7f.1", "0x7f000001",
            "2130706433", "127.1", "0", "\u0661\u0660.0.0.1", "\uff11\uff10.0.0.1", "1.2.3.4.", "1.2.3.4 ", " 1.2.3.4",
            "fe80::1%eth0", "[::1]", "[10.0.0.1]", "::ffff:010.0.0.1", "::ffff:999.0.0.1", "1::2::3", ":::1",
            "12345::1", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "10.0.0.0/8", "::/0", "example.com", "*", "1.2.3.*",
            "localhost", "0:0:0:0:0:0:0:0:0"})
    void refused(String text) {
        assertThat(IpAddress.parse(text)).isEmpty();
        assertThat(IpAddress.isLiteral(text)).isFalse();
    }

    @ParameterizedTest(name = "{0} is written canonically as {1}")
    @CsvSource({
            "10.0.0.1, 10.0.0.1",
            "0.0.0.0, 0.0.0.0",
            "2001:0DB8:0000:0000:0000:0000:0000:0001, 2001:db8::1",
            "0:0:0:0:0:0:0:1, ::1",
            "::, ::",
            "::ffff:10.0.0.1, ::ffff:10.0.0.1",
            "::ffff:a00:1, ::ffff:10.0.0.1",        // Go's netip writes an IPv4-mapped address this way
            "::ffff:0:0, ::ffff:0.0.0.0",
            "::10.0.0.1, ::a00:1",                  // IPv4-compatible (deprecated) is plain IPv6
            "64:ff9b::10.0.0.1, 64:ff9b::a00:1",
    })
    void canonicalText(String text, String canonical) {
        assertThat(IpAddress.parse(text).orElseThrow()).hasToString(canonical);
    }

    @Test
    void anIpv4MappedAddressStaysIpv6() {
        IpAddress mapped = IpAddress.parse("::ffff:10.0.0.1").orElseThrow();
        assertThat(mapped.isIpv6()).isTrue();
        assertThat(mapped.bitLength()).isEqualTo(128);
        assertThat(mapped.bytes()).hasSize(16);
        assertThat(mapped).isNotEqualTo(IpAddress.parse("10.0.0.1").orElseThrow());
    }

    @Test
    void bytesOfAnotherLengthAreNoAddress() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> IpAddress.ofBytes(new byte[5]))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
