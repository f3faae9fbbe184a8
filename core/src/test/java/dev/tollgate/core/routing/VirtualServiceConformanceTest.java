package dev.tollgate.core.routing;

import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.OutboundMode;
import dev.tollgate.core.snapshot.OutboundRequest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.tollgate.core.routing.RoutingCase.OTHER;
import static dev.tollgate.core.routing.RoutingCase.SLEEP;
import static dev.tollgate.core.routing.RoutingCase.get;
import static dev.tollgate.core.routing.RoutingCase.http;
import static org.assertj.core.api.Assertions.assertThat;

/** VirtualService semantics at the sidecar, each case quoting the istio.io VirtualService reference it checks. */
class VirtualServiceConformanceTest {

    /** A VirtualService for a.example.com with the given top-level fields and http routes. */
    static String vs(String name, String ns, String top, String routes) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: %s, namespace: %s}
                spec:
                %s
                %s
                ---
                """.formatted(name, ns, top.indent(2).stripTrailing(), routes.indent(2).stripTrailing());
    }

    static String toB = "route: [{destination: {host: b.example.com}}]";
    static final String TO_GATEWAY = "route: [{destination: {host: istio-egressgateway.istio-system.svc.cluster.local, "
            + "port: {number: 80}}}]";
    static final String OUTSIDE = "route.go separateVSHostsAndServices: VS hosts outside the registry, \"to enable "
            + "VirtualService configuration to affect traffic to hosts outside of the service registry (e.g. google.com) "
            + "on port 80\"";
    static String toC = "route: [{destination: {host: c.example.com}}]";

    static String aHttp(String top, String routes) {
        return vs("v", "default", "hosts: [a.example.com]\n" + top, "http:\n" + routes);
    }

    static final String ROUTED_B = "VirtualService default/v http[0]";

    static Stream<RoutingCase> cases() {
        return Stream.of(
                // ---- gateways
                new RoutingCase("gateways: \"When this field is omitted, the default gateway (mesh) will be used, "
                        + "which would apply the rule to all sidecars in the mesh\"",
                        aHttp("", "- " + toB), SLEEP, get("a.example.com", "/"), ROUTED_B + " -> b.example.com:80"),
                new RoutingCase("gateways: \"If a list of gateway names is provided, the rules will apply only to the "
                        + "gateways\"", aHttp("gateways: [egress]", "- " + toB), SLEEP, get("a.example.com", "/"),
                        "forward outbound|80||a.example.com -> a.example.com:80"),
                new RoutingCase("gateways: \"To apply the rules to both gateways and sidecars, specify mesh as one of "
                        + "the gateway names\"", aHttp("gateways: [egress, mesh]", "- " + toB), SLEEP,
                        get("a.example.com", "/"), ROUTED_B + " -> b.example.com:80"),
                new RoutingCase("HTTPMatchRequest.gateways: \"Names of gateways where the rule should be applied. "
                        + "Gateway names in the top-level gateways field of the VirtualService (if any) are overridden\"",
                        aHttp("gateways: [egress, mesh]", """
                                - match: [{gateways: [egress]}]
                                  %s
                                - match: [{gateways: [mesh]}]
                                  %s""".formatted(toB, toC)), SLEEP, get("a.example.com", "/"),
                        "VirtualService default/v http[1] (match holds) routes to c.example.com"),
                new RoutingCase("gateways: \"Gateways in other namespaces may be referred to by <gateway "
                        + "namespace>/<gateway name>\": a match naming istio-system/egress is not the mesh",
                        aHttp("gateways: [istio-system/egress, mesh]", """
                                - match: [{gateways: [istio-system/egress]}]
                                  %s
                                - %s""".formatted(toB, toC)), SLEEP, get("a.example.com", "/"),
                        "http[1] (no match conditions (catch-all)) routes to c.example.com"),
                // ---- exportTo
                new RoutingCase("exportTo: \"The value \\\".\\\" is reserved and defines an export to the same "
                        + "namespace that the virtual service is declared in\"",
                        vs("v", "team", "hosts: [a.example.com]\nexportTo: [\".\"]", "http:\n- " + toB), SLEEP,
                        get("a.example.com", "/"), "forward outbound|80||a.example.com"),
                new RoutingCase("exportTo: \"If no namespaces are specified then the virtual service is exported to "
                        + "all namespaces by default\"", vs("v", "team", "hosts: [a.example.com]", "http:\n- " + toB),
                        SLEEP, get("a.example.com", "/"), "VirtualService team/v http[0]"),
                new RoutingCase("meshConfig.defaultVirtualServiceExportTo: the default exportTo when a virtual "
                        + "service sets none", vs("v", "team", "hosts: [a.example.com]", "http:\n- " + toB),
                        new MeshSettings(OutboundMode.ALLOW_ANY, "cluster.local", "istio-system", List.of("*"),
                                List.of("."), List.of("*"), Map.of()),
                        SLEEP, get("a.example.com", "/"), "forward outbound|80||a.example.com"),
                new RoutingCase("exportTo: a namespace name exports the virtual service to that namespace only",
                        vs("v", "team", "hosts: [a.example.com]\nexportTo: [otherns]", "http:\n- " + toB), OTHER,
                        get("a.example.com", "/"), "VirtualService team/v http[0]"),
                new RoutingCase("exportTo: a namespace name does not export to other namespaces",
                        vs("v", "team", "hosts: [a.example.com]\nexportTo: [otherns]", "http:\n- " + toB), SLEEP,
                        get("a.example.com", "/"), "forward outbound|80||a.example.com"),
                // ---- route order and match semantics
                new RoutingCase("http: \"The first rule matching an incoming request is used\"",
                        aHttp("", "- match: [{uri: {prefix: /}}]\n  " + toB + "\n- " + toC), SLEEP,
                        get("a.example.com", "/x"), ROUTED_B),
                new RoutingCase("match: \"the list of match blocks have OR semantics. The rule is matched if any one "
                        + "of the match blocks succeed\"", aHttp("", """
                                - match: [{uri: {exact: /one}}, {uri: {exact: /two}}]
                                  %s
                                - %s""".formatted(toB, toC)), SLEEP, get("a.example.com", "/two"), ROUTED_B),
                new RoutingCase("match: \"All conditions inside a single match block have AND semantics\"",
                        aHttp("", """
                                - match: [{uri: {prefix: /}, method: {exact: POST}}]
                                  %s
                                - %s""".formatted(toB, toC)), SLEEP, get("a.example.com", "/"),
                        "http[1] (no match conditions (catch-all)) routes to c.example.com"),
                new RoutingCase("uri: \"exact: exact string match\" does not match a longer path",
                        aHttp("", "- match: [{uri: {exact: /a}}]\n  " + toB + "\n- " + toC), SLEEP,
                        get("a.example.com", "/ab"), "routes to c.example.com"),
                new RoutingCase("uri: \"prefix: prefix-based match\"",
                        aHttp("", "- match: [{uri: {prefix: /api}}]\n  " + toB + "\n- " + toC), SLEEP,
                        get("a.example.com", "/api/v1?x=1"), ROUTED_B),
                new RoutingCase("uri: \"regex: RE2 style regex-based match\"; Envoy's safe_regex matches the whole "
                        + "path", aHttp("", "- match: [{uri: {regex: \"/v[0-9]+\"}}]\n  " + toB + "\n- " + toC),
                        SLEEP, get("a.example.com", "/v1/extra"), "routes to c.example.com"),
                new RoutingCase("uri regex matching the whole path routes",
                        aHttp("", "- match: [{uri: {regex: \"/v[0-9]+/.*\"}}]\n  " + toB + "\n- " + toC),
                        SLEEP, get("a.example.com", "/v1/extra"), ROUTED_B),
                new RoutingCase("ignoreUriCase: \"Flag to specify whether the URI matching should be "
                        + "case-insensitive\"", aHttp("", """
                                - match: [{uri: {exact: /Foo}, ignoreUriCase: true}]
                                  %s
                                - %s""".formatted(toB, toC)), SLEEP, get("a.example.com", "/fOO"), ROUTED_B),
                new RoutingCase("uri: \"URI to match values are case-sensitive\"",
                        aHttp("", "- match: [{uri: {exact: /Foo}}]\n  " + toB + "\n- " + toC), SLEEP,
                        get("a.example.com", "/foo"), "routes to c.example.com"),
                new RoutingCase("method: \"HTTP Method values are case-sensitive\": HEAD is not GET, and with no "
                        + "other route the request has none (404 NR)",
                        aHttp("", "- match: [{method: {exact: GET}}]\n  " + toB), SLEEP,
                        http("a.example.com", "HEAD", "/", Map.of()), "no-route: no route: no http route"),
                new RoutingCase("headers: \"The header keys must be lowercase ... Values are case-sensitive\"",
                        aHttp("", "- match: [{headers: {x-env: {exact: prod}}}]\n  " + toB + "\n- " + toC), SLEEP,
                        http("a.example.com", "GET", "/", Map.of("x-env", List.of("prod"))), ROUTED_B),
                new RoutingCase("headers: a header value that differs does not match",
                        aHttp("", "- match: [{headers: {x-env: {exact: prod}}}]\n  " + toB + "\n- " + toC), SLEEP,
                        http("a.example.com", "GET", "/", Map.of("x-env", List.of("Prod"))), "routes to c.example.com"),
                new RoutingCase("headers: \"If the value is empty and only the name of header is specified, presence "
                        + "of the header is checked\"",
                        aHttp("", "- match: [{headers: {x-debug: {}}}]\n  " + toB + "\n- " + toC), SLEEP,
                        http("a.example.com", "GET", "/", Map.of("x-debug", List.of(""))), ROUTED_B),
                new RoutingCase("headers presence: an absent header does not match",
                        aHttp("", "- match: [{headers: {x-debug: {}}}]\n  " + toB + "\n- " + toC), SLEEP,
                        get("a.example.com", "/"), "routes to c.example.com"),
                new RoutingCase("withoutHeaders: \"If a header is matched with a matching rule among withoutHeader, "
                        + "the traffic becomes not matched one\"",
                        aHttp("", "- match: [{withoutHeaders: {x-canary: {exact: \"yes\"}}}]\n  " + toB + "\n- " + toC),
                        SLEEP, http("a.example.com", "GET", "/", Map.of("x-canary", List.of("yes"))),
                        "routes to c.example.com"),
                new RoutingCase("withoutHeaders: the route applies when the header is absent",
                        aHttp("", "- match: [{withoutHeaders: {x-canary: {exact: \"yes\"}}}]\n  " + toB + "\n- " + toC),
                        SLEEP, get("a.example.com", "/"), ROUTED_B),
                new RoutingCase("queryParams: \"For a query parameter like ?key=true, the map key would be key and "
                        + "the string match could be defined as exact: true\"",
                        aHttp("", "- match: [{queryParams: {key: {exact: \"true\"}}}]\n  " + toB + "\n- " + toC),
                        SLEEP, get("a.example.com", "/p?other=1&key=true"), ROUTED_B),
                new RoutingCase("queryParams: a different value does not match",
                        aHttp("", "- match: [{queryParams: {key: {exact: \"true\"}}}]\n  " + toB + "\n- " + toC),
                        SLEEP, get("a.example.com", "/p?key=false"), "routes to c.example.com"),
                new RoutingCase("authority: \"HTTP Authority values are case-sensitive\"",
                        aHttp("", "- match: [{authority: {exact: a.example.com}}]\n  " + toB + "\n- " + toC), SLEEP,
                        OutboundRequest.http("a.example.com", 80, new dev.tollgate.core.model.HttpRequestInfo(
                                "GET", "A.example.com", "/", Map.of())), "routes to c.example.com"),
                new RoutingCase("scheme: \"URI Scheme values are case-sensitive\": a plain request's scheme is http",
                        aHttp("", "- match: [{scheme: {exact: http}}]\n  " + toB + "\n- " + toC), SLEEP,
                        get("a.example.com", "/"), ROUTED_B),
                new RoutingCase("port: \"Specifies the ports on the host that is being addressed\"",
                        aHttp("", "- match: [{port: 8080}]\n  " + toB + "\n- " + toC), SLEEP,
                        get("a.example.com", "/"), "routes to c.example.com"),
                new RoutingCase("sourceLabels: \"One or more labels that constrain the applicability of a rule to "
                        + "source (client) workloads with the given labels\"",
                        aHttp("", "- match: [{sourceLabels: {app: other}}]\n  " + toB + "\n- " + toC), SLEEP,
                        get("a.example.com", "/"), "routes to c.example.com"),
                new RoutingCase("sourceLabels matching the client's labels apply",
                        aHttp("", "- match: [{sourceLabels: {app: sleep}}]\n  " + toB + "\n- " + toC), SLEEP,
                        get("a.example.com", "/"), ROUTED_B),
                new RoutingCase("sourceNamespace: \"Source namespace constraining the applicability of a rule to "
                        + "workloads in that namespace\"",
                        aHttp("", "- match: [{sourceNamespace: otherns}]\n  " + toB + "\n- " + toC), SLEEP,
                        get("a.example.com", "/"), "routes to c.example.com"),
                new RoutingCase("HTTPMatchRequest.gateways: \"The gateway match is independent of sourceLabels\"",
                        aHttp("", "- match: [{gateways: [mesh], sourceLabels: {app: other}}]\n  " + toB), SLEEP,
                        get("a.example.com", "/"), ROUTED_B),
                new RoutingCase("istio/istio route.go sourceMatchHTTP: with gateways in an http match, sourceNamespace is "
                        + "not read either (\"Trim by source labels or mesh gateway\"): the route applies to every "
                        + "sidecar", aHttp("", "- match: [{gateways: [mesh], sourceNamespace: otherns}]\n  " + toB
                        + "\n- " + toC), SLEEP, get("a.example.com", "/"), "sourceNamespace otherns not read: the "
                        + "match names gateways [mesh]"),
                new RoutingCase("sourceMatchHTTP: without gateways, sourceLabels and sourceNamespace must both hold",
                        aHttp("", "- match: [{sourceLabels: {app: sleep}, sourceNamespace: otherns}]\n  " + toB
                                + "\n- " + toC), SLEEP, get("a.example.com", "/"), "routes to c.example.com"),
                // ---- destinations and weights
                new RoutingCase("weight: \"Weight specifies the relative proportion of traffic to be forwarded to "
                        + "the destination\": Tollgate decides for the highest weight and says so", aHttp("", """
                                - route:
                                  - {destination: {host: b.example.com}, weight: 30}
                                  - {destination: {host: c.example.com}, weight: 70}"""), SLEEP,
                        get("a.example.com", "/"), "-> c.example.com:80 tls=DISABLE sni=- gw=false addresses=[] "
                        + "sans=[] ca=- | ServiceEntry istio-system/ext declares a.example.com port 80/HTTP | "
                        + "VirtualService default/v http[0] (no match conditions (catch-all)) routes to c.example.com; "
                        + "weighted route: chose c.example.com (weight 70 of 100"),
                new RoutingCase("weights: on a tie Tollgate takes the first destination", aHttp("", """
                                - route:
                                  - {destination: {host: b.example.com}, weight: 50}
                                  - {destination: {host: c.example.com}, weight: 50}"""), SLEEP,
                        get("a.example.com", "/"), "-> b.example.com:80"),
                new RoutingCase("Istio ignores 0-weighted destinations when a route has several", aHttp("", """
                                - route:
                                  - {destination: {host: b.example.com}, weight: 0}
                                  - {destination: {host: c.example.com}, weight: 1}"""), SLEEP,
                        get("a.example.com", "/"), "-> c.example.com:80"),
                new RoutingCase("Destination.port: \"If a service exposes only a single port it is not required to "
                        + "explicitly select the port\"", vs("v", "default", "hosts: [a.example.com]",
                        "tls:\n- match: [{sniHosts: [a.example.com]}]\n  route: [{destination: {host: single.example.com}}]"),
                        SLEEP, OutboundRequest.tls("a.example.com", 443),
                        "-> single.example.com:8443 tls=DISABLE sni=- gw=false addresses=[192.0.2.10]"),
                new RoutingCase("Destination.host: \"short names ... will be interpreted ... based on the namespace "
                        + "of the rule\": b in default is b.default.svc.cluster.local, not in the registry",
                        aHttp("", "- route: [{destination: {host: b}}]"), SLEEP, get("a.example.com", "/"),
                        "no-route: no route: route destination b.default.svc.cluster.local:80 is not in the registry"),
                new RoutingCase("HTTPRoute.redirect: the route answers itself; nothing is forwarded",
                        aHttp("", "- redirect: {uri: /elsewhere}"), SLEEP, get("a.example.com", "/"),
                        "no-route: no route: VirtualService default/v http[0] answers with a redirect"),
                // ---- host selection among VirtualServices
                new RoutingCase("hosts: \"Could be a DNS name with wildcard prefix\"",
                        vs("v", "default", "hosts: [\"*.example.com\"]", "http:\n- " + toB), SLEEP,
                        get("a.example.com", "/"), ROUTED_B),
                new RoutingCase("Envoy picks the most specific virtual host: an exact host beats a wildcard one",
                        vs("w", "default", "hosts: [\"*.example.com\"]", "http:\n- " + toC)
                                + vs("v", "default", "hosts: [a.example.com]", "http:\n- " + toB), SLEEP,
                        get("a.example.com", "/"), ROUTED_B),
                new RoutingCase("IST0109: \"multiple virtual services defined to use the same hostname and attached "
                        + "to a mesh gateway\" are not merged; the first one applies",
                        vs("v", "default", "hosts: [a.example.com]", "http:\n- " + toB)
                                + vs("w", "default", "hosts: [a.example.com]", "http:\n- " + toC), SLEEP,
                        get("a.example.com", "/"), ROUTED_B),
                new RoutingCase("A proxy sees its own namespace's virtual services before public ones from other "
                        + "namespaces (Istio's VirtualServicesForGateway order)",
                        vs("w", "team", "hosts: [a.example.com]", "http:\n- " + toC)
                                + vs("v", "default", "hosts: [a.example.com]\nexportTo: [\".\"]", "http:\n- " + toB),
                        SLEEP, get("a.example.com", "/"), ROUTED_B),
                new RoutingCase("A virtual service none of whose routes applies to the sidecar builds no routes: "
                        + "the default route stays", aHttp("gateways: [egress, mesh]",
                        "- match: [{gateways: [egress]}]\n  " + toB), SLEEP, get("a.example.com", "/"),
                        "forward outbound|80||a.example.com"),
                // ---- tls
                new RoutingCase("TLSMatchAttributes.sniHosts: \"SNI (server name indicator) to match on\"",
                        vs("v", "default", "hosts: [a.example.com]",
                                "tls:\n- match: [{sniHosts: [a.example.com], port: 443}]\n  route: [{destination: {host: b.example.com, port: {number: 443}}}]"),
                        SLEEP, OutboundRequest.tls("a.example.com", 443),
                        "VirtualService default/v tls[0] (sniHosts a.example.com matches SNI a.example.com)"),
                new RoutingCase("sniHosts: \"Wildcard prefixes can be used in the SNI value, e.g., *.com will match "
                        + "foo.example.com\"", vs("v", "default", "hosts: [\"*.example.com\"]",
                        "tls:\n- match: [{sniHosts: [\"*.com\"]}]\n  route: [{destination: {host: b.example.com}}]"),
                        SLEEP, OutboundRequest.tls("a.example.com", 443), "tls[0] (sniHosts *.com matches"),
                new RoutingCase("tls: an SNI matching no tls route finds no filter chain and falls to the outbound "
                        + "policy: ALLOW_ANY passes through", vs("v", "default", "hosts: [\"*.example.com\"]",
                        "tls:\n- match: [{sniHosts: [a.example.com]}]\n  route: [{destination: {host: b.example.com}}]"),
                        SLEEP, OutboundRequest.tls("c.example.com", 443), "forward PassthroughCluster"),
                new RoutingCase("DESIGN.md: \"the sidecar: Host or SNI differs from the requested host -> 502\": an SNI "
                        + "other than the CONNECT host is refused before any route is looked up", vs("v", "default",
                        "hosts: [a.example.com]",
                        "tls:\n- match: [{sniHosts: [a.example.com]}]\n  route: [{destination: {host: b.example.com}}]"),
                        SLEEP, new OutboundRequest(dev.tollgate.core.snapshot.Protocol.TLS, "a.example.com", 443,
                        java.util.Optional.of("evil.example.net"), java.util.Optional.empty()),
                        "blocked: TLS SNI evil.example.net does not match the CONNECT host a.example.com"),
                new RoutingCase("tls: under REGISTRY_ONLY the unmatched SNI is refused", vs("v", "default",
                        "hosts: [\"*.example.com\"]",
                        "tls:\n- match: [{sniHosts: [a.example.com]}]\n  route: [{destination: {host: b.example.com}}]"),
                        MeshSettings.DEFAULTS.withOutboundMode(OutboundMode.REGISTRY_ONLY), SLEEP,
                        OutboundRequest.tls("c.example.com", 443),
                        "blocked: REGISTRY_ONLY"),
                new RoutingCase("TLSMatchAttributes.port: a tls match for another port does not apply; the service's "
                        + "default route stays", vs("v", "default", "hosts: [a.example.com]",
                        "tls:\n- match: [{sniHosts: [a.example.com], port: 8443}]\n  route: [{destination: {host: b.example.com}}]"),
                        SLEEP, OutboundRequest.tls("a.example.com", 443), "forward outbound|443||a.example.com"),
                new RoutingCase("TLSMatchAttributes.sourceNamespace constrains the rule to that namespace",
                        vs("v", "default", "hosts: [a.example.com]",
                                "tls:\n- match: [{sniHosts: [a.example.com], sourceNamespace: otherns}]\n  route: [{destination: {host: b.example.com}}]"),
                        SLEEP, OutboundRequest.tls("a.example.com", 443), "forward outbound|443||a.example.com"),
                new RoutingCase("istio/istio tls.go matchTLS: gatewayMatch && labelMatch && portMatch && nsMatch: "
                        + "gateways do not lift sourceNamespace for tls", vs("v", "default", "hosts: [a.example.com]",
                                "tls:\n- match: [{sniHosts: [a.example.com], gateways: [mesh], sourceNamespace: otherns}]"
                                        + "\n  route: [{destination: {host: b.example.com}}]"),
                        SLEEP, OutboundRequest.tls("a.example.com", 443), "forward outbound|443||a.example.com"),
                new RoutingCase("tls.go matchTLS: gateways do not lift sourceLabels for tls", vs("v", "default",
                                "hosts: [a.example.com]", "tls:\n- match: [{sniHosts: [a.example.com], gateways: [mesh], "
                                        + "sourceLabels: {app: other}}]\n  route: [{destination: {host: b.example.com}}]"),
                        SLEEP, OutboundRequest.tls("a.example.com", 443), "forward outbound|443||a.example.com"),
                new RoutingCase("tls.go matchTCP: gateways do not lift sourceNamespace for tcp", vs("v", "default",
                                "hosts: [a.example.com]", "tcp:\n- match: [{gateways: [mesh], sourceNamespace: otherns}]"
                                        + "\n  route: [{destination: {host: b.example.com, port: {number: 9000}}}]"),
                        SLEEP, OutboundRequest.tcp("a.example.com", 9000), "forward outbound|9000||a.example.com"),
                new RoutingCase("tls.go matchTCP: every condition holds, the route applies", vs("v", "default",
                                "hosts: [a.example.com]", "tcp:\n- match: [{gateways: [mesh], sourceNamespace: default, "
                                        + "sourceLabels: {app: sleep}, port: 9000}]"
                                        + "\n  route: [{destination: {host: b.example.com, port: {number: 9000}}}]"),
                        SLEEP, OutboundRequest.tcp("a.example.com", 9000), "routes to b.example.com:9000"),
                // ---- tcp
                new RoutingCase("tcp: \"TCP routes will be applied to any port that is not a HTTP or TLS port\"",
                        vs("v", "default", "hosts: [a.example.com]",
                                "tcp:\n- route: [{destination: {host: b.example.com, port: {number: 9000}}}]"),
                        SLEEP, OutboundRequest.tcp("a.example.com", 9000),
                        "VirtualService default/v tcp[0] (no match conditions) routes to b.example.com:9000"),
                new RoutingCase("L4MatchAttributes.destinationSubnets: \"IPv4 or IPv6 ip addresses of destination "
                        + "with optional subnet\"", vs("v", "default", "hosts: [db.example.com]", """
                                tcp:
                                - match: [{destinationSubnets: [10.1.0.0/16]}]
                                  route: [{destination: {host: a.example.com, port: {number: 9000}}}]"""),
                        SLEEP, OutboundRequest.tcp("db.example.com", 5432), "tcp[0] (match holds) routes to a.example.com"),
                new RoutingCase("destinationSubnets outside the destination's address do not match",
                        vs("v", "default", "hosts: [db.example.com]", """
                                tcp:
                                - match: [{destinationSubnets: [10.9.0.0/16]}]
                                  route: [{destination: {host: a.example.com, port: {number: 9000}}}]"""),
                        SLEEP, OutboundRequest.tcp("db.example.com", 5432),
                        "forward outbound|5432||db.example.com -> db.example.com:5432 tls=DISABLE sni=- gw=false "
                                + "addresses=[10.1.2.3]"),
                new RoutingCase("L4MatchAttributes.port: a tcp match for another port does not apply",
                        vs("v", "default", "hosts: [a.example.com]", """
                                tcp:
                                - match: [{port: 9001}]
                                  route: [{destination: {host: b.example.com}}]"""),
                        SLEEP, OutboundRequest.tcp("a.example.com", 9000), "forward outbound|9000||a.example.com"),
                // ---- outbound traffic policy at the sidecar
                new RoutingCase("OutboundTrafficPolicy.egressProxy: \"Specifies the details of the egress proxy to "
                        + "which unknown traffic should be forwarded to from the sidecar. Valid only if the global "
                        + "outbound traffic policy is ALLOW_ANY\"", """
                                apiVersion: networking.istio.io/v1
                                kind: Sidecar
                                metadata: {name: default, namespace: default}
                                spec:
                                  outboundTrafficPolicy:
                                    mode: ALLOW_ANY
                                    egressProxy:
                                      host: istio-egressgateway.istio-system.svc.cluster.local
                                      port: {number: 443}
                                """, SLEEP, OutboundRequest.tls("unknown.example.net", 443),
                        "forward outbound|443||istio-egressgateway.istio-system.svc.cluster.local -> "
                                + "istio-egressgateway.istio-system.svc.cluster.local:443 tls=DISABLE"),
                new RoutingCase("Sidecar outboundTrafficPolicy: \"REGISTRY_ONLY: restrict outbound traffic to services "
                        + "defined in the service registry\"; the refusal names the Sidecar", """
                                apiVersion: networking.istio.io/v1
                                kind: Sidecar
                                metadata: {name: default, namespace: default}
                                spec:
                                  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
                                """, SLEEP, OutboundRequest.tls("unknown.example.net", 443),
                        "blocked: REGISTRY_ONLY (Sidecar default/default)"),
                new RoutingCase("Sidecar.outboundTrafficPolicy: \"Configuration for the outbound traffic policy. If "
                        + "your application uses one or more external services that are not known apriori, setting the "
                        + "policy to ALLOW_ANY will cause the sidecars to route any unknown traffic\"; a Sidecar that "
                        + "sets none leaves the mesh's", """
                                apiVersion: networking.istio.io/v1
                                kind: Sidecar
                                metadata: {name: default, namespace: default}
                                spec:
                                  egress: [{hosts: ["*/*"]}]
                                """, MeshSettings.DEFAULTS.withOutboundMode(OutboundMode.REGISTRY_ONLY), SLEEP,
                        OutboundRequest.tls("unknown.example.net", 443),
                        "blocked: REGISTRY_ONLY (mesh outboundTrafficPolicy)"),
                new RoutingCase("ALLOW_ANY: \"outbound traffic to unknown destinations will be allowed\" "
                        + "(PassthroughCluster)", "", SLEEP, OutboundRequest.tls("unknown.example.net", 443),
                        "forward PassthroughCluster -> unknown.example.net:443 tls=DISABLE"),
                // ---- Sidecar egress imports
                new RoutingCase("IstioEgressListener.hosts: a VirtualService is imported only when a namespace/dnsName "
                        + "of the listener covers its namespace and a host", """
                                apiVersion: networking.istio.io/v1
                                kind: Sidecar
                                metadata: {name: default, namespace: default}
                                spec:
                                  egress:
                                  - hosts: ["./*", "istio-system/*"]
                                ---
                                """ + vs("v", "team", "hosts: [a.example.com]", "http:\n- " + toB), SLEEP,
                        get("a.example.com", "/"), "forward outbound|80||a.example.com"),
                new RoutingCase("IstioEgressListener.hosts: \"team/a.example.com\" imports team's VirtualService for "
                        + "that host", """
                                apiVersion: networking.istio.io/v1
                                kind: Sidecar
                                metadata: {name: default, namespace: default}
                                spec:
                                  egress:
                                  - hosts: ["./*", "istio-system/*", "team/a.example.com"]
                                ---
                                """ + vs("v", "team", "hosts: [a.example.com]", "http:\n- " + toB), SLEEP,
                        get("a.example.com", "/"), "VirtualService team/v http[0]"),
                new RoutingCase("istio/istio sidecar.go collectImportedServices: \"Infer more possible destinations from "
                        + "virtual services\": an imported VirtualService brings in the egress gateway's service it routes "
                        + "to, though the Sidecar does not import istio-system", """
                                apiVersion: networking.istio.io/v1
                                kind: Sidecar
                                metadata: {name: default, namespace: default}
                                spec:
                                  egress:
                                  - hosts: ["./*"]
                                ---
                                apiVersion: networking.istio.io/v1
                                kind: ServiceEntry
                                metadata: {name: local, namespace: default}
                                spec:
                                  hosts: [x.example.org]
                                  ports: [{number: 80, name: http, protocol: HTTP}]
                                  resolution: DNS
                                ---
                                """ + vs("v", "default", "hosts: [x.example.org]", """
                                http:
                                - route: [{destination: {host: istio-egressgateway.istio-system.svc.cluster.local, port: {number: 80}}}]"""),
                        SLEEP, get("x.example.org", "/"), "forward VirtualService default/v http[0] -> "
                        + "istio-egressgateway.istio-system.svc.cluster.local:80"),
                new RoutingCase("push_context.go virtualServiceDestinationsFilteredBySourceNamespace: an http route "
                        + "confined to another sourceNamespace does not bring its destination in, though gateways in the "
                        + "match make it apply to this sidecar", """
                                apiVersion: networking.istio.io/v1
                                kind: Sidecar
                                metadata: {name: default, namespace: default}
                                spec:
                                  egress:
                                  - hosts: ["./*"]
                                ---
                                apiVersion: networking.istio.io/v1
                                kind: ServiceEntry
                                metadata: {name: local, namespace: default}
                                spec:
                                  hosts: [x.example.org]
                                  ports: [{number: 80, name: http, protocol: HTTP}]
                                  resolution: DNS
                                ---
                                """ + vs("v", "default", "hosts: [x.example.org]", """
                                http:
                                - match: [{gateways: [mesh], sourceNamespace: otherns}]
                                  route: [{destination: {host: istio-egressgateway.istio-system.svc.cluster.local, port: {number: 80}}}]"""),
                        SLEEP, get("x.example.org", "/"), "no-route: no route: route destination "
                        + "istio-egressgateway.istio-system.svc.cluster.local:80 is not in the registry"),
                new RoutingCase("virtualServiceDestinationsFilteredBySourceNamespace: the client's own sourceNamespace "
                        + "brings the destination in", """
                                apiVersion: networking.istio.io/v1
                                kind: Sidecar
                                metadata: {name: default, namespace: default}
                                spec:
                                  egress:
                                  - hosts: ["./*"]
                                ---
                                apiVersion: networking.istio.io/v1
                                kind: ServiceEntry
                                metadata: {name: local, namespace: default}
                                spec:
                                  hosts: [x.example.org]
                                  ports: [{number: 80, name: http, protocol: HTTP}]
                                  resolution: DNS
                                ---
                                """ + vs("v", "default", "hosts: [x.example.org]", """
                                http:
                                - match: [{sourceNamespace: otherns}, {sourceNamespace: default}]
                                  route: [{destination: {host: istio-egressgateway.istio-system.svc.cluster.local, port: {number: 80}}}]"""),
                        SLEEP, get("x.example.org", "/"), "forward VirtualService default/v http[0] -> "
                        + "istio-egressgateway.istio-system.svc.cluster.local:80"),
                new RoutingCase("collectImportedServices: only an imported VirtualService brings in its destinations; "
                        + "a destination that no namespace exports to the client has no cluster", """
                                apiVersion: networking.istio.io/v1
                                kind: Sidecar
                                metadata: {name: default, namespace: default}
                                spec:
                                  egress:
                                  - hosts: ["./*"]
                                ---
                                apiVersion: networking.istio.io/v1
                                kind: ServiceEntry
                                metadata: {name: local, namespace: default}
                                spec:
                                  hosts: [x.example.org]
                                  ports: [{number: 80, name: http, protocol: HTTP}]
                                  resolution: DNS
                                ---
                                apiVersion: networking.istio.io/v1
                                kind: ServiceEntry
                                metadata: {name: private, namespace: team}
                                spec:
                                  hosts: [y.example.org]
                                  exportTo: ["."]
                                  ports: [{number: 80, name: http, protocol: HTTP}]
                                  resolution: DNS
                                ---
                                """ + vs("v", "default", "hosts: [x.example.org]", """
                                http:
                                - route: [{destination: {host: y.example.org, port: {number: 80}}}]"""),
                        SLEEP, get("x.example.org", "/"), "no-route: no route: route destination y.example.org:80 is "
                        + "not in the registry"),
                // ---- VirtualService hosts outside the registry (route.go buildSidecarVirtualHostsForVirtualService)
                new RoutingCase(OUTSIDE + ": the VirtualService builds a virtual host on port 80 and routes "
                        + "(ALLOW_ANY does not pass it through)", vs("v", "default", "hosts: [nose.example.org]",
                        "http:\n- " + TO_GATEWAY), SLEEP, get("nose.example.org", "/"),
                        "forward VirtualService default/v http[0] -> istio-egressgateway.istio-system.svc.cluster.local:80"),
                new RoutingCase(OUTSIDE + ": under REGISTRY_ONLY too, since the route is built whatever the policy",
                        vs("v", "default", "hosts: [nose.example.org]", "http:\n- " + TO_GATEWAY),
                        MeshSettings.DEFAULTS.withOutboundMode(OutboundMode.REGISTRY_ONLY), SLEEP,
                        get("nose.example.org", "/"), "forward VirtualService default/v http[0]"),
                new RoutingCase(OUTSIDE + ": only on port 80; other ports fall to the outbound policy",
                        vs("v", "default", "hosts: [nose.example.org]", "http:\n- " + TO_GATEWAY), SLEEP,
                        OutboundRequest.http("nose.example.org", 8080, new dev.tollgate.core.model.HttpRequestInfo(
                                "GET", "nose.example.org:8080", "/", java.util.Map.of())),
                        "forward PassthroughCluster -> nose.example.org:8080"),
                new RoutingCase(OUTSIDE + ": a route to a host outside the registry has no cluster",
                        vs("v", "default", "hosts: [nose.example.org]", "http:\n- route: [{destination: "
                                + "{host: nose.example.org}}]"), SLEEP, get("nose.example.org", "/"),
                        "no-route: no route: route destination nose.example.org:80 is not in the registry"),
                new RoutingCase(OUTSIDE + ": a wildcard host that covers a service's name is not outside the registry",
                        vs("v", "default", "hosts: [\"*.example.com\"]", "http:\n- " + TO_GATEWAY), SLEEP,
                        get("zzz.example.com", "/"), "forward PassthroughCluster -> zzz.example.com:80"),
                new RoutingCase(OUTSIDE + ": beside a host of the registry it joins that service's HTTP ports",
                        vs("v", "default", "hosts: [nose.example.org, a.example.com]", "http:\n- " + TO_GATEWAY),
                        MeshSettings.DEFAULTS.withOutboundMode(OutboundMode.REGISTRY_ONLY), SLEEP,
                        get("nose.example.org", "/"), "forward VirtualService default/v http[0]"),
                new RoutingCase(OUTSIDE + ": a VirtualService that is not bound to mesh builds nothing at the sidecar",
                        vs("v", "default", "hosts: [nose.example.org]\ngateways: [egw]", "http:\n- " + TO_GATEWAY),
                        MeshSettings.DEFAULTS.withOutboundMode(OutboundMode.REGISTRY_ONLY), SLEEP,
                        get("nose.example.org", "/"), "blocked: REGISTRY_ONLY"),
                // ---- port protocol decides the route list
                new RoutingCase("http: \"HTTP routes will be applied to ... service entry ports using HTTP/HTTP2/GRPC "
                        + "protocols\": a non-HTTP connection to an HTTP port is refused",
                        aHttp("", "- " + toB), SLEEP, OutboundRequest.tcp("a.example.com", 80),
                        "blocked: port 80 of ServiceEntry istio-system/ext is HTTP but the connection is TCP")
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void sidecarRouting(RoutingCase c) {
        assertThat(c.summary()).contains(c.expect());
    }
}
