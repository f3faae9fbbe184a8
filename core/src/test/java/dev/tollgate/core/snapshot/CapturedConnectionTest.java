package dev.tollgate.core.snapshot;

import dev.tollgate.core.model.HttpRequestInfo;
import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.OutboundMode;
import dev.tollgate.core.model.Stage;
import dev.tollgate.core.model.Verdict;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.testing.TestConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Connections the sidecar captured transparently carry their original destination ({@link OutboundRequest#capturedTo}).
 *
 * <p>The pinned-address rule: ServiceEntry {@code addresses} "If one or more IP addresses are specified, the incoming
 * traffic will be identified as belonging to this service if the destination IP matches the IP/CIDRs specified in the
 * addresses field" (istio.io ServiceEntry reference), which also says "For HTTP traffic ... the destination will be
 * identified based on the HTTP Host/Authority header". So in Istio a client can name one host while connecting to an
 * address pinned to another, and the name wins. Tollgate deliberately refuses that mismatch (issue 8), with one
 * reason, wherever the decision is made.
 *
 * <p>Where the bytes go: Envoy's cluster for the PassthroughCluster and for a {@code resolution: NONE} ServiceEntry is
 * ORIGINAL_DST. istio.io ServiceEntry Resolution NONE: "Assume that incoming connections have already been resolved
 * (to a specific destination IP address). Such connections are typically routed via the proxy using mechanisms such
 * as IP table REDIRECT/ eBPF. After performing any routing related transformations, the proxy will forward the
 * connection to the IP address to which the connection was bound." So the upstream is the original destination,
 * never a fresh DNS answer, and never vouched for.
 */
class CapturedConnectionTest {
    private static final WorkloadRef SLEEP = new WorkloadRef("default", "sleep", Map.of("app", "sleep"));

    private static final String ENTRIES = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: pinned}
            spec:
              hosts: [b.example.com, "*.wild.example.com"]
              addresses: [198.18.0.5, 198.18.1.0/24]
              ports: [{number: 443, name: tls, protocol: TLS}, {number: 80, name: http, protocol: HTTP}]
              resolution: DNS
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: a}
            spec:
              hosts: [a.example.com]
              ports: [{number: 443, name: tls, protocol: TLS}, {number: 80, name: http, protocol: HTTP}]
              resolution: DNS
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: none}
            spec:
              hosts: [c.example.com]
              ports: [{number: 443, name: tls, protocol: TLS}]
              resolution: NONE
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: db}
            spec:
              hosts: [db.example.com]
              addresses: [198.18.0.20]
              ports: [{number: 5432, name: tcp, protocol: TCP}]
              resolution: NONE
            """;

    private static MeshSnapshot snapshot(OutboundMode mode) {
        return SnapshotCompiler.compile(TestConfig.create().mesh(MeshSettings.DEFAULTS.withOutboundMode(mode))
                .apply("default", ENTRIES)
                .apply("other", """
                        apiVersion: networking.istio.io/v1
                        kind: ServiceEntry
                        metadata: {name: hidden}
                        spec:
                          hosts: [hidden.example.com]
                          addresses: [198.18.0.7]
                          exportTo: ["."]
                          ports: [{number: 443, name: tls, protocol: TLS}]
                          resolution: DNS
                        """).build());
    }

    private static OutboundRequest http(String host, int port) {
        return OutboundRequest.http(host, port, new HttpRequestInfo("GET", host, "/", Map.of()));
    }

    private static String refusal(MeshSnapshot s, OutboundRequest r) {
        OutboundDecision d = s.outbound(SLEEP, r);
        assertThat(d).as("%s", r).isInstanceOf(OutboundDecision.Refused.class);
        return ((OutboundDecision.Refused) d).reason();
    }

    private static Upstream forwarded(MeshSnapshot s, OutboundRequest r) {
        OutboundDecision d = s.outbound(SLEEP, r);
        assertThat(d).as("%s", r).isInstanceOf(OutboundDecision.Forward.class);
        return ((OutboundDecision.Forward) d).upstream();
    }

    @Test
    void anSniNamingAnotherHostThanThePinnedAddressIsRefused() {
        MeshSnapshot s = snapshot(OutboundMode.REGISTRY_ONLY);
        OutboundRequest r = OutboundRequest.tls("a.example.com", 443).capturedTo("198.18.0.5");
        assertThat(refusal(s, r)).isEqualTo("SNI a.example.com does not match the original destination 198.18.0.5,"
                + " which ServiceEntry default/pinned pins to b.example.com, *.wild.example.com");
        OutboundDecision.Refused d = (OutboundDecision.Refused) s.outbound(SLEEP, r);
        assertThat(d.trace()).singleElement().satisfies(h -> {
            assertThat(h.stage()).isEqualTo(Stage.REQUEST);
            assertThat(h.resource()).map(Object::toString).contains("ServiceEntry default/pinned");
        });
        CheckResult c = s.check(SLEEP, r);
        assertThat(c.outcome()).isEqualTo(Verdict.BLOCKED);
        assertThat(c.reason()).contains("does not match the original destination 198.18.0.5");
        // the same name is allowed when it is not captured, or captured to an address nobody pins
        assertThat(forwarded(s, OutboundRequest.tls("a.example.com", 443)).host()).isEqualTo("a.example.com");
        assertThat(forwarded(s, OutboundRequest.tls("a.example.com", 443).capturedTo("198.18.9.9")).host())
                .isEqualTo("a.example.com");
    }

    @Test
    void aHostHeaderNamingAnotherHostThanThePinnedPrefixIsRefused() {
        MeshSnapshot s = snapshot(OutboundMode.ALLOW_ANY);
        assertThat(refusal(s, http("a.example.com", 80).capturedTo("198.18.1.77"))).isEqualTo("Host header "
                + "a.example.com does not match the original destination 198.18.1.77, which ServiceEntry "
                + "default/pinned pins to b.example.com, *.wild.example.com");
        // ALLOW_ANY does not lift it: the name is known, the address belongs to another service
        assertThat(refusal(s, http("unknown.example.org", 80).capturedTo("198.18.0.5")))
                .startsWith("Host header unknown.example.org does not match the original destination 198.18.0.5");
        // an IP literal naming another address is another host too
        assertThat(refusal(s, http("198.18.0.6", 80).capturedTo("198.18.0.5")))
                .startsWith("Host header 198.18.0.6 does not match");
    }

    @Test
    void theHostsThePinnedEntryHasPass() {
        MeshSnapshot s = snapshot(OutboundMode.REGISTRY_ONLY);
        assertThat(forwarded(s, OutboundRequest.tls("b.example.com", 443).capturedTo("198.18.0.5")).host())
                .isEqualTo("b.example.com");
        assertThat(forwarded(s, OutboundRequest.tls("B.Example.COM.", 443).capturedTo("198.18.0.5")).host())
                .isEqualTo("b.example.com");
        assertThat(forwarded(s, http("x.wild.example.com", 80).capturedTo("198.18.1.1")).host())
                .isEqualTo("x.wild.example.com");
        // the address itself as the Host (an application that dialled the IP) is no other host
        assertThat(s.outbound(SLEEP, http("198.18.0.5", 80).capturedTo("198.18.0.5")))
                .isInstanceOf(OutboundDecision.Forward.class);
    }

    @Test
    void anEntryOutsideTheWorkloadsViewPinsNothing() {
        MeshSnapshot s = snapshot(OutboundMode.REGISTRY_ONLY);
        // other/hidden is exported only to its own namespace: default/sleep cannot see its address
        assertThat(forwarded(s, OutboundRequest.tls("a.example.com", 443).capturedTo("198.18.0.7")).host())
                .isEqualTo("a.example.com");
    }

    @Test
    void passthroughAndResolutionNoneGoToTheOriginalDestinationUntrusted() {
        MeshSnapshot s = snapshot(OutboundMode.ALLOW_ANY);
        Upstream pass = forwarded(s, OutboundRequest.tls("unknown.example.org", 8443).capturedTo("198.18.0.9"));
        assertThat(pass.originalDestination()).contains("198.18.0.9");
        assertThat(pass.port()).isEqualTo(8443);
        assertThat(pass.addresses()).isEmpty();
        Upstream none = forwarded(s, OutboundRequest.tls("c.example.com", 443).capturedTo("198.18.0.10"));
        assertThat(none.originalDestination()).contains("198.18.0.10");
        assertThat(none.host()).isEqualTo("c.example.com");
        // an entry's own address is not vouched for when the connection was captured: the guard judges it
        Upstream db = forwarded(s, OutboundRequest.tcp("198.18.0.20", 5432).capturedTo("198.18.0.20"));
        assertThat(db.originalDestination()).contains("198.18.0.20");
        assertThat(db.addresses()).isEmpty();
    }

    @Test
    void dnsResolutionAndTheExplicitProxyKeepTheirUpstreams() {
        MeshSnapshot s = snapshot(OutboundMode.ALLOW_ANY);
        Upstream dns = forwarded(s, OutboundRequest.tls("a.example.com", 443).capturedTo("198.18.0.9"));
        assertThat(dns.originalDestination()).isEmpty();
        assertThat(dns.host()).isEqualTo("a.example.com");
        assertThat(forwarded(s, OutboundRequest.tls("unknown.example.org", 443)).originalDestination()).isEmpty();
        assertThat(forwarded(s, OutboundRequest.tcp("198.18.0.20", 5432)).addresses()).containsExactly("198.18.0.20");
    }

    @Test
    void unknownAddressesAreRefusedUnderRegistryOnly() {
        MeshSnapshot s = snapshot(OutboundMode.REGISTRY_ONLY);
        assertThat(forwarded(s, OutboundRequest.tcp("198.18.0.20", 5432).capturedTo("198.18.0.20")).host())
                .isEqualTo("198.18.0.20");
        assertThat(refusal(s, OutboundRequest.tcp("198.18.0.21", 5432).capturedTo("198.18.0.21")))
                .startsWith("REGISTRY_ONLY");
    }

    @Test
    void theOriginalDestinationMustBeAnIpLiteral() {
        assertThatThrownBy(() -> OutboundRequest.tcp("db.example.com", 5432).capturedTo("db.example.com"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(OutboundRequest.tcp("x", 1).originalDestination()).isEqualTo(Optional.empty());
    }
}
