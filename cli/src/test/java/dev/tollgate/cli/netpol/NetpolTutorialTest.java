package dev.tollgate.cli.netpol;

import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.ConfigSource;
import dev.tollgate.config.LoadOptions;
import dev.tollgate.config.LoadResult;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The tutorial's part B configuration, generated and read back as a cluster would read it. */
public class NetpolTutorialTest {
    static final String DNS = "kube-system/{k8s-app=kube-dns} -> UDP/53,TCP/53";
    static final String ISTIOD = "istio-system/{app=istiod} -> TCP/15012";

    static String generate(String... sources) {
        LoadResult r = ConfigLoader.load(List.of(sources).stream().map(ConfigSource::parse).toList(),
                LoadOptions.DEFAULTS);
        assertThat(r.ok()).as(r.diagnostics().toString()).isTrue();
        EgressAllowList allow = AllowListDeriver.derive(SnapshotCompiler.compile(r.config().orElseThrow()));
        return NetworkPolicies.yaml(NetworkPolicies.build(allow));
    }

    public static String tutorial(String name) {
        return Path.of("..", "examples", "tutorial", name).toString();
    }

    @Test
    void eachApplicationNamespaceMayReachOnlyDnsTheGatewayAndIstiod() {
        Map<String, NetworkPolicy> byNs = NetpolYaml.parseByNamespace(generate(
                "default=" + tutorial("sleep.yaml"), "otherns=" + tutorial("sleep.yaml"),
                "istio-system=" + tutorial("external-google-https.yaml"),
                "istio-system=" + tutorial("external-yahoo.yaml")));

        assertThat(byNs).containsOnlyKeys("default", "otherns", "istio-system");
        for (String ns : List.of("default", "otherns")) {
            NetworkPolicy p = byNs.get(ns);
            assertThat(p.getApiVersion()).isEqualTo("networking.k8s.io/v1");
            assertThat(p.getKind()).isEqualTo("NetworkPolicy");
            assertThat(p.getSpec().getPolicyTypes()).containsExactly("Egress");
            assertThat(p.getSpec().getPodSelector().getMatchLabels()).as("all pods").isNullOrEmpty();
            assertThat(p.getSpec().getPodSelector().getMatchExpressions()).isNullOrEmpty();
            assertThat(p.getSpec().getIngress()).as("ingress untouched").isNullOrEmpty();
            // nothing else: no ipBlock, no port-less rule
            assertThat(NetpolYaml.describe(p)).containsExactly(DNS,
                    "istio-system/{app=istio-egressgateway, istio=egressgateway} -> TCP/80,TCP/443", ISTIOD);
        }
    }

    @Test
    void theGatewayMayReachAnyAddressOnlyOnItsUpstreamPorts() {
        NetworkPolicy gw = NetpolYaml.parseByNamespace(generate(
                "default=" + tutorial("sleep.yaml"),
                "istio-system=" + tutorial("external-google-https.yaml"))).get("istio-system");

        assertThat(gw.getMetadata().getName()).isEqualTo(NetworkPolicies.GATEWAY_POLICY);
        assertThat(gw.getSpec().getPodSelector().getMatchLabels())
                .isEqualTo(Map.of("istio", "egressgateway", "app", "istio-egressgateway"));
        // google over TLS only: the ServiceEntry and the gateway's tcp route both say 443; 80 is not open
        assertThat(NetpolYaml.describe(gw)).containsExactly(DNS, ISTIOD, "0.0.0.0/0 ::/0 -> TCP/443");
    }

    @Test
    void aConfigurationWithoutGatewayServersOpensNoGatewayPort() {
        Map<String, NetworkPolicy> byNs = NetpolYaml.parseByNamespace(generate(
                "default=" + tutorial("sleep.yaml"), "default=" + tutorial("serviceentry-google.yaml")));

        // a rule without ports would allow every port: with no listener there must be no gateway rule at all
        assertThat(NetpolYaml.describe(byNs.get("default"))).containsExactly(DNS, ISTIOD);
    }
}
