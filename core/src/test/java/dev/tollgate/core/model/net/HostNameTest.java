package dev.tollgate.core.model.net;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Host names: ASCII only, one ASCII case fold, one trailing dot, DNS lengths. */
class HostNameTest {

    @ParameterizedTest
    @CsvSource({
            "Developers.Google.COM, developers.google.com",
            "developers.google.com., developers.google.com",
            "a_b.Example.com, a_b.example.com",
            "xn--bcher-kva.example, xn--bcher-kva.example"
    })
    void validNamesFold(String in, String out) {
        assertThat(HostName.parse(in).value()).isEqualTo(out);
        assertThat(HostName.fold(HostName.fold(in))).isEqualTo(HostName.fold(in));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\u212Aey.example.com", "\u0130stio.io", "\u0131stio.io", "\uff4bey.example.com",
            "b\u00fccher.example", "\u017Ftatus.example"})
    void nonAsciiIsRefusedAndNeverFoldedOntoAscii(String name) {
        assertThat(HostName.nonAscii(HostName.fold(name))).as("the fold keeps it non-ASCII").isPresent();
        assertThatThrownBy(() -> HostName.parse(name)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageEndingWith("is not ASCII; Tollgate accepts only ASCII host names (write IDNs in their"
                        + " xn-- form)");
    }

    @Test
    void theReasonShowsTheKelvinSignEscapedSoItCannotPassForK() {
        assertThat(HostName.nonAscii("\u212Aey.example.com")).contains("host \"\\u212Aey.example.com\" is not"
                + " ASCII; Tollgate accepts only ASCII host names (write IDNs in their xn-- form)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "a..b", ".a", "a.b..", "a b", "a/b", "a:b", "*.a", "a%62"})
    void malformedNamesAreRefused(String name) {
        assertThat(HostName.problem(name)).isPresent();
    }

    @Test
    void lengthsFollowDns() {
        String label63 = "a".repeat(63);
        assertThat(HostName.problem(label63 + ".com")).isEmpty();
        assertThat(HostName.problem(label63 + "a.com")).hasValueSatisfying(p -> assertThat(p).contains("label of 64"));
        String name253 = (label63 + ".").repeat(3) + "a".repeat(61);
        assertThat(name253).hasSize(253);
        assertThat(HostName.problem(name253)).isEmpty();
        assertThat(HostName.problem(name253 + ".")).as("a trailing dot does not count").isEmpty();
        assertThat(HostName.problem(name253 + "a")).isPresent();
    }

    @ParameterizedTest
    @CsvSource({"*", "*.example.com", "example.com"})
    void patternsAllowOnlyALeadingWildcardLabel(String p) {
        assertThat(HostName.patternProblem(p)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"*example.com", "a.*.com", "**.a", "*.", "*.\u212Aey.com"})
    void partialWildcardsAreNoPatterns(String p) {
        assertThat(HostName.patternProblem(p)).isPresent();
    }

    @ParameterizedTest
    @CsvSource({
            "'*.example.com', a.example.com, true",
            "'*.example.com', example.com, false",
            "'*', anything.test, true",
            "KEY.example.com, key.example.com., true",
            "key.example.com, \u212Aey.example.com, false",
            "'*.example.com', \u212Aey.example.com, true"
    })
    void patternsMatchAsIstio(String pattern, String host, boolean matches) {
        // the last row: a wildcard covers whatever ends in its suffix; the boundaries refuse the non-ASCII name first
        assertThat(HostPattern.matches(pattern, host)).isEqualTo(matches);
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"010.0.0.1", "2130706433", "0x7f.1", "127.1",
            "0177.0.0.1", "1.2.3", "999.1.1.1", "a.b.0x10", "example.123", "1.2.3.4.5"})
    void aNameEndingInANumberMustBeAStrictIpv4Address(String host) {
        assertThat(HostName.ambiguousNumber(host)).get(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .contains("ends in a number");
        assertThatThrownBy(() -> Authority.parse(host + ":80", 80)).hasMessageContaining("ends in a number");
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"10.0.0.1", "255.255.255.255", "example.com",
            "a1.example", "123.example.com", "x.0xg", "10.0.0.1."})
    void strictAddressesAndOrdinaryNamesAreNotAmbiguous(String host) {
        assertThat(HostName.ambiguousNumber(host)).isEmpty();
        assertThat(Authority.parse(host + ":80", 80).host()).isEqualTo(HostName.fold(host));
    }

    /** The WHATWG "ends in a number" edges: one trailing dot ignored, 0x in either case, full-width digits count. */
    @ParameterizedTest
    @CsvSource({
            "example.com, false", "'', false", "., false", "a.., false", "123, true", "a.123., true",
            "a.0x, true", "a.0X1F, true", "a.0xg, false", "a.x1, false", "a.01a, false", "0x.a, false",
            "a.\uff11\uff12, true", "a.0x\uff21, true", "a.1.b, false"
    })
    void endsInNumberReadsOnlyTheLastLabel(String name, boolean number) {
        assertThat(HostName.endsInNumber(name)).as(name).isEqualTo(number);
    }
}
