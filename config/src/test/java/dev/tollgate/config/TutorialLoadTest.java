package dev.tollgate.config;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.model.Resource;
import io.fabric8.istio.api.api.security.v1beta1.AuthorizationPolicy;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static dev.tollgate.config.Fixtures.dump;
import static dev.tollgate.config.Fixtures.resource;
import static org.assertj.core.api.Assertions.assertThat;

/** The tutorial's own YAML (examples/tutorial) loads cleanly, in the namespaces kubectl would use. */
class TutorialLoadTest {

    private static ConfigSet ok(LoadResult r) {
        assertThat(r.ok()).as(dump(r.diagnostics())).isTrue();
        return r.config().orElseThrow();
    }

    @Test
    void httpVariantLoadsIntoTheNamespaceOfMinusN() {
        LoadResult r = ConfigLoader.load(java.util.List.of(
                        new ConfigSource(resource("tutorial/external-google.yaml"), Optional.empty()),
                        new ConfigSource(resource("tutorial/external-yahoo.yaml"), Optional.empty())),
                new LoadOptions("istio-system", java.util.Map.of()));
        ConfigSet set = ok(r);
        assertThat(set.serviceEntries()).extracting(Resource::name).containsExactly("google", "yahoo");
        assertThat(set.gateways()).hasSize(2);
        assertThat(set.virtualServices()).hasSize(2);
        assertThat(set.destinationRules()).hasSize(4);
        assertThat(set.serviceEntries()).allMatch(se -> se.namespace().equals("istio-system"));
        assertThat(set.virtualServices().get(0).spec().getHttp()).hasSize(2);
    }

    @Test
    void httpsVariantWithTrailingEmptyDocumentLoads() {
        ConfigSet set = ok(Fixtures.load(resource("tutorial/external-google-https.yaml"),
                resource("tutorial/external-yahoo-https.yaml")));
        assertThat(set.virtualServices()).allSatisfy(vs -> {
            assertThat(vs.spec().getTls()).hasSize(1);
            assertThat(vs.spec().getTcp()).hasSize(1);
        });
    }

    @Test
    void sameFileInTwoNamespacesWithNamespaceEqualsPath() {
        // The Istio egress tutorial's A3/A4 (docs/tutorial.md): the google ServiceEntry applied in default, then the
        // same file in otherns.
        LoadResult r = Fixtures.load(LoadOptions.DEFAULTS,
                ConfigSource.parse(resource("tutorial/serviceentry-google.yaml").toString()),
                new ConfigSource(resource("tutorial/serviceentry-google.yaml"), Optional.of("otherns")));
        ConfigSet set = ok(r);
        assertThat(set.serviceEntries()).extracting(Resource::namespace).containsExactly("default", "otherns");
        assertThat(set.serviceEntries()).allSatisfy(se -> assertThat(se.spec().getExportTo()).containsExactly("."));
    }

    @Test
    void resourceWithNamespaceIgnoresMinusN() {
        ConfigSet set = ok(Fixtures.load(new LoadOptions("elsewhere", java.util.Map.of()),
                new ConfigSource(resource("tutorial/authz-policy-allow-nothing.yaml"), Optional.of("otherns"))));
        assertThat(set.authorizationPolicies().get(0).namespace()).isEqualTo("istio-system");
    }

    @Test
    void allowNothingKeepsEmptySpecDistinctFromAnEmptyRule() {
        ConfigSet set = ok(Fixtures.load(resource("tutorial/authz-policy-allow-nothing.yaml")));
        Resource<AuthorizationPolicy> policy = set.authorizationPolicies().get(0);
        assertThat(policy.spec().getRules()).isEmpty();
        assertThat(policy.fields()).doesNotContainKey("spec.rules");
    }

    @Test
    void fieldOriginsPointAtTheLinesOfTheFile() {
        ConfigSet set = ok(Fixtures.load(resource("tutorial/authz-policy-deny-google-custom.yaml")));
        Resource<AuthorizationPolicy> policy = set.authorizationPolicies().get(0);
        String file = resource("tutorial/authz-policy-deny-google-custom.yaml").toString();
        assertThat(policy.origin().source()).isEqualTo(file);
        assertThat(policy.origin().line()).isEqualTo(1);
        assertThat(policy.originOf("spec.rules[0].from[0].source.principals").line()).isEqualTo(12);
        assertThat(policy.originOf("spec.rules[0].from[0].source.principals").column()).isEqualTo(9);
        assertThat(policy.originOf("spec.rules[0].from[0].source.principals[0]").column()).isEqualTo(22);
        assertThat(policy.originOf("spec.rules[0].from[0].source.principals[0]").line()).isEqualTo(12);
        assertThat(policy.originOf("spec.rules[0].when[0].key").line()).isEqualTo(14);
        assertThat(policy.originOf("spec.rules[0].when[0].values[0]").line()).isEqualTo(16);
        assertThat(policy.spec().getRules().get(0).getFrom().get(0).getSource().getPrincipals())
                .containsExactly("cluster.local/ns/otherns/sa/sleep-yahoo");
    }

    @Test
    void theTutorialsNetworkPolicyIsReadWithTheLinesOfItsFields() {
        // analyze judges NetworkPolicies (TG0110, TG0111), so the tutorial's is loaded now, no longer skipped
        LoadResult r = Fixtures.load(resource("tutorial/k8s-network-policy.yaml"));
        assertThat(r.ok()).as(Fixtures.dump(r.diagnostics())).isTrue();
        assertThat(r.diagnostics()).isEmpty();
        var policy = r.config().orElseThrow().networkPolicies().get(0);
        assertThat(policy.key().toString()).isEqualTo("NetworkPolicy default/allow-egress-to-istio-system-and-kube-dns");
        assertThat(policy.origin().line()).isEqualTo(1);
        assertThat(policy.originOf("spec.egress[1]").line()).isEqualTo(17);
        assertThat(policy.originOf("spec.egress[0].ports[0].port").line()).isEqualTo(16);
        assertThat(policy.spec().getEgress().get(1).getTo().get(0).getNamespaceSelector().getMatchLabels())
                .containsEntry("istio", "system");
    }

    @Test
    void v1beta1AndV1alpha3AreNormalisedToOneSpecClass() {
        ConfigSet set = ok(Fixtures.load(resource("tutorial/serviceentry-yahoo.yaml"),
                resource("tutorial/external-google.yaml")));
        assertThat(set.serviceEntries()).extracting(r -> (Object) r.spec().getClass())
                .containsOnly((Object) io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry.class);
    }

    @Test
    void aLaterDefinitionOfTheSameObjectReplacesTheEarlierWithAWarningAsKubectlApply() {
        // deny-google.yaml and deny-google-custom.yaml both define external-deny-developers-google-com;
        // 'kubectl apply -f tutorial/' applies files in name order ("-custom.yaml" sorts before ".yaml"), so the
        // plain deny-google.yaml is what the cluster keeps.
        LoadResult r = Fixtures.load(resource("tutorial"));
        assertThat(r.ok()).isTrue();
        assertThat(r.diagnostics()).anySatisfy(d -> {
            assertThat(d.code()).isEqualTo("duplicate-resource");
            assertThat(d.severity()).isEqualTo(dev.tollgate.core.model.Diagnostic.Severity.WARNING);
            assertThat(d.message()).contains("external-deny-developers-google-com").contains("replaces");
        });
        var policies = r.config().orElseThrow().authorizationPolicies().stream()
                .filter(a -> a.name().equals("external-deny-developers-google-com")).toList();
        assertThat(policies).hasSize(1);
        assertThat(policies.get(0).origin().source()).endsWith("authz-policy-deny-google.yaml");
    }
}
