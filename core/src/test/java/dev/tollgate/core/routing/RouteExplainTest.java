package dev.tollgate.core.routing;

import dev.tollgate.core.model.Consideration;
import dev.tollgate.core.model.HttpRequestInfo;
import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.Stage;
import dev.tollgate.core.snapshot.Explanation;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.OutboundRequest;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import dev.tollgate.core.testing.TestConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.tollgate.core.routing.GatewayConformanceTest.EGRESS;
import static dev.tollgate.core.routing.GatewayConformanceTest.GW;
import static dev.tollgate.core.routing.GatewayConformanceTest.gateway;
import static dev.tollgate.core.routing.RoutingCase.SLEEP;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Explanations the old re-derivation got wrong, now that each comes from the walk that decided: a deciding
 * VirtualService that does not name the requested host, and routes a proxy never consulted.
 */
class RouteExplainTest {

    @Test
    void aGatewayTcpRouteIsExplainedByTheVirtualServiceThatTookItThoughItNamesAnotherHost() {
        Routing routing = Routing.compile(TestConfig.create().mesh(MeshSettings.DEFAULTS).apply("default",
                RoutingCase.REGISTRY + gateway("egress", "istio-system", EGRESS, """
                        - port: {number: 9000, name: tcp, protocol: TCP}
                          hosts: ["*"]""") + """
                        apiVersion: networking.istio.io/v1
                        kind: VirtualService
                        metadata: {name: db, namespace: istio-system}
                        spec:
                          hosts: [db.example.com]
                          gateways: [istio-system/egress]
                          tcp:
                          - route: [{destination: {host: c.example.com, port: {number: 9000}}}]
                        """).build());
        GatewayServer server = ((ServerSelection.Selected) routing.selectServer(GW, 9000, Optional.empty(),
                Optional.empty())).server();
        RouteOutcome out = routing.gatewayRoute(GW, server, Optional.empty(), Optional.empty());
        assertThat(out).isInstanceOf(RouteOutcome.Routed.class);
        assertThat(out.considerations()).singleElement().satisfies(c -> {
            assertThat(c.resource().toString()).isEqualTo("VirtualService istio-system/db");
            assertThat(c.applied()).isTrue();
            assertThat(c.why()).isEqualTo("bound to istio-system/egress; its route tcp[0] decided: to "
                    + "c.example.com:9000");
        });
    }

    @Test
    void aRequestByTheServicesAddressNamesTheVirtualServiceOfTheServicesVirtualHost() {
        MeshSnapshot s = SnapshotCompiler.compile(TestConfig.create().apply("default", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: api, namespace: default}
                spec:
                  hosts: [api.internal.example]
                  addresses: [192.0.2.50]
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  resolution: STATIC
                  endpoints: [{address: 192.0.2.50}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: api, namespace: default}
                spec:
                  hosts: [api.internal.example]
                  http:
                  - route: [{destination: {host: api.internal.example}}]
                """).build());
        OutboundRequest byAddress = OutboundRequest.http("192.0.2.50", 80,
                new HttpRequestInfo("GET", "192.0.2.50", "/", Map.of()));
        Explanation e = s.explain(SLEEP, byAddress);
        assertThat(e.result().hops()).anySatisfy(h -> assertThat(h.detail())
                .contains("VirtualService default/api http[0]"));
        assertThat(routeConsiderations(e)).singleElement().satisfies(c -> {
            assertThat(c.applied()).isTrue();
            assertThat(c.why()).contains("its route http[0] decided")
                    .contains("it owns the virtual host api.internal.example on port 80");
        });
    }

    @Test
    void aGatewayThatDeniesBeforeRoutingSaysItsRoutesWereNotConsulted() {
        MeshSnapshot s = SnapshotCompiler.compile(TestConfig.create()
                .apply("default", IstioEgressTasksTest.read("istio-io-egress-gateway-http.yaml"))
                .apply("istio-system", """
                        apiVersion: security.istio.io/v1
                        kind: AuthorizationPolicy
                        metadata: {name: deny-all, namespace: istio-system}
                        spec: {action: DENY, rules: [{}]}
                        """).build());
        Explanation e = s.explain(SLEEP, IstioEgressTasksTest.POLITICS);
        assertThat(e.result().allowed()).isFalse();
        // bound to mesh and to the gateway: the sidecar's routes decided, the gateway's were never reached
        assertThat(routeConsiderations(e)).filteredOn(c -> c.resource().name().equals(
                "direct-cnn-through-egress-gateway")).satisfiesExactly(
                c -> assertThat(c.applied()).isTrue(),
                c -> {
                    assertThat(c.applied()).isFalse();
                    // issue 10: "not reached", not "not used": the gateway never weighed its routes
                    assertThat(c.reached()).isFalse();
                    assertThat(c.why()).endsWith("but the gateway decided before it consulted any route (see the "
                            + "hops)");
                });
    }

    private static List<Consideration> routeConsiderations(Explanation e) {
        return e.considerations().stream().filter(c -> c.stage() == Stage.ROUTE).toList();
    }
}
