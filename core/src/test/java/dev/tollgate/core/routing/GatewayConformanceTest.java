package dev.tollgate.core.routing;

import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.GatewayDecision;
import dev.tollgate.core.model.GatewayListener;
import dev.tollgate.core.model.ServerTlsMode;
import dev.tollgate.core.snapshot.GatewayRequest;
import dev.tollgate.core.model.HttpRequestInfo;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.Peer;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import dev.tollgate.core.testing.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Gateway servers and gateway-bound routes, as the egress gateway workload sees them. */
class GatewayConformanceTest {
    static final WorkloadRef GW = new WorkloadRef("istio-system", "istio-egressgateway-service-account",
            Map.of("istio", "egressgateway", "app", "istio-egressgateway"));
    static final Optional<Peer> PEER = Optional.of(new Peer("cluster.local/ns/default/sa/sleep", "default"));

    record Case(String doc, String yaml, GatewayRequest request, String expect) {
        @Override
        public String toString() {
            return doc;
        }
    }

    static String gateway(String name, String ns, String selector, String servers) {
        return """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: %s, namespace: %s}
                spec:
                  selector: %s
                  servers:
                %s
                ---
                """.formatted(name, ns, selector, servers.indent(2).stripTrailing());
    }

    static String vs(String name, String ns, String body) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: %s, namespace: %s}
                spec:
                %s
                ---
                """.formatted(name, ns, body.indent(2).stripTrailing());
    }

    static final String EGRESS = "{istio: egressgateway}";
    static final String MTLS_80 = """
            - port: {number: 80, name: https, protocol: HTTPS}
              hosts: [a.example.com]
              tls: {mode: ISTIO_MUTUAL}""";
    static final String HTTP_ROUTE_A = vs("route-a", "istio-system", """
            hosts: [a.example.com]
            gateways: [egress]
            http:
            - route: [{destination: {host: a.example.com, port: {number: 443}}}]""");

    static GatewayRequest httpOn(int port, String sni, String authority, String method) {
        return new GatewayRequest(port, Optional.ofNullable(sni), PEER,
                Optional.of(new HttpRequestInfo(method, authority, "/", Map.of())), "10.0.0.1", "10.0.0.2");
    }

    static GatewayRequest tlsOn(int port, String sni) {
        return new GatewayRequest(port, Optional.ofNullable(sni), PEER, Optional.empty(), "10.0.0.1", "10.0.0.2");
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("Gateway.selector: the Gateway's servers apply to the workload its labels select",
                        gateway("egress", "istio-system", EGRESS, MTLS_80) + HTTP_ROUTE_A,
                        httpOn(80, "a.example.com", "a.example.com", "GET"),
                        "forward VirtualService istio-system/route-a http[0] -> a.example.com:443"),
                new Case("Gateway.selector: a Gateway selecting other labels gives this workload no server",
                        gateway("egress", "istio-system", "{istio: ingressgateway}", MTLS_80) + HTTP_ROUTE_A,
                        httpOn(80, "a.example.com", "a.example.com", "GET"), "no-route: no Gateway selecting"),
                new Case("Gateway.selector: \"By default workloads are searched across all namespaces based on label "
                        + "selectors\"", gateway("egress", "default", EGRESS, MTLS_80) + vs("route-a", "default", """
                                hosts: [a.example.com]
                                gateways: [egress]
                                http:
                                - route: [{destination: {host: a.example.com, port: {number: 443}}}]"""),
                        httpOn(80, "a.example.com", "a.example.com", "GET"), "forward VirtualService default/route-a"),
                new Case("Gateway without selector: Istio's mergeGateways (pilot/pkg/model/push_context.go) \"no "
                        + "selector. Applies to all workloads asking for the gateway\"",
                        gateway("egress", "istio-system", "~", MTLS_80) + HTTP_ROUTE_A,
                        httpOn(80, "a.example.com", "a.example.com", "GET"),
                        "forward VirtualService istio-system/route-a http[0] -> a.example.com:443"),
                new Case("Gateway with an empty selector: labels.Instance.SubsetOf is true for an empty selector",
                        gateway("egress", "istio-system", "{}", MTLS_80) + HTTP_ROUTE_A,
                        httpOn(80, "a.example.com", "a.example.com", "GET"),
                        "forward VirtualService istio-system/route-a http[0] -> a.example.com:443"),
                new Case("HTTPS server in PASSTHROUGH (istio.io \"Egress using Wildcard Hosts\"): gateway.IsHTTPServer is "
                        + "false, so tls routes apply by SNI, as on a TLS server",
                        gateway("egress", "istio-system", EGRESS, """
                                - port: {number: 443, name: https, protocol: HTTPS}
                                  hosts: ["*.example.com"]
                                  tls: {mode: PASSTHROUGH}""") + vs("route-a", "istio-system", """
                                hosts: ["*.example.com"]
                                gateways: [egress]
                                tls:
                                - match: [{port: 443, sniHosts: ["*.example.com"]}]
                                  route: [{destination: {host: b.example.com, port: {number: 443}}}]"""),
                        tlsOn(443, "en.example.com"),
                        "forward VirtualService istio-system/route-a tls[0] -> b.example.com:443 tls=DISABLE"),
                new Case("Server.port: no server on the requested port", gateway("egress", "istio-system", EGRESS,
                        MTLS_80) + HTTP_ROUTE_A, httpOn(8080, "a.example.com", "a.example.com", "GET"),
                        "no-route: no Gateway selecting istio-system workload"),
                new Case("Server.hosts on a TLS server select by SNI: another SNI finds no server",
                        gateway("egress", "istio-system", EGRESS, MTLS_80) + HTTP_ROUTE_A,
                        httpOn(80, "b.example.com", "a.example.com", "GET"),
                        "no-route: no server on port 80 has a host matching SNI b.example.com"),
                new Case("ServerTLSSettings ISTIO_MUTUAL: \"Secure connections from the downstream using mutual TLS "
                        + "by presenting server certificates for authentication\": no client certificate, no "
                        + "connection", gateway("egress", "istio-system", EGRESS, MTLS_80) + HTTP_ROUTE_A,
                        new GatewayRequest(80, Optional.of("a.example.com"), Optional.empty(), Optional.of(
                                new HttpRequestInfo("GET", "a.example.com", "/", Map.of())), "10.0.0.1", "10.0.0.2"),
                        "no-route: Gateway istio-system/egress servers[0] (port 80 HTTPS ISTIO_MUTUAL, hosts "
                                + "[a.example.com]) requires a mesh client certificate"),
                new Case("Terminated HTTPS reads HTTP: a Host outside the server's hosts has no virtual host (404)",
                        gateway("egress", "istio-system", EGRESS, MTLS_80) + HTTP_ROUTE_A,
                        httpOn(80, "a.example.com", "b.example.com", "GET"),
                        "no-route: host b.example.com is not among the hosts of"),
                new Case("Server.hosts: a wildcard \"*.example.com\" matches the SNI",
                        gateway("egress", "istio-system", EGRESS, """
                                - port: {number: 80, name: https, protocol: HTTPS}
                                  hosts: ["*.example.com"]
                                  tls: {mode: ISTIO_MUTUAL}""") + HTTP_ROUTE_A,
                        httpOn(80, "a.example.com", "a.example.com", "GET"), "forward VirtualService istio-system/route-a"),
                new Case("Server.hosts: an exact host is preferred over a wildcard host on the same port (Envoy's "
                        + "server_names)", gateway("egress", "istio-system", EGRESS, """
                                - port: {number: 443, name: wild, protocol: TLS}
                                  hosts: ["*.example.com"]
                                  tls: {mode: PASSTHROUGH}
                                - port: {number: 443, name: exact, protocol: TLS}
                                  hosts: [a.example.com]
                                  tls: {mode: ISTIO_MUTUAL}""") + vs("t", "istio-system", """
                                hosts: [a.example.com]
                                gateways: [egress]
                                tcp:
                                - route: [{destination: {host: a.example.com, port: {number: 443}}}]"""),
                        tlsOn(443, "a.example.com"), "forward VirtualService istio-system/t tcp[0]"),
                new Case("Server.hosts: \"namespace/dnsName ... only virtual services in the specified namespace\" "
                        + "may bind", gateway("egress", "istio-system", EGRESS, """
                                - port: {number: 80, name: https, protocol: HTTPS}
                                  hosts: [team/a.example.com]
                                  tls: {mode: ISTIO_MUTUAL}""") + HTTP_ROUTE_A,
                        httpOn(80, "a.example.com", "a.example.com", "GET"),
                        "no-route: no VirtualService bound to istio-system/egress routes host a.example.com"),
                new Case("Server.hosts: the namespace/ part holds per host: a virtual service admitted for one "
                        + "server host does not route another host restricted to a different namespace",
                        gateway("egress", "istio-system", EGRESS, """
                                - port: {number: 80, name: https, protocol: HTTPS}
                                  hosts: [team/a.example.com, "*/b.example.com"]
                                  tls: {mode: ISTIO_MUTUAL}""") + vs("route-ab", "istio-system", """
                                hosts: [a.example.com, b.example.com]
                                gateways: [egress]
                                http:
                                - route: [{destination: {host: a.example.com, port: {number: 443}}}]"""),
                        httpOn(80, "a.example.com", "a.example.com", "GET"),
                        "no-route: no VirtualService bound to istio-system/egress routes host a.example.com"),
                new Case("Server.hosts: the same virtual service routes the host whose server entry admits it",
                        gateway("egress", "istio-system", EGRESS, """
                                - port: {number: 80, name: https, protocol: HTTPS}
                                  hosts: [team/a.example.com, "*/b.example.com"]
                                  tls: {mode: ISTIO_MUTUAL}""") + vs("route-ab", "istio-system", """
                                hosts: [a.example.com, b.example.com]
                                gateways: [egress]
                                http:
                                - route: [{destination: {host: a.example.com, port: {number: 443}}}]"""),
                        httpOn(80, "b.example.com", "b.example.com", "GET"),
                        "forward VirtualService istio-system/route-ab http[0]"),
                new Case("Server.hosts: \"./dnsName\" admits virtual services of the Gateway's own namespace",
                        gateway("egress", "istio-system", EGRESS, """
                                - port: {number: 80, name: https, protocol: HTTPS}
                                  hosts: [./a.example.com]
                                  tls: {mode: ISTIO_MUTUAL}""") + HTTP_ROUTE_A,
                        httpOn(80, "a.example.com", "a.example.com", "GET"), "forward VirtualService istio-system/route-a"),
                new Case("VirtualService.gateways: a virtual service not naming the Gateway does not bind to it",
                        gateway("egress", "istio-system", EGRESS, MTLS_80) + vs("route-a", "istio-system", """
                                hosts: [a.example.com]
                                http:
                                - route: [{destination: {host: a.example.com, port: {number: 443}}}]"""),
                        httpOn(80, "a.example.com", "a.example.com", "GET"), "no-route: no VirtualService bound"),
                new Case("VirtualService.gateways: \"<gateway namespace>/<gateway name>\" binds across namespaces",
                        gateway("egress", "istio-system", EGRESS, MTLS_80) + vs("route-a", "team", """
                                hosts: [a.example.com]
                                gateways: [istio-system/egress]
                                http:
                                - route: [{destination: {host: a.example.com, port: {number: 443}}}]"""),
                        httpOn(80, "a.example.com", "a.example.com", "GET"), "forward VirtualService team/route-a"),
                new Case("VirtualService.exportTo: a virtual service not exported to the gateway's namespace does "
                        + "not apply there", gateway("egress", "istio-system", EGRESS, MTLS_80) + vs("route-a", "team", """
                                hosts: [a.example.com]
                                exportTo: ["."]
                                gateways: [istio-system/egress]
                                http:
                                - route: [{destination: {host: a.example.com, port: {number: 443}}}]"""),
                        httpOn(80, "a.example.com", "a.example.com", "GET"), "no-route: no VirtualService bound"),
                new Case("IST0109: \"Istio supports merging of virtual services that are attached to the ingress "
                        + "gateways\": a later virtual service's route applies when the first one's do not match",
                        gateway("egress", "istio-system", EGRESS, MTLS_80) + vs("first", "istio-system", """
                                hosts: [a.example.com]
                                gateways: [egress]
                                http:
                                - match: [{uri: {prefix: /api}}]
                                  route: [{destination: {host: b.example.com, port: {number: 443}}}]""")
                                + vs("second", "istio-system", """
                                hosts: [a.example.com]
                                gateways: [egress]
                                http:
                                - route: [{destination: {host: c.example.com, port: {number: 443}}}]"""),
                        httpOn(80, "a.example.com", "a.example.com", "GET"),
                        "forward VirtualService istio-system/second http[0] -> c.example.com:443"),
                new Case("HTTPMatchRequest.gateways at the gateway: a route for mesh only does not apply",
                        gateway("egress", "istio-system", EGRESS, MTLS_80) + vs("route-a", "istio-system", """
                                hosts: [a.example.com]
                                gateways: [egress, mesh]
                                http:
                                - match: [{gateways: [mesh]}]
                                  route: [{destination: {host: b.example.com}}]
                                - match: [{gateways: [egress], port: 80}]
                                  route: [{destination: {host: a.example.com, port: {number: 443}}}]"""),
                        httpOn(80, "a.example.com", "a.example.com", "GET"),
                        "forward VirtualService istio-system/route-a http[1] -> a.example.com:443"),
                new Case("HTTPMatchRequest.scheme on a TLS-terminated server is https",
                        gateway("egress", "istio-system", EGRESS, MTLS_80) + vs("route-a", "istio-system", """
                                hosts: [a.example.com]
                                gateways: [egress]
                                http:
                                - match: [{scheme: {exact: https}}]
                                  route: [{destination: {host: a.example.com, port: {number: 443}}}]"""),
                        httpOn(80, "a.example.com", "a.example.com", "GET"), "forward VirtualService istio-system/route-a"),
                new Case("tls: TLS routes apply to \"unterminated gateway ports using HTTPS/TLS protocols (i.e. with "
                        + "passthrough TLS mode)\"", gateway("egress", "istio-system", EGRESS, """
                                - port: {number: 443, name: tls, protocol: TLS}
                                  hosts: [a.example.com]
                                  tls: {mode: PASSTHROUGH}""") + vs("t", "istio-system", """
                                hosts: [a.example.com]
                                gateways: [egress]
                                tls:
                                - match: [{sniHosts: [a.example.com], port: 443}]
                                  route: [{destination: {host: a.example.com, port: {number: 443}}}]"""),
                        new GatewayRequest(443, Optional.of("a.example.com"), Optional.empty(), Optional.empty(),
                                "10.0.0.1", "10.0.0.2"), "forward VirtualService istio-system/t tls[0] -> a.example.com:443"),
                new Case("A TLS server terminating ISTIO_MUTUAL carries TCP: tcp routes apply (the tutorial's HTTPS "
                        + "variant)", gateway("egress", "istio-system", EGRESS, """
                                - port: {number: 443, name: tls, protocol: TLS}
                                  hosts: [a.example.com]
                                  tls: {mode: ISTIO_MUTUAL}""") + vs("t", "istio-system", """
                                hosts: [a.example.com]
                                gateways: [egress]
                                tls:
                                - match: [{sniHosts: [a.example.com]}]
                                  route: [{destination: {host: b.example.com, port: {number: 443}}}]
                                tcp:
                                - match: [{gateways: [egress], port: 443}]
                                  route: [{destination: {host: a.example.com, port: {number: 443}}}]"""),
                        tlsOn(443, "a.example.com"), "forward VirtualService istio-system/t tcp[0] -> a.example.com:443"),
                new Case("L4MatchAttributes.sourceLabels: \"If the VirtualService has a list of gateways specified in "
                        + "the top-level gateways field, it must include the reserved gateway mesh for this field to "
                        + "be applicable\": at the gateway a tcp match reads only gateways and port",
                        gateway("egress", "istio-system", EGRESS, """
                                - port: {number: 443, name: tls, protocol: TLS}
                                  hosts: [a.example.com]
                                  tls: {mode: ISTIO_MUTUAL}""") + vs("t", "istio-system", """
                                hosts: [a.example.com]
                                gateways: [egress]
                                tcp:
                                - match: [{gateways: [egress], port: 443, sourceLabels: {app: sleep}, sourceNamespace: default}]
                                  route: [{destination: {host: a.example.com, port: {number: 443}}}]"""),
                        tlsOn(443, "a.example.com"), "forward VirtualService istio-system/t tcp[0] -> a.example.com:443"),
                new Case("L4MatchAttributes.port at the gateway: a tcp match for another port does not apply",
                        gateway("egress", "istio-system", EGRESS, """
                                - port: {number: 443, name: tls, protocol: TLS}
                                  hosts: [a.example.com]
                                  tls: {mode: ISTIO_MUTUAL}""") + vs("t", "istio-system", """
                                hosts: [a.example.com]
                                gateways: [egress]
                                tcp:
                                - match: [{gateways: [egress], port: 8443}]
                                  route: [{destination: {host: a.example.com, port: {number: 443}}}]"""),
                        tlsOn(443, "a.example.com"), "no-route: no tcp route matches: VirtualService istio-system/t tcp[0]: match port 8443 is not 443"),
                new Case("A plain TCP server uses tcp routes", gateway("egress", "istio-system", EGRESS, """
                                - port: {number: 9000, name: tcp, protocol: TCP}
                                  hosts: ["*"]""") + vs("t", "istio-system", """
                                hosts: [a.example.com]
                                gateways: [egress]
                                tcp:
                                - route: [{destination: {host: a.example.com, port: {number: 9000}}}]"""),
                        new GatewayRequest(9000, Optional.empty(), Optional.empty(), Optional.empty(), "10.0.0.1",
                                "10.0.0.2"), "forward VirtualService istio-system/t tcp[0] -> a.example.com:9000"),
                new Case("A gateway route to a host outside the gateway's registry has no cluster (503)",
                        gateway("egress", "istio-system", EGRESS, MTLS_80) + vs("route-a", "istio-system", """
                                hosts: [a.example.com]
                                gateways: [egress]
                                http:
                                - route: [{destination: {host: unknown.example.net, port: {number: 443}}}]"""),
                        httpOn(80, "a.example.com", "a.example.com", "GET"),
                        "no-route: route destination unknown.example.net:443 is not in the registry of the gateway"),
                new Case("DestinationRule at the gateway: SIMPLE originates TLS with the authority as SNI "
                        + "(\"Egress Gateways with TLS Origination\")", gateway("egress", "istio-system", EGRESS, MTLS_80)
                        + HTTP_ROUTE_A + """
                                apiVersion: networking.istio.io/v1
                                kind: DestinationRule
                                metadata: {name: originate, namespace: istio-system}
                                spec:
                                  host: a.example.com
                                  trafficPolicy:
                                    portLevelSettings:
                                    - port: {number: 443}
                                      tls: {mode: SIMPLE}
                                """, httpOn(80, "a.example.com", "a.example.com", "GET"),
                        "-> a.example.com:443 tls=SIMPLE sni=a.example.com"),
                new Case("HTTPRewrite.authority: \"rewrite the Authority/Host header with this value\"; Envoy's auto "
                        + "SNI then follows the rewritten host", gateway("egress", "istio-system", EGRESS, MTLS_80)
                        + vs("route-a", "istio-system", """
                                hosts: [a.example.com]
                                gateways: [egress]
                                http:
                                - rewrite: {authority: b.example.com}
                                  route: [{destination: {host: b.example.com, port: {number: 443}}}]""") + """
                                apiVersion: networking.istio.io/v1
                                kind: DestinationRule
                                metadata: {name: originate, namespace: istio-system}
                                spec:
                                  host: b.example.com
                                  trafficPolicy: {tls: {mode: SIMPLE}}
                                """, httpOn(80, "a.example.com", "a.example.com", "GET"),
                        "-> b.example.com:443 tls=SIMPLE sni=b.example.com")
        );
    }

    static MeshSnapshot compile(String yaml) {
        return SnapshotCompiler.compile(TestConfig.create().mesh(MeshSettings.DEFAULTS)
                .apply("default", RoutingCase.REGISTRY).apply("default", yaml).build());
    }

    static String summary(GatewayDecision d) {
        return switch (d) {
            case GatewayDecision.Forward f -> "forward " + f.route() + " -> " + f.upstream().host() + ":"
                    + f.upstream().port() + " tls=" + f.upstream().tls().mode() + " sni="
                    + f.upstream().tls().sni().orElse("-");
            case GatewayDecision.NoRoute n -> "no-route: " + n.reason();
            case GatewayDecision.Denied dn -> "denied: " + dn.reason();
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gateway(Case c) {
        assertThat(summary(compile(c.yaml()).gateway(GW, c.request()))).contains(c.expect());
    }

    @Test
    void listenersMergeTheServersOfEveryGatewaySelectingTheWorkload() {
        MeshSnapshot s = compile(gateway("one", "istio-system", EGRESS, MTLS_80)
                + gateway("two", "default", "{app: istio-egressgateway}", """
                - port: {number: 80, name: https-b, protocol: HTTPS}
                  hosts: [b.example.com]
                  tls: {mode: ISTIO_MUTUAL}
                - port: {number: 443, name: tls, protocol: TLS}
                  hosts: [b.example.com]
                  tls: {mode: PASSTHROUGH}""")
                + gateway("other", "istio-system", "{istio: ingressgateway}", """
                - port: {number: 8443, name: tls, protocol: TLS}
                  hosts: [b.example.com]"""));
        List<GatewayListener> listeners = s.gatewayListeners(GW);
        assertThat(listeners).extracting(GatewayListener::port).containsExactly(80, 443);
        assertThat(listeners.get(0).hosts()).containsExactly("a.example.com", "b.example.com");
        assertThat(listeners.get(0).gateways()).extracting(Object::toString)
                .containsExactly("Gateway istio-system/one", "Gateway default/two");
        assertThat(listeners.get(1).kind().tlsMode()).isEqualTo(ServerTlsMode.PASSTHROUGH);
        assertThat(listeners.get(1).readsHttp()).isFalse();
    }

    @Test
    void listenerHostsKeepTheirNamespacePartAsWritten() {
        MeshSnapshot s = compile(gateway("one", "istio-system", EGRESS, """
                - port: {number: 80, name: http, protocol: HTTP}
                  hosts: [./a.example.com, "*/b.example.com", team/c.example.com]"""));
        assertThat(s.gatewayListeners(GW)).singleElement().satisfies(l -> assertThat(l.hosts())
                .containsExactly("./a.example.com", "*/b.example.com", "team/c.example.com"));
    }

    @Test
    void aServerWithoutTlsSettingsOnATlsPortIsPassthrough() {
        MeshSnapshot s = compile(gateway("one", "istio-system", EGRESS, """
                - port: {number: 443, name: tls, protocol: TLS}
                  hosts: [a.example.com]"""));
        assertThat(s.gatewayListeners(GW)).singleElement()
                .satisfies(l -> assertThat(l.kind().tlsMode()).isEqualTo(ServerTlsMode.PASSTHROUGH));
    }
}
