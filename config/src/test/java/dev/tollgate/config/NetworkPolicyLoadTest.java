package dev.tollgate.config;

import dev.tollgate.core.model.Diagnostic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kubernetes NetworkPolicies are read as strictly as Istio's kinds: analyze must never judge a policy the API server
 * would refuse, nor miss one because of a typo. NetworkPolicy kinds of other API groups are not Kubernetes'.
 */
class NetworkPolicyLoadTest {
    @TempDir
    Path dir;

    private LoadResult load(String spec) {
        return Fixtures.load(dir, "np.yaml", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
                + "metadata: {name: p, namespace: shop}\nspec:\n" + spec.indent(2));
    }

    private void refused(String spec, String code, String path, String message) {
        LoadResult r = load(spec);
        assertThat(r.ok()).as("must be refused: " + spec).isFalse();
        assertThat(r.errors()).as(Fixtures.dump(r.diagnostics())).anySatisfy(d -> {
            assertThat(d.code()).isEqualTo(code);
            assertThat(d.fieldPath()).isEqualTo(path);
            assertThat(d.message()).contains(message);
            assertThat(d.origin().line()).isPositive();
        });
    }

    @Test
    void aValidPolicyIsLoadedWithTheOriginOfEachRule() {
        LoadResult r = load("""
                podSelector: {matchExpressions: [{key: app, operator: In, values: [web]}]}
                policyTypes: [Egress]
                egress:
                - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]
                  ports: [{protocol: TCP, port: 443}, {port: https}, {port: 8000, endPort: 8080}]
                """);
        assertThat(r.ok()).as(Fixtures.dump(r.diagnostics())).isTrue();
        var p = r.config().orElseThrow().networkPolicies().get(0);
        assertThat(p.namespace()).isEqualTo("shop");
        assertThat(p.originOf("spec.egress[0].to[0].ipBlock").line()).isEqualTo(8);
        assertThat(p.originOf("spec.egress[0]").toString()).endsWith("np.yaml:8:5");
        assertThat(p.spec().getEgress().get(0).getTo().get(0).getIpBlock().getExcept()).containsExactly("10.0.0.0/8");
    }

    @Test
    void aTypoIsAnErrorNotASilentlyDroppedRule() {
        refused("podSelector: {}\negres: [{}]\n", "unknown-field", "spec.egres", "did you mean \"egress\"");
        refused("podSelector: {}\negress: [{too: [{podSelector: {}}]}]\n", "unknown-field", "spec.egress[0].too",
                "did you mean \"to\"");
    }

    @Test
    void brokenBlocksPortsAndSelectorsAreRefused() {
        refused("podSelector: {}\negress: [{to: [{ipBlock: {cidr: 10.0.0.0/33}}]}]\n", "invalid-field",
                "spec.egress[0].to[0].ipBlock.cidr", "is not a CIDR");
        refused("podSelector: {}\negress: [{to: [{ipBlock: {cidr: 10.0.0.1}}]}]\n", "invalid-field",
                "spec.egress[0].to[0].ipBlock.cidr", "is not a CIDR");
        refused("podSelector: {}\negress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [192.168.0.0/16]}}]}]\n",
                "invalid-field", "spec.egress[0].to[0].ipBlock.except[0]", "strictly within cidr 10.0.0.0/8");
        refused("podSelector: {}\negress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/8]}}]}]\n",
                "invalid-field", "spec.egress[0].to[0].ipBlock.except[0]", "strictly within");
        refused("podSelector: {}\negress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}, podSelector: {}}]}]\n",
                "invalid-field", "spec.egress[0].to[0].ipBlock", "both ipBlock and another peer");
        refused("podSelector: {}\negress: [{to: [{}]}]\n", "missing-field", "spec.egress[0].to[0]", "must specify a peer");
        refused("podSelector: {}\negress: [{ports: [{protocol: ICMP}]}]\n", "invalid-field",
                "spec.egress[0].ports[0].protocol", "unsupported protocol");
        refused("podSelector: {}\negress: [{ports: [{port: 70000}]}]\n", "invalid-field",
                "spec.egress[0].ports[0].port", "");
        refused("podSelector: {}\negress: [{ports: [{port: HTTPS}]}]\n", "invalid-field",
                "spec.egress[0].ports[0].port", "neither a number");
        refused("podSelector: {}\negress: [{ports: [{port: https, endPort: 500}]}]\n", "invalid-field",
                "spec.egress[0].ports[0].endPort", "needs a numeric port");
        refused("podSelector: {}\negress: [{ports: [{port: 500, endPort: 400}]}]\n", "invalid-field",
                "spec.egress[0].ports[0].endPort", "at least port");
        refused("podSelector: {matchExpressions: [{key: app, operator: Equals, values: [a]}]}\n", "invalid-field",
                "spec.podSelector.matchExpressions[0].operator", "unsupported operator");
        refused("podSelector: {matchExpressions: [{key: app, operator: In}]}\n", "invalid-field",
                "spec.podSelector.matchExpressions[0]", "needs values");
        refused("podSelector: {}\npolicyTypes: [Outgoing]\n", "invalid-field", "spec.policyTypes[0]",
                "unsupported value");
        refused("policyTypes: [Egress]\n", "missing-field", "spec", "podSelector is required");
    }

    @Test
    void aWrongVersionOfKubernetesNetworkPolicyIsAnErrorButOtherGroupsAreSkipped() {
        LoadResult old = Fixtures.load(dir, "old.yaml", """
                apiVersion: extensions/v1beta1
                kind: NetworkPolicy
                metadata: {name: p}
                spec: {podSelector: {}}
                """);
        assertThat(old.errors()).singleElement().satisfies(d -> {
            assertThat(d.code()).isEqualTo("unknown-api-version");
            assertThat(d.message()).contains("networking.k8s.io/v1");
        });
        LoadResult calico = Fixtures.load(dir, "calico.yaml", """
                apiVersion: projectcalico.org/v3
                kind: NetworkPolicy
                metadata: {name: p}
                spec: {selector: all(), types: [Egress]}
                """);
        assertThat(calico.ok()).isTrue();
        assertThat(calico.config().orElseThrow().networkPolicies()).isEmpty();
        assertThat(calico.diagnostics()).singleElement().satisfies(d -> {
            assertThat(d.severity()).isEqualTo(Diagnostic.Severity.INFO);
            assertThat(d.code()).isEqualTo("skipped-kind");
        });
    }
}
