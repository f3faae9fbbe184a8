package dev.tollgate.core.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class KubernetesNamesTest {
    /** value, is a DNS-1123 label, is a DNS-1123 subdomain (Kubernetes' apimachinery validation). */
    static Stream<Arguments> names() {
        return Stream.of(
                Arguments.of("a", true, true),
                Arguments.of("0", true, true),
                Arguments.of("default", true, true),
                Arguments.of("istio-system", true, true),
                Arguments.of("a-0-b", true, true),
                Arguments.of("1abc", true, true),
                Arguments.of("a".repeat(63), true, true),
                Arguments.of("a".repeat(64), false, true),
                Arguments.of("", false, false),
                Arguments.of("-a", false, false),
                Arguments.of("a-", false, false),
                Arguments.of("-", false, false),
                Arguments.of("Default", false, false),
                Arguments.of("defAult", false, false),
                Arguments.of("a_b", false, false),
                Arguments.of("a b", false, false),
                Arguments.of("a.b", false, true),
                Arguments.of("x.example.com", false, true),
                Arguments.of("a-.b", false, false),
                Arguments.of("a.-b", false, false),
                Arguments.of("a..b", false, false),
                Arguments.of(".a", false, false),
                Arguments.of("a.", false, false),
                Arguments.of("a.B", false, false),
                Arguments.of("*", false, false),
                Arguments.of("\u212Aey", false, false), // Kelvin sign, folds to 'k' under Unicode rules
                Arguments.of("k\u0131", false, false), // dotless i
                Arguments.of("\uFF41", false, false), // fullwidth a
                Arguments.of(subdomainOf(253), false, true),
                Arguments.of(subdomainOf(254), false, false));
    }

    @ParameterizedTest
    @MethodSource("names")
    void followsKubernetesRules(String value, boolean label, boolean subdomain) {
        assertThat(KubernetesNames.isLabel(value)).as("label %s", value).isEqualTo(label);
        assertThat(KubernetesNames.isSubdomain(value)).as("subdomain %s", value).isEqualTo(subdomain);
    }

    /** Labels of 63 joined by dots and cut to {@code length}, ending in a letter. */
    private static String subdomainOf(int length) {
        StringBuilder b = new StringBuilder();
        while (b.length() < length) {
            b.append(b.isEmpty() ? "" : ".").append("a".repeat(62)).append('b');
        }
        b.setLength(length);
        if (b.charAt(length - 1) == '.') {
            b.setCharAt(length - 1, 'c');
        }
        String s = b.toString();
        assertThat(s).hasSize(length).doesNotEndWith(".").doesNotStartWith(".");
        return s;
    }
}
