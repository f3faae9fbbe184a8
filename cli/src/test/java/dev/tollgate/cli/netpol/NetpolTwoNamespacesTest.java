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
        Map<String, NetworkPolicy> byNs = NetpolYaml.parseByNamespace(NetpolTutorialTest.generate(file.toString()));

        assertThat(byNs).containsOnlyKeys("billing", "shop", "egress");
        for (String ns : new String[] {"billing", "shop"}) {
            assertThat(NetpolYaml.describe(byNs.get(ns))).as(ns).containsExactly(DNS,
                    "egress/{istio=egressgateway, team=net} -> TCP/8443", ISTIOD);
        }
        NetworkPolicy gw = byNs.get("egress");
        assertThat(gw.getSpec().getPodSelector().getMatchLabels())
                .isEqualTo(Map.of("istio", "egressgateway", "team", "net"));
        // 443 and its targetPort 9443 from the ServiceEntry, 443 from the gateway route; not 15443 (a route to the
        // gateway itself) nor 6000 and 7000 (routes matched only for mesh,
        // which the gateway never takes)
        assertThat(NetpolYaml.describe(gw)).containsExactly(DNS, ISTIOD, "0.0.0.0/0 ::/0 -> TCP/443,TCP/9443");
    }
}
