package dev.tollgate.core.routing;

import dev.tollgate.core.model.Visibility;
import dev.tollgate.core.model.net.IpPrefix;
import dev.tollgate.core.model.HttpRequestInfo;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPMatchRequest;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatch;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatchRegex;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The building blocks, with hostile input: they fail closed and never widen a match. */
class MatchersTest {

    static StringMatch regex(String r) {
        StringMatch m = new StringMatch();
        m.setMatchType(new StringMatchRegex(r));
        return m;
    }

    /**
     * route.go translateRouteMatch: with gateway route semantics (a VirtualService Istio made of an HTTPRoute) a uri
     * prefix other than "/" is Envoy's path_separated_prefix of the prefix without its trailing "/"; without them it
     * stays a plain string prefix.
     */
    @ParameterizedTest
    @CsvSource({
            "/api,  /api,        true,  true",
            "/api,  /api/v1,     true,  true",
            "/api/, /api/v1,     true,  true",
            "/api,  /apix,       false, true",
            "/api,  /api?x=1,    true,  true",
            "/api,  /ap,         false, false",
            "/api,  /API,        false, false",
            "/,     /anything,   true,  true"})
    void gatewaySemanticsPrefixesMatchWholeSegments(String prefix, String path, boolean gateway, boolean plain) {
        StringMatch uri = new StringMatch();
        uri.setMatchType(new io.fabric8.istio.api.api.networking.v1alpha3.StringMatchPrefix(prefix));
        HTTPMatchRequest m = new HTTPMatchRequest();
        m.setUri(uri);
        assertThat(HttpMatch.compile(m, "default", true).uri().orElseThrow().matches(path)).isEqualTo(gateway);
        assertThat(HttpMatch.compile(m, "default", false).uri().orElseThrow().matches(path)).isEqualTo(plain);
    }

    @Test
    void anInvalidRegexNeverMatches() {
        StringMatcher m = StringMatcher.of(regex("([a-z"), false);
        assertThat(m).isInstanceOf(StringMatcher.Never.class);
        assertThat(m.matches("")).isFalse();
        assertThat(m.matches("anything")).isFalse();
    }

    @Test
    void lookaroundIsNotRe2AndNeverMatches() {
        // Istio's regexes are RE2: "(?=...)" is not RE2 syntax, so it must not silently become a Java lookahead.
        assertThat(StringMatcher.of(regex("(?=admin).*"), false)).isInstanceOf(StringMatcher.Never.class);
    }

    @Test
    void aCatastrophicRegexRunsInLinearTime() {
        StringMatcher m = StringMatcher.of(regex("(a+)+$"), false);
        assertThat(m.matches("a".repeat(50_000) + "!")).isFalse();
        assertThat(m.matches("a".repeat(50_000))).isTrue();
    }

    @Test
    void regexStarIsAPresenceCheckAsIstioTranslatesIt() {
        assertThat(StringMatcher.of(regex("*"), false)).isInstanceOf(StringMatcher.Present.class);
    }

    @Test
    void regexMatchesTheWholeValueNotASubstring() {
        StringMatcher m = StringMatcher.of(regex("admin"), false);
        assertThat(m.matches("/admin")).isFalse();
        assertThat(m.matches("admin")).isTrue();
    }

    @Test
    void ignoreUriCaseDoesNotApplyToRegex() {
        HTTPMatchRequest r = new HTTPMatchRequest();
        r.setUri(regex("/Foo"));
        r.setIgnoreUriCase(true);
        HttpMatch m = HttpMatch.compile(r, "default");
        assertThat(m.runtimeMismatch(new HttpRequestInfo("GET", "h", "/foo", Map.of()), "http")).isPresent();
    }

    /**
     * Envoy's {@code ignore_case} folds ASCII only: a Kelvin sign (U+212A), a long s (U+017F) or a sharp s is not
     * its ASCII look-alike, although {@link String#equalsIgnoreCase} says the first two are. Through the compiled
     * match, as a VirtualService with {@code ignoreUriCase} routes.
     */
    @ParameterizedTest(name = "{0} does not match {1}")
    @CsvSource({
            "exact, /key, /\u212Aey",
            "exact, /\u212Aey, /KEY",
            "prefix, /admin/key, /ADMIN/\u212Aey/x",
            "exact, /status, /\u017Ftatus",
            "prefix, /s, /\u017F",
            "exact, /strasse, /stra\u00DFe",
            "exact, /\u0130stio, /istio"
    })
    void ignoreUriCaseFoldsAsciiOnly(String kind, String pattern, String path) {
        String p = pattern;
        String v = path;
        HTTPMatchRequest r = new HTTPMatchRequest();
        r.setUri(kind.equals("exact") ? exact(p) : prefix(p));
        r.setIgnoreUriCase(true);
        HttpMatch m = HttpMatch.compile(r, "default");
        assertThat(m.runtimeMismatch(new HttpRequestInfo("GET", "h", v, Map.of()), "http")).isPresent();
        // and the ASCII case still folds
        assertThat(m.runtimeMismatch(new HttpRequestInfo("GET", "h", p.toUpperCase(java.util.Locale.ROOT), Map.of()),
                "http")).isEmpty();
    }

    static StringMatch prefix(String p) {
        StringMatch m = new StringMatch();
        m.setMatchType(new io.fabric8.istio.api.api.networking.v1alpha3.StringMatchPrefix(p));
        return m;
    }

    @Test
    void headerNamesInTheMatchAreComparedCaseInsensitively() {
        HTTPMatchRequest r = new HTTPMatchRequest();
        r.setHeaders(Map.of("X-Env", exact("prod")));
        HttpMatch m = HttpMatch.compile(r, "default");
        assertThat(m.runtimeMismatch(new HttpRequestInfo("GET", "h", "/", Map.of("x-env", List.of("prod"))), "http"))
                .isEmpty();
    }

    @Test
    void repeatedHeadersAreJoinedWithCommasAsEnvoyMatchesThem() {
        HTTPMatchRequest r = new HTTPMatchRequest();
        r.setHeaders(Map.of("x-env", exact("prod")));
        HttpMatch m = HttpMatch.compile(r, "default");
        assertThat(m.runtimeMismatch(new HttpRequestInfo("GET", "h", "/",
                Map.of("x-env", List.of("prod", "dev"))), "http")).isPresent();
    }

    @Test
    void theFirstOfRepeatedQueryParametersIsMatched() {
        HTTPMatchRequest r = new HTTPMatchRequest();
        r.setQueryParams(Map.of("k", exact("1")));
        HttpMatch m = HttpMatch.compile(r, "default");
        assertThat(m.runtimeMismatch(new HttpRequestInfo("GET", "h", "/?k=1&k=2", Map.of()), "http")).isEmpty();
        assertThat(m.runtimeMismatch(new HttpRequestInfo("GET", "h", "/?k=2&k=1", Map.of()), "http")).isPresent();
    }

    @Test
    void theQueryStringIsNotPartOfTheUriMatch() {
        HTTPMatchRequest r = new HTTPMatchRequest();
        StringMatch exact = exact("/a");
        r.setUri(exact);
        HttpMatch m = HttpMatch.compile(r, "default");
        assertThat(m.runtimeMismatch(new HttpRequestInfo("GET", "h", "/a?b=/c", Map.of()), "http")).isEmpty();
    }

    static StringMatch exact(String v) {
        StringMatch m = new StringMatch();
        m.setMatchType(new io.fabric8.istio.api.api.networking.v1alpha3.StringMatchExact(v));
        return m;
    }

    @ParameterizedTest(name = "{0} contains {1}: {2}")
    @CsvSource({
            "10.0.0.0/8, 10.255.1.2, true",
            "10.0.0.0/8, 11.0.0.1, false",
            "10.1.2.3, 10.1.2.3, true",
            "10.1.2.3, 10.1.2.4, false",
            "0.0.0.0/0, 192.0.2.1, true",
            "2001:db8::/32, 2001:db8::1, true",
            "2001:db8::/32, 2001:db9::1, false",
            "::1, ::1, true",
            "10.0.0.0/33, 10.0.0.1, false",
            "10.0.0.0/-1, 10.0.0.1, false",
            "999.0.0.0/8, 999.0.0.1, false",
            "10.0.0/24, 10.0.0.1, false",
            "example.com/24, example.com, false",
            "10.0.0.0/8, example.com, false",
            "10.0.0.0/8, ::ffff:10.0.0.1, false",
            "1:2:3:4:5:6:7:8:9/64, 1::, false",
            "1::2::3/64, 1::, false"
    })
    void cidrsParseWithoutResolvingAndInvalidOnesMatchNothing(String subnet, String ip, boolean expected) {
        // an unparsable subnet is no block at all: it can match nothing
        assertThat(IpPrefix.parse(subnet).map(p -> p.contains(ip)).orElse(false)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "authority {0} -> host {1}")
    @CsvSource({
            "Example.COM, example.com",
            "example.com., example.com",
            "example.com:8080, example.com",
            "EXAMPLE.com.:80, example.com",
            "[::1]:8080, ::1",
            "'  a.example.com  ', a.example.com"
    })
    void authorityHostIgnoresCasePortAndTrailingDot(String authority, String host) {
        assertThat(dev.tollgate.core.model.net.Authority.hostOf(authority)).isEqualTo(host);
    }

    @ParameterizedTest(name = "{0} in {1} -> {2}")
    @CsvSource({
            "reviews, default, reviews.default.svc.cluster.local",
            "Reviews., team, reviews.team.svc.cluster.local",
            "a.example.com, team, a.example.com",
            "'*.example.com', team, '*.example.com'",
            "'*', team, '*'"
    })
    void shortNamesAreQualifiedInTheResourcesNamespace(String host, String ns, String expected) {
        assertThat(RouteHosts.qualify(host, ns)).isEqualTo(expected);
    }

    @Test
    void exportToTildeExportsNowhereAndDotMeansTheOwnNamespace() {
        assertThat(Visibility.ofConfig(List.of("~"), List.of()).isVisibleFrom("team", "team")).isFalse();
        assertThat(Visibility.ofConfig(List.of("."), List.of()).isVisibleFrom("team", "team")).isTrue();
        assertThat(Visibility.ofConfig(List.of("."), List.of()).isVisibleFrom("default", "team")).isFalse();
        assertThat(Visibility.ofConfig(List.of("default"), List.of()).isVisibleFrom("default", "team")).isTrue();
        assertThat(Visibility.ofConfig(List.of("*"), List.of()).isVisibleFrom("anything", "team")).isTrue();
    }

    @Test
    void aWeightedRouteWhoseWeightsAreAllZeroHasNoDestination() {
        assertThat(WeightedChoice.choose(List.of(new RouteTarget("a", "", 0, 0), new RouteTarget("b", "", 0, 0))))
                .isEmpty();
        assertThat(WeightedChoice.choose(List.of(new RouteTarget("a", "", 0, 0)))).isPresent();
    }

    @Test
    void hostIndexLooksUpMostSpecificPatternFirst() {
        HostIndex<String> idx = new HostIndex<>();
        idx.add("*", "any");
        idx.add("*.com", "com");
        idx.add("*.example.com", "example");
        idx.add("a.example.com", "exact");
        idx.add("example.com", "apex");
        assertThat(idx.lookup("a.example.com")).extracting(HostIndex.Hit::value)
                .containsExactly("exact", "example", "com", "any");
        assertThat(idx.lookup("example.com")).extracting(HostIndex.Hit::value).containsExactly("apex", "com", "any");
    }
}
