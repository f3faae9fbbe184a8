package dev.tollgate.cli.netpol;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.tollgate.cli.netpol.NetpolTutorialTest.DNS;
import static dev.tollgate.cli.netpol.NetpolTutorialTest.ISTIOD;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two application namespaces, a declared gateway workload in its own namespace with a TLS passthrough server on
 * 8443, and routes that must not leak into the gateway's upstream ports.
 */
class NetpolTwoNamespacesTest {
    static final String CONFIG = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: egress, namespace: egress}
            spec:
              selector: {matchLabels: {istio: egressgateway}}
              template:
                metadata: {labels: {istio: egressgateway, team: net}}
                spec: {serviceAccountName: egress}
            ---
            apiVersion: networking.istio.io/v1beta1
            kind: Sidecar
            metadata: {name: default, namespace: shop}
            spec:
              outboundTrafficPolicy: {mode: REGISTRY_ONLY}
            ---
            apiVersion: networking.istio.io/v1beta1
            kind: ServiceEntry
            metadata: {name: api, namespace: billing}
            spec:
              hosts: [api.example.com]
              location: MESH_EXTERNAL
              resolution: DNS
              ports: [{number: 443, name: tls, protocol: TLS, targetPort: 9443}]
            ---
            apiVersion: networking.istio.io/v1beta1
            kind: Gateway
            metadata: {name: egress-tls, namespace: egress}
            spec:
              selector: {istio: egressgateway}
              servers:
              - port: {number: 8443, name: tls, protocol: TLS}
                hosts: [api.example.com]
                tls: {mode: PASSTHROUGH}
            ---
            apiVersion: networking.istio.io/v1beta1
            kind: VirtualService
            metadata: {name: api-via-egress, namespace: egress}
            spec:
              hosts: [api.example.com]
              gateways: [egress-tls, mesh]
              tls:
              - match: [{gateways: [mesh], port: 443, sniHosts: [api.example.com]}]
                route: [{destination: {host: istio-egressgateway.istio-system.svc.cluster.local, port: {number: 15443}}}]
              - match: [{gateways: [egress-tls], port: 8443, sniHosts: [api.example.com]}]
                route: [{destination: {host: api.example.com, port: {number: 443}}}]
              - match: [{gateways: [mesh], port: 6000, sniHosts: [api.example.com]}]
                route: [{destination: {host: api.example.com, port: {number: 6000}}}]
            ---
            apiVersion: networking.istio.io/v1beta1
            kind: VirtualService
            metadata: {name: mesh-only, namespace: shop}
            spec:
              hosts: [internal.example.com]
              tcp:
              - route: [{destination: {host: internal.example.com, port: {number: 7000}}}]
            """;

    @Test
    void bothNamespacesGetThePolicyAndTheGatewayItsOwn(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("mesh.yaml"), CONFIG);
        String yaml = NetpolTutorialTest.generate(file.toString());
        Map<String, NetworkPolicy> byNs = NetpolYaml.named(yaml, NetworkPolicies.APPLICATION_POLICY);

        assertThat(NetpolYaml.parse(yaml)).containsOnlyKeys("billing/tollgate-egress-via-gateway",
                "shop/tollgate-egress-via-gateway", "egress/tollgate-egress-gateway-upstream",
                "istio-system/tollgate-control-plane-egress");
        for (String ns : new String[] {"billing", "shop"}) {
            assertThat(NetpolYaml.describe(byNs.get(ns))).as(ns).containsExactly(DNS,
                    "egress/{istio=egressgateway, team=net} -> TCP/8443", ISTIOD);
        }
        NetworkPolicy gw = NetpolYaml.named(yaml, NetworkPolicies.GATEWAY_POLICY).get("egress");
        assertThat(gw.getSpec().getPodSelector().getMatchLabels())
                .isEqualTo(Map.of("istio", "egressgateway", "team", "net"));
        // 443 and its targetPort 9443 from the ServiceEntry, 443 from the gateway route; not 15443 (a route to the
        // gateway itself) nor 6000 and 7000 (routes matched only for mesh,
        // which the gateway never takes)
        assertThat(NetpolYaml.describe(gw)).containsExactly(DNS, ISTIOD, "0.0.0.0/0 ::/0 -> TCP/443,TCP/9443");
    }

    /**
     * Two egress gateways: one labelled istio=egressgateway for TLS, one known only because a Gateway selects it, for
     * plain HTTP. Each listens and reaches out on its own ports only.
     */
    static String twoGateways(String nsA, String nsB) {
        return """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: egress-a, namespace: NS_A}
                spec:
                  selector: {matchLabels: {istio: egressgateway}}
                  template:
                    metadata: {labels: {istio: egressgateway, team: a}}
                    spec: {serviceAccountName: egress-a}
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: egress-b, namespace: NS_B}
                spec:
                  selector: {matchLabels: {app: egress-b}}
                  template:
                    metadata: {labels: {app: egress-b}}
                    spec: {serviceAccountName: egress-b}
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: app, namespace: billing}
                spec:
                  selector: {matchLabels: {app: billing}}
                  template:
                    metadata: {labels: {app: billing}}
                ---
                apiVersion: networking.istio.io/v1beta1
                kind: Sidecar
                metadata: {name: default, namespace: shop}
                spec:
                  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
                ---
                apiVersion: networking.istio.io/v1beta1
                kind: ServiceEntry
                metadata: {name: api, namespace: NS_A}
                spec:
                  hosts: [api.example.com]
                  location: MESH_EXTERNAL
                  resolution: DNS
                  ports: [{number: 443, name: tls, protocol: TLS}]
                ---
                apiVersion: networking.istio.io/v1beta1
                kind: ServiceEntry
                metadata: {name: plain, namespace: NS_B}
                spec:
                  hosts: [plain.example.org]
                  location: MESH_EXTERNAL
                  resolution: DNS
                  ports: [{number: 8080, name: http, protocol: HTTP}]
                ---
                apiVersion: networking.istio.io/v1beta1
                kind: Gateway
                metadata: {name: gw-a, namespace: NS_A}
                spec:
                  selector: {team: a}
                  servers:
                  - port: {number: 443, name: tls, protocol: TLS}
                    hosts: [api.example.com]
                    tls: {mode: PASSTHROUGH}
                ---
                apiVersion: networking.istio.io/v1beta1
                kind: Gateway
                metadata: {name: gw-b, namespace: NS_B}
                spec:
                  selector: {app: egress-b}
                  servers:
                  - port: {number: 80, name: http, protocol: HTTP}
                    hosts: [plain.example.org]
                ---
                apiVersion: networking.istio.io/v1beta1
                kind: VirtualService
                metadata: {name: api-out, namespace: NS_A}
                spec:
                  hosts: [api.example.com]
                  gateways: [gw-a]
                  tls:
                  - match: [{port: 443, sniHosts: [api.example.com]}]
                    route: [{destination: {host: api.example.com, port: {number: 443}}}]
                ---
                apiVersion: networking.istio.io/v1beta1
                kind: VirtualService
                metadata: {name: plain-out, namespace: NS_B}
                spec:
                  hosts: [plain.example.org]
                  gateways: [gw-b]
                  http:
                  - route: [{destination: {host: plain.example.org, port: {number: 8080}}}]
                """.replace("NS_A", nsA).replace("NS_B", nsB);
    }

    @Test
    void twoGatewaysEachGetTheirOwnUpstreamPolicyAndApplicationsReachEach(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("mesh.yaml"), twoGateways("egress-a", "egress-b"));
        String yaml = NetpolTutorialTest.generate(file.toString());

        assertThat(NetpolYaml.parse(yaml)).containsOnlyKeys("billing/tollgate-egress-via-gateway",
                "shop/tollgate-egress-via-gateway", "egress-a/tollgate-egress-gateway-upstream",
                "egress-b/tollgate-egress-gateway-upstream", "istio-system/tollgate-control-plane-egress");
        Map<String, NetworkPolicy> apps = NetpolYaml.named(yaml, NetworkPolicies.APPLICATION_POLICY);
        for (String ns : new String[] {"billing", "shop"}) {
            assertThat(NetpolYaml.describe(apps.get(ns))).as(ns).containsExactly(DNS,
                    "egress-a/{istio=egressgateway, team=a} -> TCP/443", "egress-b/{app=egress-b} -> TCP/80", ISTIOD);
        }
        Map<String, NetworkPolicy> gws = NetpolYaml.named(yaml, NetworkPolicies.GATEWAY_POLICY);
        assertThat(gws.get("egress-a").getSpec().getPodSelector().getMatchLabels())
                .isEqualTo(Map.of("istio", "egressgateway", "team", "a"));
        assertThat(NetpolYaml.describe(gws.get("egress-a"))).containsExactly(DNS, ISTIOD, "0.0.0.0/0 ::/0 -> TCP/443");
        assertThat(gws.get("egress-b").getSpec().getPodSelector().getMatchLabels())
                .isEqualTo(Map.of("app", "egress-b"));
        assertThat(NetpolYaml.describe(gws.get("egress-b"))).containsExactly(DNS, ISTIOD, "0.0.0.0/0 ::/0 -> TCP/8080");
    }

    @Test
    void twoGatewaysInOneNamespaceGetPoliciesOfDistinctNames(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("mesh.yaml"), twoGateways("egress", "egress"));
        Map<String, NetworkPolicy> all = NetpolYaml.parse(NetpolTutorialTest.generate(file.toString()));

        assertThat(all).containsKeys("egress/tollgate-egress-gateway-upstream-egress-a",
                "egress/tollgate-egress-gateway-upstream-egress-b").doesNotContainKey("egress/"
                + NetworkPolicies.GATEWAY_POLICY);
        assertThat(NetpolYaml.describe(all.get("egress/tollgate-egress-gateway-upstream-egress-a")))
                .containsExactly(DNS, ISTIOD, "0.0.0.0/0 ::/0 -> TCP/443");
        assertThat(NetpolYaml.describe(all.get("egress/tollgate-egress-gateway-upstream-egress-b")))
                .containsExactly(DNS, ISTIOD, "0.0.0.0/0 ::/0 -> TCP/8080");
    }
}
