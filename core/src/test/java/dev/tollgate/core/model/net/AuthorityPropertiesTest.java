package dev.tollgate.core.model.net;

import com.google.common.net.HostAndPort;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The one authority parser: it agrees with Guava's {@link HostAndPort} on what is valid, round-trips through its
 * own text, and refuses what a hostile client writes to make two readers see two hosts.
 */
class AuthorityPropertiesTest {

    @Provide
    Arbitrary<String> label() {
        return Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
                .ofMinLength(1).ofMaxLength(20);
    }

    @Provide
    Arbitrary<String> name() {
        // a name ending in a number is an address in disguise, refused (HostNameTest); no DNS name ends that way
        return label().list().ofMinSize(1).ofMaxSize(5).map(l -> String.join(".", l))
                .filter(n -> !HostName.endsInNumber(n));
    }

    @Provide
    Arbitrary<String> ipv6() {
        return Arbitraries.integers().between(0, 0xffff).list().ofSize(8)
                .map(g -> String.join(":", g.stream().map(Integer::toHexString).toList()));
    }

    @Provide
    Arbitrary<String> host() {
        return Arbitraries.oneOf(name(), ipv6().map(v -> "[" + v + "]"),
                Arbitraries.integers().between(0, 255).list().ofSize(4)
                        .map(o -> String.join(".", o.stream().map(String::valueOf).toList())));
    }

    @Property
    void validAuthoritiesAgreeWithGuava(@ForAll("host") String host, @ForAll @IntRange(min = 1, max = 65535) int port,
                                         @ForAll boolean withPort) {
        String text = withPort ? host + ":" + port : host;
        Authority a = Authority.parse(text, 443);
        HostAndPort g = HostAndPort.fromString(text).requireBracketsForIPv6();
        assertThat(a.host()).isEqualTo(g.getHost().toLowerCase(java.util.Locale.ROOT)
                .replaceAll("\\.$", ""));
        assertThat(a.port()).isEqualTo(g.getPortOrDefault(443));
    }

    @Property
    void itRoundTripsThroughItsText(@ForAll("host") String host, @ForAll @IntRange(min = 1, max = 65535) int port,
                                    @ForAll boolean trailingDot) {
        String h = trailingDot && !host.startsWith("[") ? host + "." : host;
        Authority a = Authority.parse(h + ":" + port, -1);
        assertThat(Authority.parse(a.toString(), -1)).isEqualTo(a);
        assertThat(Authority.parse(a.hostText(), port)).isEqualTo(a);
        assertThat(Authority.hostOf(h + ":" + port)).isEqualTo(a.host());
    }

    @Property
    void caseNeverMattersForAsciiNames(@ForAll("name") String name, @ForAll @IntRange(min = 1, max = 65535) int port) {
        assertThat(Authority.parse(name.toUpperCase(java.util.Locale.ROOT) + ":" + port, -1))
                .isEqualTo(Authority.parse(name.toLowerCase(java.util.Locale.ROOT) + ":" + port, -1));
    }

    /** Characters that make a name look like, or be read as, another one. */
    static final List<String> HOSTILE_CHARS = List.of("\u212A", "\u0130", "\u0131", "\u017F", "\uff41", "\uff0e",
            "\u00e4", "\u200b", "\ud83d\ude00", " ", "\t", "\r", "\n", "\0", "\u007f", "%", "@", "/", "\\", "?", "#",
            "+", ",", ";", "*", "\"", "'", "<", "(", "!", "~", "=", "&", "$");

    @Property
    void aHostileCharacterAnywhereIsRefused(@ForAll("name") String name, @ForAll @IntRange(min = 0, max = 100) int at,
                                            @ForAll @From("hostileChar") String c, @ForAll boolean withPort) {
        int i = Math.min(at, name.length());
        String text = name.substring(0, i) + c + name.substring(i) + (withPort ? ":443" : "");
        assertThat(Authority.tryParse(text, 443)).as("%s", text).isEmpty();
    }

    @Provide
    Arbitrary<String> hostileChar() {
        return Arbitraries.of(HOSTILE_CHARS);
    }

    @Property
    /** The reason names the host, not the port after it: a CONNECT target and a URL give the same one. */
    void nonAsciiIsRefusedWithTheOneReason(@ForAll("name") String name, @ForAll @From("nonAscii") String c) {
        String text = c + name;
        assertThatThrownBy(() -> Authority.parse(text + ":443", -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(HostName.nonAscii(text).orElseThrow())
                .hasMessageContaining("is not ASCII; Tollgate accepts only ASCII host names (write IDNs in their xn--"
                        + " form)");
    }

    @Provide
    Arbitrary<String> nonAscii() {
        return Arbitraries.chars().range('\u0080', '\uffff').filter(ch -> !Character.isSurrogate(ch))
                .map(String::valueOf);
    }

    @Property
    void portsOutsideTheRangeOrNotPlainDigitsAreRefused(@ForAll("name") String name,
                                                         @ForAll @From("badPort") String port) {
        assertThat(Authority.tryParse(name + ":" + port, 80)).as("port %s", port).isEmpty();
    }

    @Provide
    Arbitrary<String> badPort() {
        return Arbitraries.oneOf(
                Arbitraries.of("", "0", "00", "65536", "99999", "100000", "4294967376", "+80", "-1", " 80", "80 ",
                        "8o", "0x50", "\u0668\u0660", "\uff18\uff10", "80:80", "1e3"),
                Arbitraries.integers().between(65536, Integer.MAX_VALUE).map(String::valueOf),
                Arbitraries.integers().between(1, 65535).map(p -> "0".repeat(6 - String.valueOf(p).length())
                        + p));
    }

    @Property
    void aHostWithABadLabelIsRefused(@ForAll("name") String name, @ForAll("badLabel") String shape) {
        assertThat(Authority.tryParse(shape.replace("N", name), 443)).as("%s", shape).isEmpty();
    }

    @Provide
    Arbitrary<String> badLabel() {
        return Arbitraries.of("N..com", ".N", "N..", "..", ".", "a".repeat(64) + ".N", "N." + "a.".repeat(130));
    }

    @Example
    void theDocumentedHostileShapes() {
        for (String t : List.of("\u212Aey.example.com", "key.example.com:", "key.example.com:0",
                "key.example.com:65536", "key.example.com:+80", "key.example.com: 80", "a@b", "a@b:80",
                "user:pass@key.example.com", "[::1", "::1]", "[::1]]", "[[::1]", "[::1]:", "::1", "::1:80",
                "[key.example.com]", "[10.0.0.1]:80", "[fe80::1%25eth0]", "[fe80::1%eth0]", "key .example.com",
                " key.example.com", "key.example.com ", "key\u0000.example.com", "key\r\n.example.com",
                "%6bey.example.com", "k%65y.example.com:443", "\u0130stio.io", "\uff4bey.example.com", "",
                "*.example.com", "*", "[]", "[]:80", ":80")) {
            assertThat(Authority.tryParse(t, 443)).as("%s", t).isEmpty();
        }
    }

    @Example
    void ipv6IsUnbracketedAndLowerCased() {
        assertThat(Authority.parse("[2001:DB8::1]:8443", 443)).isEqualTo(new Authority("2001:db8::1", 8443));
        assertThat(Authority.parse("[::ffff:10.0.0.1]", 443).hostText()).isEqualTo("[::ffff:10.0.0.1]");
    }

    @Example
    void aConnectTargetNeedsItsPort() {
        assertThatThrownBy(() -> Authority.parse("key.example.com", -1)).hasMessageContaining("needs a port");
    }

    @Example
    void hostOfAMalformedAuthorityMatchesNoValidName() {
        assertThat(Authority.hostOf("\u212Aey.example.com")).isNotEqualTo("key.example.com")
                .isEqualTo("\u212Aey.example.com");
        assertThat(Authority.hostOf("key.example.com:0")).isEqualTo("key.example.com:0");
        assertThat(Authority.hostOf("KEY.example.com.:8080")).isEqualTo("key.example.com");
    }
}
