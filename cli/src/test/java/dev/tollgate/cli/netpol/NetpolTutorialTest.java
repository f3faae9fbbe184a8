package dev.tollgate.cli.netpol;

import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.ConfigSource;
import dev.tollgate.config.LoadOptions;
import dev.tollgate.config.LoadResult;
import dev.tollgate.core.model.net.IpPrefix;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** The tutorial's part B configuration, generated and read back as a cluster would read it. */
public class NetpolTutorialTest {
    static final String DNS = "kube-system/{k8s-app=kube-dns} -> UDP/53,TCP/53";
    static final String ISTIOD = "istio-system/{app=istiod} -> TCP/15012";

    static EgressAllowList allow(EgressAllowList.ApiServer api, String... sources) {
        LoadResult r = ConfigLoader.load(List.of(sources).stream().map(ConfigSource::parse).toList(),
                LoadOptions.DEFAULTS);
        assertThat(r.ok()).as(r.diagnostics().toString()).isTrue();
        return EgressAllowList.of(SnapshotCompiler.compile(r.config().orElseThrow()).egressTopology(), api);
    }

    static String generate(String... sources) {
        return NetworkPolicies.yaml(allow(EgressAllowList.ApiServer.ANY_ADDRESS, sources));
    }

    static Map<String, NetworkPolicy> applicationPolicies(String yaml) {
        return NetpolYaml.named(yaml, NetworkPolicies.APPLICATION_POLICY);
    }

    public static String tutorial(String name) {
        return Path.of("..", "examples", "tutorial", name).toString();
    }

    @Test
    void eachApplicationNamespaceMayReachOnlyDnsTheGatewayAndIstiod() {
        String yaml = generate("default=" + tutorial("sleep.yaml"), "otherns=" + tutorial("sleep.yaml"),
                "istio-system=" + tutorial("external-google-https.yaml"),
                "istio-system=" + tutorial("external-yahoo.yaml"));

        assertThat(NetpolYaml.parse(yaml)).containsOnlyKeys("default/tollgate-egress-via-gateway",
                "otherns/tollgate-egress-via-gateway", "istio-system/tollgate-egress-gateway-upstream",
                "istio-system/tollgate-control-plane-egress");
        Map<String, NetworkPolicy> byNs = applicationPolicies(yaml);
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
        NetworkPolicy gw = NetpolYaml.named(generate(
                "default=" + tutorial("sleep.yaml"),
                "istio-system=" + tutorial("external-google-https.yaml")), NetworkPolicies.GATEWAY_POLICY)
                .get("istio-system");

        assertThat(gw.getSpec().getPodSelector().getMatchLabels())
                .isEqualTo(Map.of("istio", "egressgateway", "app", "istio-egressgateway"));
        // google over TLS only: the ServiceEntry and the gateway's tcp route both say 443; 80 is not open
        assertThat(NetpolYaml.describe(gw)).containsExactly(DNS, ISTIOD, "0.0.0.0/0 ::/0 -> TCP/443");
    }

    @Test
    void aConfigurationWithoutGatewayServersOpensNoGatewayPort() {
        String yaml = generate("default=" + tutorial("sleep.yaml"), "default=" + tutorial("serviceentry-google.yaml"));

        // a rule without ports would allow every port: with no listener there must be no gateway rule at all
        assertThat(NetpolYaml.describe(applicationPolicies(yaml).get("default"))).containsExactly(DNS, ISTIOD);
        // nor any upstream port: a ServiceEntry no gateway route goes to is not the gateway's to reach
        assertThat(NetpolYaml.describe(NetpolYaml.named(yaml, NetworkPolicies.GATEWAY_POLICY).get("istio-system")))
                .containsExactly(DNS, ISTIOD);
    }

    @Test
    void theControlPlaneMayReachOnlyDnsAndTheApiServerAddresses() {
        EgressAllowList.ApiServer api = new EgressAllowList.ApiServer(List.of(IpPrefix.parse("198.18.0.10").orElseThrow(),
                IpPrefix.parse("2001:db8::1/128").orElseThrow()), new TreeSet<>());
        String yaml = NetworkPolicies.yaml(allow(api, "default=" + tutorial("sleep.yaml"),
                "istio-system=" + tutorial("external-google-https.yaml")));
        NetworkPolicy cp = NetpolYaml.named(yaml, NetworkPolicies.CONTROL_PLANE_POLICY).get("istio-system");

        assertThat(cp.getSpec().getPodSelector().getMatchLabels()).isEqualTo(Map.of("app", "istiod"));
        assertThat(cp.getSpec().getPolicyTypes()).containsExactly("Egress");
        assertThat(NetpolYaml.describe(cp)).containsExactly(DNS,
                "198.18.0.10/32 2001:db8::1/128 -> TCP/443,TCP/6443");
        assertThat(yaml).doesNotContain("ANY address");
    }

    @Test
    void withoutApiServerAddressesTheControlPlaneMayReachAnyAddressOnlyOnItsPortsAndSaysSo() {
        EgressAllowList.ApiServer api = new EgressAllowList.ApiServer(List.of(), new TreeSet<>(List.of(8443)));
        String yaml = NetworkPolicies.yaml(allow(api, "default=" + tutorial("sleep.yaml")));
        NetworkPolicy cp = NetpolYaml.named(yaml, NetworkPolicies.CONTROL_PLANE_POLICY).get("istio-system");

        assertThat(NetpolYaml.describe(cp)).containsExactly(DNS, "* -> TCP/8443");
        // the comment sits inside the control plane's document, right after its separator
        assertThat(yaml).contains("---\n# istiod may reach ANY address on the API server's ports")
                .containsOnlyOnce("ANY address");
        int comment = yaml.indexOf("# istiod may reach ANY");
        assertThat(yaml.indexOf("name: " + NetworkPolicies.CONTROL_PLANE_POLICY, comment))
                .isLessThan(yaml.indexOf("---", comment) < 0 ? Integer.MAX_VALUE : yaml.indexOf("---", comment));
    }
}
