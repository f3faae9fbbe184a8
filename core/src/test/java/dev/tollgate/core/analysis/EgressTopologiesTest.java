package dev.tollgate.core.analysis;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.EgressTopology;
import dev.tollgate.core.routing.Routing;
import dev.tollgate.core.testing.TestConfig;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Which ports each gateway's upstream policy opens: only what its own routes reach outside. */
class EgressTopologiesTest {
    private static EgressTopology derive(TestConfig c) {
        ConfigSet config = c.build();
        return EgressTopologies.derive(config, Routing.compile(config));
    }

    private static final String GATEWAY = """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: gw}
            spec:
              selector: {istio: egressgateway}
              servers: [{port: {number: 443, name: tls, protocol: TLS}, hosts: ["*"], tls: {mode: PASSTHROUGH}}]
            """;

    @Test
    void aRouteWithoutAPortReachesItsServiceEntrysPortsAndAWildcardEntryCounts() {
        EgressTopology t = derive(TestConfig.create().apply("istio-system", GATEWAY + """
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: wild}
                spec: {hosts: ["*.example.com"], ports: [{number: 8443, name: tls, protocol: TLS}], resolution: NONE}
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: unrouted}
                spec: {hosts: [other.example.org], ports: [{number: 2525, name: smtp, protocol: TCP}]}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: out}
                spec:
                  hosts: [api.example.com]
                  gateways: [gw]
                  tls: [{match: [{sniHosts: [api.example.com]}], route: [{destination: {host: api.example.com}}]}]
                """));
        // 2525 belongs to a ServiceEntry that no gateway route goes to: the gateway never needs it
        assertThat(t.gateways()).singleElement().satisfies(g -> assertThat(g.upstreamPorts()).containsExactly(8443));
    }

    @Test
    void aGatewayRouteToAGatewayServiceIsNoUpstream() {
        EgressTopology t = derive(TestConfig.create().apply("istio-system", GATEWAY + """
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: hop}
                spec:
                  hosts: [api.example.com]
                  gateways: [gw]
                  tls:
                  - match: [{sniHosts: [api.example.com]}]
                    route:
                    - destination: {host: istio-egressgateway.istio-system.svc.cluster.local, port: {number: 15443}}
                    - destination: {host: api.example.com, port: {number: 443}}
                """));
        assertThat(t.gateways().get(0).upstreamPorts()).containsExactly(443);
        assertThat(EgressTopologies.isGatewayService("istio-egressgateway.istio-system", Set.of("istio-system")))
                .isTrue();
        assertThat(EgressTopologies.isGatewayService("gw.egress.svc", Set.of("egress"))).isTrue();
        // an external host whose second label happens to be a gateway namespace is not a service
        assertThat(EgressTopologies.isGatewayService("www.egress.example.com", Set.of("egress"))).isFalse();
    }

    @Test
    void twoDeploymentsWithTheSameLabelsInOneNamespaceAreOneGateway() {
        EgressTopology t = derive(TestConfig.create().apply("egress", GATEWAY + """
                ---
                kind: Workload
                metadata: {name: gw-blue}
                labels: {istio: egressgateway}
                ---
                kind: Workload
                metadata: {name: gw-green}
                labels: {istio: egressgateway}
                """));
        assertThat(t.gateways()).singleElement().satisfies(g -> {
            assertThat(g.name()).isEqualTo("gw-blue");
            assertThat(g.listenerPorts()).containsExactly(443);
        });
        assertThat(t.applicationNamespaceNames()).as("the gateway's namespace holds no applications").isEmpty();
    }
}
