package dev.tollgate.core.snapshot;

import dev.tollgate.core.model.Verdict;
import dev.tollgate.core.model.Stage;
import dev.tollgate.core.model.HttpRequestInfo;
import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.OutboundMode;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.testing.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Named.named;

/**
 * DESIGN.md: "the sidecar: Host or SNI differs from the requested host -> 502, with the reason", and "Host names match
 * case-insensitively, with a trailing dot ignored and the scheme's default port implied".
 */
class RequestedHostTest {
    private static final WorkloadRef SLEEP = new WorkloadRef("default", "sleep", Map.of("app", "sleep"));

    private static OutboundRequest http(String host, int port, String authority) {
        return OutboundRequest.http(host, port, new HttpRequestInfo("GET", authority, "/", Map.of()));
    }

    private static OutboundRequest tls(String host, String sni) {
        return new OutboundRequest(Protocol.TLS, host, 443, Optional.of(sni), Optional.empty());
    }

    static Stream<Arguments> same() {
        return Stream.of(
                Arguments.of(named("the same name", http("api.example.com", 80, "api.example.com"))),
                Arguments.of(named("case differs", http("api.example.com", 80, "API.Example.COM"))),
                Arguments.of(named("trailing dot", http("api.example.com", 80, "api.example.com."))),
                Arguments.of(named("default port written out", http("api.example.com", 80, "api.example.com:80"))),
                Arguments.of(named("other port written out", http("api.example.com", 8080, "api.example.com:8080"))),
                Arguments.of(named("requested host with a trailing dot", http("api.example.com.", 80, "api.example.com"))),
                Arguments.of(named("IPv6 literal", http("::1", 8080, "[::1]:8080"))),
                Arguments.of(named("IPv4 literal", http("10.0.0.1", 80, "10.0.0.1"))),
                Arguments.of(named("SNI in another case", tls("api.example.com", "API.example.com."))),
                Arguments.of(named("TLS without SNI", new OutboundRequest(Protocol.TLS, "10.0.0.1", 443,
                        Optional.empty(), Optional.empty()))),
                Arguments.of(named("TCP carries no name", OutboundRequest.tcp("db.example.com", 5432))));
    }

    static Stream<Arguments> other() {
        return Stream.of(
                Arguments.of(named("another host", http("api.example.com", 80, "evil.example.com")),
                        "Host header evil.example.com does not match the request's host api.example.com"),
                Arguments.of(named("another port", http("api.example.com", 80, "api.example.com:8080")),
                        "does not match the request's host api.example.com"),
                Arguments.of(named("default port implied for a non-default request port",
                        http("api.example.com", 8080, "api.example.com")), "api.example.com:8080"),
                Arguments.of(named("a subdomain", http("example.com", 80, "api.example.com")), "Host header"),
                Arguments.of(named("empty Host", http("api.example.com", 80, "")), "Host header"),
                Arguments.of(named("user info", http("api.example.com", 80, "evil.example.com@api.example.com")),
                        "Host header"),
                Arguments.of(named("port not a number", http("api.example.com", 80, "api.example.com:8o")),
                        "Host header"),
                Arguments.of(named("port overflow", http("api.example.com", 80, "api.example.com:4294967376")),
                        "Host header"),
                Arguments.of(named("two ports", http("api.example.com", 80, "api.example.com:80:80")), "Host header"),
                Arguments.of(named("unterminated IPv6", http("::1", 80, "[::1")), "Host header"),
                Arguments.of(named("wildcard", http("api.example.com", 80, "*.example.com")), "Host header"),
                Arguments.of(named("another SNI", tls("api.example.com", "evil.example.com")),
                        "TLS SNI evil.example.com does not match the CONNECT host api.example.com"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("same")
    void aRequestNamingItsOwnHostPasses(OutboundRequest r) {
        assertThat(RequestedHost.mismatch(r)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("other")
    void aRequestNamingAnotherHostIsRefused(OutboundRequest r, String reason) {
        assertThat(RequestedHost.mismatch(r)).hasValueSatisfying(why -> assertThat(why).contains(reason));
    }

    @Test
    void outboundRefusesASpoofedHostEvenWhereTheRequestedHostIsAllowed() {
        MeshSnapshot s = SnapshotCompiler.compile(TestConfig.create()
                .mesh(MeshSettings.DEFAULTS.withOutboundMode(OutboundMode.REGISTRY_ONLY))
                .apply("default", """
                        apiVersion: networking.istio.io/v1
                        kind: ServiceEntry
                        metadata: {name: api}
                        spec:
                          hosts: [api.example.com]
                          ports: [{number: 80, name: http, protocol: HTTP}, {number: 443, name: tls, protocol: TLS}]
                          resolution: DNS
                        """).build());
        assertThat(s.outbound(SLEEP, http("api.example.com", 80, "api.example.com")))
                .isInstanceOf(OutboundDecision.Forward.class);
        var refused = (OutboundDecision.Refused) s.outbound(SLEEP, http("api.example.com", 80, "evil.example.com"));
        assertThat(refused.reason())
                .isEqualTo("Host header evil.example.com does not match the request's host api.example.com");
        assertThat(refused.trace()).singleElement().satisfies(h -> assertThat(h.stage()).isEqualTo(Stage.REQUEST));
        assertThat(s.outbound(SLEEP, tls("api.example.com", "evil.example.com")))
                .isInstanceOf(OutboundDecision.Refused.class);
        CheckResult r = s.check(SLEEP, http("api.example.com", 80, "evil.example.com"));
        assertThat(r.allowed()).isFalse();
        assertThat(r.outcome()).isEqualTo(Verdict.BLOCKED);
    }

    /**
     * Issue 7: under REGISTRY_ONLY, {@code \u212Aey.example.com} (a Kelvin sign) was ALLOWED as
     * {@code key.example.com}, because {@code toLowerCase} folded it, while the proxy refused the name. Now the
     * snapshot refuses it with the reason the proxies and {@code check}'s URL parser give, wherever the name comes.
     */
    @Test
    void aNonAsciiLookAlikeOfARegisteredHostIsRefusedWithTheOneReason() {
        MeshSnapshot s = SnapshotCompiler.compile(TestConfig.create()
                .mesh(MeshSettings.DEFAULTS.withOutboundMode(OutboundMode.REGISTRY_ONLY))
                .apply("default", """
                        apiVersion: networking.istio.io/v1
                        kind: ServiceEntry
                        metadata: {name: key}
                        spec:
                          hosts: [key.example.com]
                          ports: [{number: 80, name: http, protocol: HTTP}, {number: 443, name: tls, protocol: TLS}]
                          resolution: DNS
                        """).build());
        String kelvin = "\u212Aey.example.com";
        String reason = "host \"\\u212Aey.example.com\" is not ASCII; Tollgate accepts only ASCII host names"
                + " (write IDNs in their xn-- form)";
        assertThat(s.outbound(SLEEP, OutboundRequest.tls("key.example.com", 443)))
                .as("the ASCII name is registered").isInstanceOf(OutboundDecision.Forward.class);
        for (OutboundRequest r : java.util.List.of(OutboundRequest.tls(kelvin, 443),
                new OutboundRequest(Protocol.TLS, kelvin, 443, Optional.of(kelvin), Optional.empty()),
                new OutboundRequest(Protocol.TLS, "key.example.com", 443, Optional.of(kelvin), Optional.empty()),
                http(kelvin, 80, kelvin), http("key.example.com", 80, kelvin), OutboundRequest.tcp(kelvin, 80))) {
            assertThat(s.outbound(SLEEP, r)).as("%s", r).isInstanceOfSatisfying(OutboundDecision.Refused.class,
                    d -> assertThat(d.reason()).isEqualTo(reason));
            CheckResult c = s.check(SLEEP, r);
            assertThat(c.allowed()).isFalse();
        }
    }
}
