package dev.tollgate.core.registry;

import dev.tollgate.core.model.net.HostPattern;
import dev.tollgate.core.model.net.HostName;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link Hosts} against istio/istio pkg/config/host/name.go's documented examples and DESIGN.md's normalisation. */
class HostsTest {

    static Stream<Arguments> matches() {
        return Stream.of(
                row("name.go: Name(\"foo.com\").Matches(\"foo.com\") = true", "foo.com", "foo.com", true),
                row("name.go: Name(\"foo.com\").Matches(\"bar.com\") = false", "foo.com", "bar.com", false),
                row("name.go: Name(\"*.com\").Matches(\"foo.com\") = true", "*.com", "foo.com", true),
                row("name.go: Name(\"*.foo.com\").Matches(\"foo.com\") = false", "*.foo.com", "foo.com", false),
                row("name.go: Name(\"*\").Matches(\"foo.com\") = true", "*", "foo.com", true),
                row("name.go: Name(\"*\").Matches(\"*.com\") = true", "*", "*.com", true),
                row("SubsetOf: a wildcard covers any depth", "*.example.com", "a.b.example.com", true),
                row("SubsetOf: *.example.com covers *.a.example.com", "*.example.com", "*.a.example.com", true),
                row("SubsetOf: *.a.example.com does not cover *.example.com", "*.a.example.com", "*.example.com",
                        false),
                row("SubsetOf: an exact pattern never covers a wildcard", "a.example.com", "*.example.com", false),
                row("SubsetOf: the suffix must start at a label (dot included)", "*.example.com", "badexample.com",
                        false),
                row("DESIGN.md: case-insensitive", "*.EXAMPLE.com", "Api.Example.COM", true),
                row("DESIGN.md: a trailing dot is ignored", "api.example.com.", "api.example.com", true),
                row("a different TLD does not match", "*.example.com", "api.example.org", false),
                row("an empty host matches only *", "*", "", true),
                row("an empty host matches no named wildcard", "*.com", "", false));
    }

    private static Arguments row(String name, String pattern, String host, boolean expected) {
        return Arguments.of(Named.of(name, pattern), host, expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("matches")
    void matchesFollowsIstio(String pattern, String host, boolean expected) {
        assertThat(HostPattern.matches(pattern, host)).isEqualTo(expected);
    }

    static Stream<Arguments> normalise() {
        return Stream.of(
                Arguments.of(Named.of("lower case", "Developers.Google.COM"), "developers.google.com"),
                Arguments.of(Named.of("one trailing dot removed", "developers.google.com."), "developers.google.com"),
                Arguments.of(Named.of("wildcards keep their star", "*.Example.COM."), "*.example.com"),
                Arguments.of(Named.of("two trailing dots stay (invalid, never widened)", "a.com.."), "a.com.."),
                Arguments.of(Named.of("a lone dot stays", "."), "."),
                Arguments.of(Named.of("ASCII fold only: a dotted capital I stays, never becomes i", "\u0130STIO.io"),
                        "\u0130stio.io"),
                Arguments.of(Named.of("ASCII fold only: a Kelvin sign stays, never becomes k", "\u212Aey.example.com"),
                        "\u212Aey.example.com"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("normalise")
    void normaliseLowersAndDropsOneTrailingDot(String in, String out) {
        assertThat(HostName.fold(in)).isEqualTo(out);
    }

    static Stream<Arguments> mostSpecific() {
        Map<String, String> byHost = Map.of(
                "api.example.com", "exact",
                "*.example.com", "wild",
                "*.v1.api.example.com", "deep",
                "*", "all");
        return Stream.of(
                Arguments.of(Named.of("exact beats wildcard", byHost), "api.example.com", "exact"),
                Arguments.of(Named.of("longer wildcard beats shorter", byHost), "x.v1.api.example.com", "deep"),
                Arguments.of(Named.of("shorter wildcard when the longer does not cover", byHost),
                        "v2.api.example.com", "wild"),
                Arguments.of(Named.of("* last", byHost), "example.org", "all"),
                Arguments.of(Named.of("the bare parent of a wildcard falls to *", byHost), "example.com", "all"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mostSpecific")
    void mostSpecificPrefersExactThenLongestWildcard(Map<String, String> byHost, String host, String expected) {
        assertThat(Hosts.mostSpecific(host, byHost)).contains(expected);
    }

    @org.junit.jupiter.api.Test
    void mostSpecificFirstOrdersExactThenLongerWildcards() {
        List<String> hosts = new ArrayList<>(List.of("*", "*.com", "a.example.com", "*.example.com", "b.com"));
        hosts.sort(Hosts.MOST_SPECIFIC_FIRST);
        assertThat(hosts).containsExactly("a.example.com", "b.com", "*.example.com", "*.com", "*");
    }
}
