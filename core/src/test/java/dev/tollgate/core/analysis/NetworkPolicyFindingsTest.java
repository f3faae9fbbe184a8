package dev.tollgate.core.analysis;

import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.model.Kind;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.testing.TestConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static dev.tollgate.core.analysis.EgressAnalyzerTest.fixture;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * TG0110 (a namespace sending through the gateway without an egress NetworkPolicy) and TG0111 (a NetworkPolicy that
 * lets application pods out directly), each with policies that must and must not trigger it.
 */
class NetworkPolicyFindingsTest {
    /** The tutorial's HTTPS part B in istio-system, and the sleep workload in default. */
    private static TestConfig mesh() {
        return TestConfig.create().apply("istio-system", fixture("https-through-gateway.yaml"))
                .apply("default", """
                        kind: Workload
                        metadata: {name: sleep}
                        serviceAccount: sleep
                        labels: {app: sleep}
                        """);
    }

    private static List<Diagnostic> findings(TestConfig config, String code) {
        return EgressAnalyzer.analyze(config.build()).stream().filter(d -> d.code().equals(code)).toList();
    }

    private static String policy(String namespace, String spec) {
        return "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: " + namespace
                + "}\nspec:\n" + spec.indent(2);
    }

    private static final String LOCKED = """
            podSelector: {}
            policyTypes: [Egress]
            egress:
            - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}]
              ports: [{protocol: UDP, port: 53}]
            - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: istio-system}}}]
            """;

    // ---- TG0110

    @Test
    void aNamespaceSendingThroughTheGatewayWithoutAPolicyIsFoundAtItsWorkload() {
        assertThat(findings(mesh(), "TG0110")).singleElement().satisfies(d -> {
            assertThat(d.severity()).isEqualTo(Diagnostic.Severity.WARNING);
            assertThat(d.message()).contains("namespace default sends traffic through the egress gateway")
                    .contains("workload default/sleep").contains("tollgate netpol");
        });
    }

    @Test
    void anIstioResourceNamesTheNamespaceWhenNoWorkloadDoes() {
        List<Diagnostic> d = findings(mesh().apply("shop", """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default}
                spec: {outboundTrafficPolicy: {mode: REGISTRY_ONLY}}
                """), "TG0110");
        assertThat(d).filteredOn(f -> f.message().contains("namespace shop")).singleElement().satisfies(f -> {
            assertThat(f.resource()).contains(new ResourceKey(Kind.SIDECAR, "shop", "default"));
            assertThat(f.fieldPath()).isEqualTo("metadata.namespace");
        });
    }

    @Test
    void anEgressPolicyForEveryPodOfTheNamespaceIsEnough() {
        assertThat(findings(mesh().apply("default", policy("default", LOCKED)), "TG0110")).isEmpty();
    }

    @Test
    void egressRulesWithoutPolicyTypesMakeAnEgressPolicyToo() {
        assertThat(findings(mesh().apply("default", policy("default", """
                podSelector: {}
                egress: [{to: [{podSelector: {}}]}]
                """)), "TG0110")).isEmpty();
    }

    @Test
    void aPolicyInAnotherNamespaceDoesNotCount() {
        // hostile: a policy of otherns that names default's namespace in a peer selects no pod of default
        assertThat(findings(mesh().apply("otherns", policy("otherns", """
                podSelector: {}
                policyTypes: [Egress]
                egress: [{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: default}}}]}]
                """)), "TG0110")).filteredOn(d -> d.message().contains("default")).hasSize(1);
    }

    @Test
    void anIngressOnlyPolicyDoesNotCount() {
        assertThat(findings(mesh().apply("default", policy("default", """
                podSelector: {}
                policyTypes: [Ingress]
                egress: [{to: [{podSelector: {}}]}]
                """)), "TG0110")).hasSize(1);
    }

    @Test
    void aPolicyThatSelectsOtherPodsLeavesTheWorkloadUncovered() {
        List<Diagnostic> d = findings(mesh().apply("default", policy("default", """
                podSelector: {matchLabels: {app: web}}
                policyTypes: [Egress]
                """)), "TG0110");
        assertThat(d).singleElement().satisfies(f -> {
            assertThat(f.message()).contains("workload default/sleep").contains("none of the egress NetworkPolicies")
                    .contains("(p)");
            assertThat(f.resource()).isEmpty();
        });
        // NotIn selects pods without the label's listed values: sleep is selected
        assertThat(findings(mesh().apply("default", policy("default", """
                podSelector: {matchExpressions: [{key: app, operator: NotIn, values: [web]}]}
                policyTypes: [Egress]
                """)), "TG0110")).isEmpty();
    }

    @Test
    void withoutDeclaredPodsOnlyAPolicyForEveryPodCovers() {
        TestConfig sidecarOnly = TestConfig.create().apply("istio-system", fixture("https-through-gateway.yaml"))
                .apply("shop", """
                        apiVersion: networking.istio.io/v1
                        kind: Sidecar
                        metadata: {name: default}
                        spec: {}
                        """);
        assertThat(findings(sidecarOnly.apply("shop", policy("shop", """
                podSelector: {matchLabels: {app: web}}
                policyTypes: [Egress]
                """)), "TG0110")).singleElement()
                .satisfies(f -> assertThat(f.message()).contains("select only some of its pods"));
    }

    @Test
    void withoutAGatewayListenerNothingIsSentThroughTheGateway() {
        assertThat(findings(TestConfig.create().apply("default", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: google}
                spec: {hosts: [developers.google.com], ports: [{number: 443, name: tls, protocol: TLS}]}
                """), "TG0110")).isEmpty();
    }

    // ---- TG0111

    @Test
    void anEgressRuleWithPortsButNoToIsOpen() {
        List<Diagnostic> d = findings(mesh().apply("default", policy("default", """
                podSelector: {}
                policyTypes: [Egress]
                egress:
                - to: [{podSelector: {}}]
                - ports: [{protocol: TCP, port: 443}]
                """)), "TG0111");
        assertThat(d).singleElement().satisfies(f -> {
            assertThat(f.fieldPath()).isEqualTo("spec.egress[1]");
            assertThat(f.resource()).contains(new ResourceKey(Kind.NETWORK_POLICY, "default", "p"));
            assertThat(f.message()).contains("no 'to'").contains("on TCP/443");
        });
    }

    @Test
    void anExceptThatLeavesTheInternetOpenIsStillOpen() {
        List<Diagnostic> d = findings(mesh().apply("default", policy("default", """
                podSelector: {}
                policyTypes: [Egress]
                egress:
                - to:
                  - namespaceSelector: {}
                  - ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]}
                """)), "TG0111");
        assertThat(d).singleElement().satisfies(f -> {
            assertThat(f.fieldPath()).isEqualTo("spec.egress[0].to[1].ipBlock");
            assertThat(f.message()).contains("0.0.0.0/0 except [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]")
                    .contains("covers public addresses (1.0.0.0/8 among them)").contains("on every port");
        });
    }

    @Test
    void privateBlocksAndExceptsThatCloseEverythingAreNotOpen() {
        assertThat(findings(mesh().apply("default", policy("default", """
                podSelector: {}
                policyTypes: [Egress]
                egress:
                - to:
                  - ipBlock: {cidr: 10.0.0.0/8}
                  - ipBlock: {cidr: 0.0.0.0/0, except: [0.0.0.0/1, 128.0.0.0/1]}
                  - ipBlock: {cidr: "fc00::/7"}
                  - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
                """)), "TG0111")).isEmpty();
    }

    @Test
    void ipv6AndASinglePublicAddressAreOpen() {
        List<Diagnostic> d = findings(mesh().apply("default", policy("default", """
                podSelector: {}
                egress:
                - to: [{ipBlock: {cidr: "::/0", except: ["fc00::/7"]}}, {ipBlock: {cidr: 8.8.8.8/32}}]
                """)), "TG0111");
        assertThat(d).extracting(Diagnostic::fieldPath)
                .containsExactly("spec.egress[0].to[0].ipBlock", "spec.egress[0].to[1].ipBlock");
        assertThat(d.get(0).message()).contains("(2000::/");
    }

    @Test
    void onlyGlobalIpv6SpaceAndNat64AreOpen() {
        // link-local, unique-local, documentation, loopback and multicast never leave; NAT64 reaches IPv4's internet
        assertThat(findings(mesh().apply("default", policy("default", """
                podSelector: {}
                egress:
                - to: [{ipBlock: {cidr: "fe80::/10"}}, {ipBlock: {cidr: "2001:db8::/32"}}, {ipBlock: {cidr: "::1/128"}},
                       {ipBlock: {cidr: "ff00::/8"}}, {ipBlock: {cidr: "::/3", except: ["::/4"]}}]
                """)), "TG0111")).isEmpty();
        assertThat(findings(mesh().apply("default", policy("default", """
                podSelector: {}
                egress: [{to: [{ipBlock: {cidr: "64:ff9b::/96"}}]}]
                """)), "TG0111")).singleElement()
                .satisfies(f -> assertThat(f.message()).contains("64:ff9b::/96 among them"));
    }

    @Test
    void theGatewaysOwnBroadPolicyIsNotFlagged() {
        // the default gateway lives in istio-system: reaching the outside is its job; so is DNS's in kube-system
        String broad = """
                podSelector: {matchLabels: {istio: egressgateway}}
                policyTypes: [Egress]
                egress: [{}, {to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]
                """;
        assertThat(findings(mesh().apply("istio-system", policy("istio-system", broad))
                .apply("kube-system", policy("kube-system", broad.replace("{istio: egressgateway}", "{}"))),
                "TG0111")).isEmpty();
    }

    @Test
    void aDeclaredGatewaysNamespaceIsTheGatewaysButItsApplicationPodsAreNot() {
        TestConfig c = mesh().apply("egress", """
                kind: Workload
                metadata: {name: egressgateway}
                labels: {istio: egressgateway}
                ---
                kind: Workload
                metadata: {name: debug}
                labels: {app: debug}
                """);
        String broadForGateway = """
                podSelector: {matchLabels: {istio: egressgateway}}
                egress: [{}]
                """;
        assertThat(findings(c.apply("egress", policy("egress", broadForGateway)), "TG0111")).isEmpty();
        // podSelector {} also selects the debug pod, which is no gateway
        assertThat(findings(mesh().apply("egress", """
                kind: Workload
                metadata: {name: egressgateway}
                labels: {istio: egressgateway}
                ---
                kind: Workload
                metadata: {name: debug}
                labels: {app: debug}
                """).apply("egress", policy("egress", broadForGateway.replace("{matchLabels: {istio: egressgateway}}",
                "{}"))), "TG0111")).hasSize(1);
    }

    @Test
    void egressRulesOfAnIngressOnlyPolicyAreNotInForce() {
        assertThat(findings(mesh().apply("default", policy("default", """
                podSelector: {}
                policyTypes: [Ingress]
                egress: [{}]
                """)), "TG0111")).isEmpty();
    }

    @Test
    void aPolicyOfAnyOtherNamespaceSelectsApplicationPods() {
        // a namespace no Istio resource names still holds applications: its open policy is found
        assertThat(findings(mesh().apply("batch", policy("batch", """
                podSelector: {matchLabels: {app: cron}}
                egress: [{ports: [{port: 443}]}]
                """)), "TG0111")).singleElement()
                .satisfies(f -> assertThat(f.resource()).contains(new ResourceKey(Kind.NETWORK_POLICY, "batch", "p")));
    }

    @Test
    void theTopologyIsTheOneNetpolWritesDown() {
        var t = EgressAnalyzer.topology(mesh().build(), dev.tollgate.core.routing.Routing.compile(mesh().build()));
        assertThat(t.applicationNamespaceNames()).containsExactly("default");
        assertThat(t.gateways()).singleElement().satisfies(g -> {
            assertThat(g.namespace()).isEqualTo("istio-system");
            assertThat(g.listenerPorts()).containsExactly(443);
            assertThat(g.upstreamPorts()).containsExactly(443);
        });
        assertThat(t.applicationNamespaces().get(0).resource()).isEqualTo(Optional.empty());
    }
}
