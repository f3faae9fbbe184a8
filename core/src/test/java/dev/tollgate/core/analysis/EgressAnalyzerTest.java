package dev.tollgate.core.analysis;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.testing.TestConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Each analyze check with a fixture that must trigger it and one that must not. */
class EgressAnalyzerTest {

    static String fixture(String name) {
        try (InputStream in = EgressAnalyzerTest.class.getResourceAsStream("/analysis/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Diagnostic> analyze(TestConfig config) {
        return EgressAnalyzer.analyze(config.build());
    }

    private static List<Diagnostic> withCode(List<Diagnostic> all, String code) {
        return all.stream().filter(d -> d.code().equals(code)).toList();
    }

    private static TestConfig https() {
        return TestConfig.create().apply("istio-system", fixture("https-through-gateway.yaml"));
    }

    private static TestConfig http() {
        return TestConfig.create().apply("istio-system", fixture("http-through-gateway.yaml"));
    }

    private static final String ALLOW_GOOGLE = """
            apiVersion: security.istio.io/v1beta1
            kind: AuthorizationPolicy
            metadata:
              name: external-allow-developers-google-com
            spec:
              action: ALLOW
              rules:
              - from:
                - source:
                    namespaces: ["default"]
                to:
                - operation:
                    methods: ["GET"]
                    hosts: [developers.google.com]
            """;

    @Test
    void finishedHttpsTutorialIsClean() {
        assertThat(analyze(https())).isEmpty();
    }

    @Test
    void tutorialB5HttpsWithPrincipalAndSniPoliciesIsClean() {
        // The brief: the finished HTTPS files must give no false TCP warning for connection.sni policies.
        assertThat(analyze(TestConfig.create().apply("istio-system", fixture("https-tutorial-b5.yaml")))).isEmpty();
    }

    @Test
    void tutorialHttpVariantOnlyWarnsAboutTheUnroutedHttpsPort() {
        List<Diagnostic> all = analyze(http().apply("istio-system", """
                apiVersion: security.istio.io/v1beta1
                kind: AuthorizationPolicy
                metadata: {name: external-deny-developers-google-com}
                spec:
                  action: DENY
                  rules:
                  - from: [{source: {namespaces: ["otherns"]}}]
                    when: [{key: connection.sni, values: [developers.google.com]}]
                """));
        assertThat(all).extracting(Diagnostic::code).containsExactly("TG0102");
    }

    @Test
    void emptyAndSparseResourcesDoNotBreakTheAnalysis() {
        List<Diagnostic> all = analyze(TestConfig.create().apply("istio-system", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: se}
                spec: {}
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: gw}
                spec: {selector: {istio: egressgateway}, servers: [{hosts: [a.example]}, {port: {number: 8443}}]}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: vs}
                spec: {http: [{}], tls: [{match: [{}]}], tcp: [{route: [{destination: {}}]}]}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: dr}
                spec: {subsets: [{}], trafficPolicy: {portLevelSettings: [{tls: {sni: x.example}}]}}
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: ap}
                spec: {rules: [{from: [{}], to: [{}], when: [{key: connection.sni}]}]}
                """));
        assertThat(all).allSatisfy(d -> assertThat(d.code()).startsWith("TG01"));
    }

    @Test
    void everyFindingIsAWarningWithKeyAndPath() {
        List<Diagnostic> all = analyze(http().apply("default", ALLOW_GOOGLE));
        assertThat(all).isNotEmpty().allSatisfy(d -> {
            assertThat(d.severity()).isEqualTo(Diagnostic.Severity.WARNING);
            assertThat(d.code()).matches("TG01\\d\\d");
            assertThat(d.resource()).isPresent();
            assertThat(d.fieldPath()).isNotEmpty();
        });
    }

    // ---- TG0101

    @Test
    void policyInDefaultSelectsNoGateway() {
        List<Diagnostic> d = withCode(analyze(https().apply("default", ALLOW_GOOGLE)), "TG0101");
        assertThat(d).hasSize(1);
        assertThat(d.get(0).resource().get().toString())
                .isEqualTo("AuthorizationPolicy default/external-allow-developers-google-com");
        assertThat(d.get(0).fieldPath()).isEqualTo("metadata.namespace");
        assertThat(d.get(0).message()).contains("policy is in namespace default").contains("istio-system");
    }

    @Test
    void policyWithSelectorOfAnotherWorkloadSelectsNoGateway() {
        List<Diagnostic> d = withCode(analyze(https().apply("istio-system", """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: ingress-only}
                spec:
                  selector: {matchLabels: {istio: ingressgateway}}
                  rules: [{}]
                """)), "TG0101");
        assertThat(d).singleElement().satisfies(x -> assertThat(x.fieldPath()).isEqualTo("spec.selector.matchLabels"));
    }

    @Test
    void policyInRootNamespaceSelectsTheGateway() {
        assertThat(withCode(analyze(https().apply("istio-system", ALLOW_GOOGLE.replace(
                "name: external-allow-developers-google-com", "name: a\n  namespace: istio-system"))), "TG0101"))
                .isEmpty();
    }

    @Test
    void gatewayWorkloadsFromTheConfigReplaceTheDefault() {
        TestConfig c = https().apply("egress", ALLOW_GOOGLE.replace("namespaces: [\"default\"]", "namespaces: [x]"))
                .workload("egress", "my-egress", "egress-sa", java.util.Map.of("istio", "egressgateway"));
        assertThat(withCode(analyze(c), "TG0101")).isEmpty();
    }

    // ---- TG0102

    @Test
    void serviceEntryPortNotRoutedToTheGatewayBypassesIt() {
        List<Diagnostic> d = withCode(analyze(http()), "TG0102");
        assertThat(d).singleElement().satisfies(x -> {
            assertThat(x.fieldPath()).isEqualTo("spec.hosts[0]");
            assertThat(x.message()).contains("443/HTTPS").doesNotContain("80/HTTP,").contains("every namespace");
        });
    }

    @Test
    void namespaceServiceEntryWithoutRouteBypassesTheGateway() {
        List<Diagnostic> d = withCode(analyze(TestConfig.create().apply("default", """
                apiVersion: networking.istio.io/v1beta1
                kind: ServiceEntry
                metadata: {name: external-developers-google-com}
                spec:
                  hosts: [developers.google.com]
                  exportTo: ["."]
                  location: MESH_EXTERNAL
                  resolution: DNS
                  ports: [{number: 443, name: https, protocol: TLS}]
                """)), "TG0102");
        assertThat(d).singleElement().satisfies(x -> assertThat(x.message()).contains("namespaces [default]"));
    }

    @Test
    void serviceEntryVisibleOnlyToTheGatewayDoesNotBypass() {
        assertThat(withCode(analyze(TestConfig.create().apply("istio-system", """
                apiVersion: networking.istio.io/v1beta1
                kind: ServiceEntry
                metadata: {name: external-developers-google-com}
                spec:
                  hosts: [developers.google.com]
                  exportTo: ["."]
                  resolution: DNS
                  ports: [{number: 443, name: https, protocol: HTTPS}]
                """)), "TG0102")).isEmpty();
    }

    @Test
    void fullyRoutedServiceEntryDoesNotBypass() {
        assertThat(withCode(analyze(https()), "TG0102")).isEmpty();
    }

    // ---- TG0103 and TG0108

    private static final String ALLOW_GET_AT_GATEWAY = """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: allow-get, namespace: istio-system}
            spec:
              rules:
              - to:
                - operation:
                    methods: ["GET"]
                    hosts: [developers.google.com]
            """;

    @Test
    void allowRuleWithHttpFieldsNeverMatchesOnTlsServer() {
        List<Diagnostic> d = withCode(analyze(https().apply("istio-system", ALLOW_GET_AT_GATEWAY)), "TG0103");
        assertThat(d).singleElement().satisfies(x -> {
            assertThat(x.fieldPath()).isEqualTo("spec.rules[0]");
            assertThat(x.message()).contains("port 443 (TLS, tls ISTIO_MUTUAL)").contains("HTTP-only");
        });
    }

    /**
     * Istio, pilot/pkg/model/push_context.go mergeGateways: "no selector. Applies to all workloads asking for the
     * gateway". The analysis once read a selector-less Gateway as selecting nothing, and missed its servers.
     */
    @Test
    void gatewayWithoutSelectorServesEveryGatewayWorkload() {
        TestConfig c = TestConfig.create().apply("istio-system", fixture("https-through-gateway.yaml")
                .replace("  selector: {istio: egressgateway}\n", "")).apply("istio-system", ALLOW_GET_AT_GATEWAY);
        assertThat(withCode(analyze(c), "TG0103")).singleElement()
                .satisfies(x -> assertThat(x.message()).contains("port 443 (TLS, tls ISTIO_MUTUAL)"));
    }

    /** ...but it names no workload: a sleep pod stays a sleep pod, and the default gateway is still the gateway. */
    @Test
    void gatewayWithoutSelectorMakesNoWorkloadAGateway() {
        TestConfig c = TestConfig.create().apply("istio-system", fixture("https-through-gateway.yaml")
                        .replace("  selector: {istio: egressgateway}\n", ""))
                .apply("default", ALLOW_GOOGLE)
                .workload("default", "sleep", "sleep", java.util.Map.of("app", "sleep"));
        assertThat(withCode(analyze(c), "TG0101")).singleElement()
                .satisfies(x -> assertThat(x.message()).contains("policy is in namespace default"));
    }

    @Test
    void allowRuleWithHttpFieldsIsFineOnHttpServer() {
        assertThat(withCode(analyze(http().apply("istio-system", ALLOW_GET_AT_GATEWAY)), "TG0103")).isEmpty();
    }

    @Test
    void allowRuleOnConnectionAttributesIsFineOnTlsServer() {
        assertThat(withCode(analyze(https().apply("istio-system", """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: allow-sni}
                spec:
                  rules:
                  - from: [{source: {principals: ["cluster.local/ns/default/sa/sleep"]}}]
                    when: [{key: connection.sni, values: [developers.google.com]}]
                """)), "TG0103")).isEmpty();
    }

    @Test
    void denyRuleWithHttpFieldsIsWidenedOnTlsServer() {
        List<Diagnostic> d = withCode(analyze(https().apply("istio-system", """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: deny-post}
                spec:
                  action: DENY
                  rules: [{to: [{operation: {methods: [POST], ports: ["443"]}}]}]
                """)), "TG0108");
        assertThat(d).singleElement().satisfies(x -> assertThat(x.message()).contains("methods"));
    }

    @Test
    void denyRuleOnOtherPortIsNotWidenedThere() {
        assertThat(withCode(analyze(https().apply("istio-system", """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: deny-post}
                spec:
                  action: DENY
                  rules: [{to: [{operation: {methods: [POST], ports: ["8080"]}}]}]
                """)), "TG0108")).isEmpty();
    }

    // ---- TG0104 and TG0105

    @Test
    void routeToUndefinedSubset() {
        List<Diagnostic> d = withCode(analyze(TestConfig.create().apply("istio-system",
                fixture("https-through-gateway.yaml").replace("subset: google", "subset: googel"))), "TG0104");
        assertThat(d).singleElement().satisfies(x -> {
            assertThat(x.fieldPath()).isEqualTo("spec.tls[0].route[0].destination.subset");
            assertThat(x.message()).contains("googel").contains("[google]");
        });
    }

    @Test
    void routeToUndefinedGateway() {
        List<Diagnostic> d = withCode(analyze(TestConfig.create().apply("istio-system", """
                apiVersion: networking.istio.io/v1beta1
                kind: VirtualService
                metadata: {name: external-developers-google-com}
                spec:
                  hosts: [developers.google.com]
                  gateways: [istio-egressgateway]
                  http:
                  - route: [{destination: {host: developers.google.com}}]
                """)), "TG0105");
        assertThat(d).singleElement().satisfies(x -> {
            assertThat(x.fieldPath()).isEqualTo("spec.gateways[0]");
            assertThat(x.message()).contains("istio-system/istio-egressgateway");
        });
    }

    @Test
    void gatewayReferencesAreReadAsRoutingReadsThem() {
        // Istio's legacy "name.namespace.svc.cluster.local" form names istio-system/istio-google-egressgateway;
        // routing binds the routes to it, so analyze must not call it undefined (nor TG0106 its server unrouted).
        String legacy = "istio-google-egressgateway.istio-system.svc.cluster.local";
        List<Diagnostic> all = analyze(TestConfig.create().apply("istio-system", fixture("https-through-gateway.yaml")
                .replace("gateways: [istio-google-egressgateway, mesh]", "gateways: [" + legacy + ", mesh]")
                .replace("- gateways: [istio-google-egressgateway]", "- gateways: [" + legacy + "]")));
        assertThat(withCode(all, "TG0105")).isEmpty();
        assertThat(withCode(all, "TG0106")).isEmpty();
        // the same reference to a Gateway that is not there is still reported, under the name routing resolved
        List<Diagnostic> missing = withCode(analyze(TestConfig.create().apply("istio-system",
                fixture("https-through-gateway.yaml").replace("gateways: [istio-google-egressgateway, mesh]",
                        "gateways: [istio-yahoo-egressgateway.istio-system.svc.cluster.local, mesh]"))), "TG0105");
        assertThat(missing).singleElement().satisfies(x -> {
            assertThat(x.fieldPath()).isEqualTo("spec.gateways[0]");
            assertThat(x.message()).startsWith("refers to Gateway istio-system/istio-yahoo-egressgateway, which");
        });
    }

    @Test
    void definedSubsetsAndGatewaysAreFine() {
        List<Diagnostic> all = analyze(https());
        assertThat(withCode(all, "TG0104")).isEmpty();
        assertThat(withCode(all, "TG0105")).isEmpty();
    }

    // ---- TG0106

    @Test
    void gatewayServerWithoutRoute() {
        List<Diagnostic> d = withCode(analyze(https().apply("istio-system", """
                apiVersion: networking.istio.io/v1alpha3
                kind: Gateway
                metadata: {name: istio-yahoo-egressgateway}
                spec:
                  selector: {istio: egressgateway}
                  servers:
                  - port: {number: 443, name: tls-yahoo, protocol: TLS}
                    hosts: [developer.yahoo.com]
                    tls: {mode: ISTIO_MUTUAL}
                """)), "TG0106");
        assertThat(d).singleElement().satisfies(x -> {
            assertThat(x.resource().get().name()).isEqualTo("istio-yahoo-egressgateway");
            assertThat(x.fieldPath()).isEqualTo("spec.servers[0]");
        });
    }

    @Test
    void routedGatewayServersAreFine() {
        assertThat(withCode(analyze(https()), "TG0106")).isEmpty();
        assertThat(withCode(analyze(http()), "TG0106")).isEmpty();
    }

    // ---- TG0107

    @Test
    void subsetSniThatNamesAnotherHost() {
        List<Diagnostic> d = withCode(analyze(TestConfig.create().apply("istio-system",
                fixture("https-through-gateway.yaml").replace("sni: developers.google.com", "sni: developer.yahoo.com"))),
                "TG0107");
        assertThat(d).singleElement().satisfies(x -> {
            assertThat(x.fieldPath()).isEqualTo("spec.subsets[0].trafficPolicy.portLevelSettings[0].tls.sni");
            assertThat(x.message()).contains("developer.yahoo.com").contains("[developers.google.com]");
        });
    }

    @Test
    void originationSniThatDiffersFromTheHost() {
        List<Diagnostic> d = withCode(analyze(TestConfig.create().apply("istio-system",
                fixture("http-through-gateway.yaml").replace("tls: {mode: SIMPLE}",
                        "tls: {mode: SIMPLE, sni: www.google.com}"))), "TG0107");
        assertThat(d).singleElement().satisfies(x -> assertThat(x.message()).contains("www.google.com"));
    }

    @Test
    void matchingSniIsFine() {
        assertThat(withCode(analyze(https()), "TG0107")).isEmpty();
        assertThat(withCode(analyze(http()), "TG0107")).isEmpty();
    }

    // ---- TG0109

    @Test
    void customPolicyAtTheGatewayIsReported() {
        assertThat(withCode(analyze(https().apply("istio-system", """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: ext}
                spec:
                  action: CUSTOM
                  provider: {name: my-ext}
                  rules: [{}]
                """)), "TG0109")).singleElement().satisfies(x -> assertThat(x.fieldPath()).isEqualTo("spec.action"));
    }

    @Test
    void originsComeFromTheResourceFields() {
        ConfigSet base = https().apply("default", ALLOW_GOOGLE).build();
        var p = base.authorizationPolicies().stream().filter(r -> r.namespace().equals("default")).findFirst()
                .orElseThrow();
        var located = new dev.tollgate.core.model.Resource<>(p.key(), p.spec(), p.labels(), p.annotations(),
                new dev.tollgate.core.model.Origin("allow.yaml", 1, 1),
                java.util.Map.of("metadata.namespace", new dev.tollgate.core.model.Origin("allow.yaml", 3, 3)));
        ConfigSet c = new ConfigSet(base.serviceEntries(), base.sidecars(), base.gateways(), base.virtualServices(),
                base.destinationRules(), List.of(located), base.workloads(), base.mesh());
        assertThat(withCode(EgressAnalyzer.analyze(c), "TG0101")).singleElement()
                .satisfies(x -> assertThat(x.origin().toString()).isEqualTo("allow.yaml:3:3"));
    }
}
