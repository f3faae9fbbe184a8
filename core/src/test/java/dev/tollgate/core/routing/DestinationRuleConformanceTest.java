package dev.tollgate.core.routing;

import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.OutboundMode;
import dev.tollgate.core.snapshot.OutboundRequest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.tollgate.core.routing.RoutingCase.OTHER;
import static dev.tollgate.core.routing.RoutingCase.SLEEP;
import static dev.tollgate.core.routing.RoutingCase.get;
import static org.assertj.core.api.Assertions.assertThat;

/** DestinationRule semantics: which rule applies to a client, and the TLS it sets up. */
class DestinationRuleConformanceTest {

    static String dr(String name, String ns, String body) {
        return """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: %s, namespace: %s}
                spec:
                %s
                ---
                """.formatted(name, ns, body.indent(2).stripTrailing());
    }

    /** Routes a.example.com's http traffic to b.example.com subset v1 (a subset makes the rule's subsets matter). */
    static final String TO_SUBSET = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: v, namespace: default}
            spec:
              hosts: [a.example.com]
              http:
              - route: [{destination: {host: b.example.com, subset: v1, port: {number: 443}}}]
            ---
            """;

    static final OutboundRequest GET_B = get("b.example.com", "/");

    static Stream<RoutingCase> cases() {
        return Stream.of(
                new RoutingCase("ClientTLSSettings.mode SIMPLE: \"Originate a TLS connection to the upstream "
                        + "endpoint\"", dr("d", "default", "host: b.example.com\ntrafficPolicy: {tls: {mode: SIMPLE}}"),
                        SLEEP, GET_B, "tls=SIMPLE"),
                new RoutingCase("ClientTLSSettings.sni: \"If unspecified, SNI will be automatically set based on "
                        + "downstream HTTP host/authority header for SIMPLE and MUTUAL TLS modes\"",
                        dr("d", "default", "host: b.example.com\ntrafficPolicy: {tls: {mode: SIMPLE}}"), SLEEP, GET_B,
                        "tls=SIMPLE sni=b.example.com"),
                new RoutingCase("ClientTLSSettings.sni: \"SNI string to present to the server during TLS handshake\"",
                        dr("d", "default", "host: b.example.com\ntrafficPolicy: {tls: {mode: SIMPLE, sni: origin.example.org}}"),
                        SLEEP, GET_B, "tls=SIMPLE sni=origin.example.org"),
                new RoutingCase("ClientTLSSettings.mode DISABLE: \"Do not setup a TLS connection to the upstream "
                        + "endpoint\"", dr("d", "default", "host: b.example.com\ntrafficPolicy: {tls: {mode: DISABLE}}"),
                        SLEEP, GET_B, "tls=DISABLE sni=-"),
                new RoutingCase("ClientTLSSettings MUTUAL: subjectAltNames and caCertificates are carried to the "
                        + "upstream TLS", dr("d", "default", """
                                host: b.example.com
                                trafficPolicy:
                                  tls: {mode: MUTUAL, caCertificates: /etc/ca.pem, subjectAltNames: [b.example.com]}"""),
                        SLEEP, GET_B, "tls=MUTUAL sni=b.example.com gw=false addresses=[] sans=[b.example.com] ca=/etc/ca.pem"),
                new RoutingCase("ISTIO_MUTUAL without sni: Istio presents the cluster's SNI outbound_.<port>_.<subset>_.<host>",
                        dr("d", "default", "host: b.example.com\ntrafficPolicy: {tls: {mode: ISTIO_MUTUAL}}"), SLEEP,
                        GET_B, "tls=ISTIO_MUTUAL sni=outbound_.80_._.b.example.com"),
                new RoutingCase("portLevelSettings: \"port level settings will override the destination-level "
                        + "settings\"", dr("d", "default", """
                                host: b.example.com
                                trafficPolicy:
                                  tls: {mode: DISABLE}
                                  portLevelSettings:
                                  - port: {number: 80}
                                    tls: {mode: SIMPLE}"""), SLEEP, GET_B,
                        "portLevelSettings[port 80].tls: tls SIMPLE"),
                new RoutingCase("portLevelSettings: \"Traffic settings specified at the destination-level will not be "
                        + "inherited when overridden by port-level settings, i.e. default values will be applied to "
                        + "fields omitted in port-level traffic policies\"", dr("d", "default", """
                                host: b.example.com
                                trafficPolicy:
                                  tls: {mode: SIMPLE}
                                  portLevelSettings:
                                  - port: {number: 80}
                                    connectionPool: {tcp: {maxConnections: 10}}"""), SLEEP, GET_B, "tls=DISABLE"),
                new RoutingCase("portLevelSettings for another port leave the destination-level tls",
                        dr("d", "default", """
                                host: b.example.com
                                trafficPolicy:
                                  tls: {mode: SIMPLE}
                                  portLevelSettings:
                                  - port: {number: 8080}
                                    tls: {mode: DISABLE}"""), SLEEP, GET_B, "tls=SIMPLE"),
                new RoutingCase("Subset.trafficPolicy: \"Traffic policies that apply to this subset. Subsets inherit "
                        + "the traffic policies specified at the DestinationRule level. Settings specified at the "
                        + "subset level will override the corresponding settings specified at the DestinationRule "
                        + "level\"", TO_SUBSET + dr("d", "default", """
                                host: b.example.com
                                trafficPolicy: {tls: {mode: DISABLE}}
                                subsets:
                                - name: v1
                                  trafficPolicy: {tls: {mode: SIMPLE, sni: v1.example.com}}"""), SLEEP,
                        get("a.example.com", "/"), "-> b.example.com:443 tls=SIMPLE sni=v1.example.com"),
                new RoutingCase("Subsets inherit the rule-level tls when they set none", TO_SUBSET + dr("d", "default", """
                                host: b.example.com
                                trafficPolicy: {tls: {mode: SIMPLE}}
                                subsets:
                                - name: v1
                                  labels: {version: v1}"""), SLEEP, get("a.example.com", "/"),
                        "-> b.example.com:443 tls=SIMPLE sni=a.example.com"),
                new RoutingCase("A subset's portLevelSettings override its own tls (Istio's MergeTrafficPolicy)",
                        TO_SUBSET + dr("d", "default", """
                                host: b.example.com
                                subsets:
                                - name: v1
                                  trafficPolicy:
                                    tls: {mode: SIMPLE}
                                    portLevelSettings:
                                    - port: {number: 443}
                                      tls: {mode: ISTIO_MUTUAL, sni: v1.internal}"""), SLEEP, get("a.example.com", "/"),
                        "tls=ISTIO_MUTUAL sni=v1.internal"),
                new RoutingCase("Subsets: \"Policies specified for subsets will not take effect until a route rule "
                        + "explicitly sends traffic to this subset\"", dr("d", "default", """
                                host: b.example.com
                                subsets:
                                - name: v1
                                  trafficPolicy: {tls: {mode: SIMPLE}}"""), SLEEP, GET_B, "tls=DISABLE"),
                new RoutingCase("A route to a subset no DestinationRule defines has no cluster (503): no route",
                        TO_SUBSET + dr("d", "default", "host: b.example.com\nsubsets: [{name: v2}]"), SLEEP,
                        get("a.example.com", "/"), "no-route: no route: subset v1 of b.example.com is not defined"),
                new RoutingCase("A route to a subset without any DestinationRule: no route", TO_SUBSET, SLEEP,
                        get("a.example.com", "/"), "no-route: no route: subset v1 of b.example.com is not defined"),
                // ---- which rule: namespaces, exportTo, specificity
                new RoutingCase("Destination rule lookup: the client's namespace comes before the service's "
                        + "namespace", dr("svc", "istio-system", "host: b.example.com\ntrafficPolicy: {tls: {mode: MUTUAL}}")
                        + dr("client", "default", "host: b.example.com\ntrafficPolicy: {tls: {mode: SIMPLE}}"), SLEEP,
                        GET_B, "DestinationRule default/client trafficPolicy.tls: tls SIMPLE"),
                new RoutingCase("Destination rule lookup: the service's namespace comes before the root namespace",
                        dr("root", "istio-system", "host: svc.example.org\ntrafficPolicy: {tls: {mode: MUTUAL}}")
                                + dr("svc", "team", "host: svc.example.org\ntrafficPolicy: {tls: {mode: SIMPLE}}")
                                + """
                                apiVersion: networking.istio.io/v1
                                kind: ServiceEntry
                                metadata: {name: svc, namespace: team}
                                spec:
                                  hosts: [svc.example.org]
                                  ports: [{number: 8443, name: tcp, protocol: TCP}]
                                  resolution: DNS
                                """, SLEEP,
                        // plain TCP: SIMPLE around an application's own TLS is Istio's "Double TLS" (DoubleTlsTest)
                        OutboundRequest.tcp("svc.example.org", 8443), "DestinationRule team/svc trafficPolicy.tls: tls SIMPLE"),
                new RoutingCase("Destination rule lookup: the root namespace's rules apply when neither the client's "
                        + "nor the service's namespace has one", dr("root", "istio-system",
                        "host: b.example.com\ntrafficPolicy: {tls: {mode: SIMPLE}}"), OTHER, GET_B,
                        "DestinationRule istio-system/root"),
                new RoutingCase("DestinationRule.exportTo: \"The value \\\".\\\" is reserved and defines an export to "
                        + "the same namespace that the destination rule is declared in\"", dr("d", "team",
                        "host: b.example.com\nexportTo: [\".\"]\ntrafficPolicy: {tls: {mode: SIMPLE}}"), SLEEP, GET_B,
                        "tls=DISABLE"),
                new RoutingCase("A namespace-local rule that is not exported falls back to a visible one",
                        dr("hidden", "default", "host: b.example.com\nexportTo: [otherns]\ntrafficPolicy: {tls: {mode: MUTUAL}}")
                                + dr("root", "istio-system", "host: b.example.com\ntrafficPolicy: {tls: {mode: SIMPLE}}"),
                        SLEEP, GET_B, "DestinationRule istio-system/root trafficPolicy.tls: tls SIMPLE"),
                new RoutingCase("meshConfig.defaultDestinationRuleExportTo applies to rules without exportTo",
                        dr("root", "istio-system", "host: b.example.com\ntrafficPolicy: {tls: {mode: SIMPLE}}"),
                        new MeshSettings(OutboundMode.ALLOW_ANY, "cluster.local", "istio-system", List.of("*"),
                                List.of("*"), List.of("."), Map.of()), SLEEP, GET_B, "tls=DISABLE"),
                new RoutingCase("DestinationRule.host: the most specific host match wins (an exact host over a "
                        + "wildcard)", dr("wild", "default", "host: \"*.example.com\"\ntrafficPolicy: {tls: {mode: MUTUAL}}")
                        + dr("exact", "default", "host: b.example.com\ntrafficPolicy: {tls: {mode: SIMPLE}}"), SLEEP,
                        GET_B, "DestinationRule default/exact"),
                new RoutingCase("DestinationRule.host: a wildcard host applies to the hosts it matches",
                        dr("wild", "default", "host: \"*.example.com\"\ntrafficPolicy: {tls: {mode: SIMPLE}}"), SLEEP,
                        GET_B, "DestinationRule default/wild"),
                new RoutingCase("DestinationRule.workloadSelector: \"the DestinationRule configuration will be "
                        + "applied only to the workload instances matching the workload selector label in the same "
                        + "namespace\"", dr("sel", "default", """
                                host: b.example.com
                                workloadSelector: {matchLabels: {app: other}}
                                trafficPolicy: {tls: {mode: SIMPLE}}"""), SLEEP, GET_B, "tls=DISABLE"),
                new RoutingCase("workloadSelector selecting the client applies", dr("sel", "default", """
                                host: b.example.com
                                workloadSelector: {matchLabels: {app: sleep}}
                                trafficPolicy: {tls: {mode: SIMPLE}}"""), SLEEP, GET_B, "tls=SIMPLE"),
                new RoutingCase("DestinationRule.host short names are qualified in the rule's namespace",
                        dr("d", "default", "host: b\ntrafficPolicy: {tls: {mode: SIMPLE}}"), SLEEP, GET_B, "tls=DISABLE"),
                new RoutingCase("Rules for the same host in one namespace merge: the first one's traffic policy "
                        + "applies, subsets are added", TO_SUBSET
                        + dr("one", "default", "host: b.example.com\ntrafficPolicy: {tls: {mode: SIMPLE}}")
                        + dr("two", "default", "host: b.example.com\nsubsets: [{name: v1}]"), SLEEP,
                        get("a.example.com", "/"), "-> b.example.com:443 tls=SIMPLE"),
                new RoutingCase("A STATIC ServiceEntry's endpoints are the addresses the proxy connects to",
                        "", SLEEP, OutboundRequest.tls("single.example.com", 8443), "addresses=[192.0.2.10]")
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void destinationRule(RoutingCase c) {
        assertThat(c.summary()).contains(c.expect());
    }

    /**
     * The merge cache keys every client namespace that holds no rule and is named by no exportTo as one: whatever
     * order clients ask in, each gets what a fresh snapshot answers it first.
     */
    @org.junit.jupiter.api.Test
    void theMergeCacheAnswersEveryNamespaceAsAFreshSnapshotDoes() {
        String yaml = dr("hidden", "default", "host: b.example.com\nexportTo: [otherns]\ntrafficPolicy: {tls: {mode: MUTUAL}}")
                + dr("own", "team", "host: b.example.com\nexportTo: [\".\"]\ntrafficPolicy: {tls: {mode: SIMPLE}}")
                + dr("root", "istio-system", "host: b.example.com\ntrafficPolicy: {tls: {mode: SIMPLE, sni: root}}");
        RoutingCase c = new RoutingCase("cache", yaml, SLEEP, GET_B, "");
        List<dev.tollgate.core.model.WorkloadRef> clients = new java.util.ArrayList<>();
        for (String ns : List.of("default", "otherns", "apps", "team", "more")) {
            clients.add(new dev.tollgate.core.model.WorkloadRef(ns, "sleep", Map.of()));
        }
        Map<dev.tollgate.core.model.WorkloadRef, String> fresh = new java.util.HashMap<>();
        clients.forEach(w -> fresh.put(w, tls(c.snapshot(), w)));
        for (List<dev.tollgate.core.model.WorkloadRef> order : List.of(clients, clients.reversed())) {
            var shared = c.snapshot();
            for (int round = 0; round < 2; round++) {
                for (var w : order) {
                    assertThat(tls(shared, w)).as("%s", w).isEqualTo(fresh.get(w));
                }
            }
        }
        assertThat(new java.util.HashSet<>(fresh.values())).as("the rules tell some clients apart").hasSizeGreaterThan(1);
    }

    private static String tls(dev.tollgate.core.snapshot.MeshSnapshot s, dev.tollgate.core.model.WorkloadRef from) {
        var d = s.outbound(from, GET_B);
        assertThat(d).isInstanceOf(dev.tollgate.core.snapshot.OutboundDecision.Forward.class);
        var tls = ((dev.tollgate.core.snapshot.OutboundDecision.Forward) d).upstream().tls();
        return tls.mode() + " " + tls.sni().orElse("-");
    }
}
