package dev.tollgate.core.routing;

import dev.tollgate.core.model.Stage;
import dev.tollgate.core.model.Consideration;
import dev.tollgate.core.model.HttpRequestInfo;
import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.OutboundMode;
import dev.tollgate.core.snapshot.GatewayRequest;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.OutboundRequest;
import dev.tollgate.core.testing.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static dev.tollgate.core.routing.GatewayConformanceTest.EGRESS;
import static dev.tollgate.core.routing.GatewayConformanceTest.GW;
import static dev.tollgate.core.routing.GatewayConformanceTest.gateway;
import static dev.tollgate.core.routing.GatewayConformanceTest.httpOn;
import static dev.tollgate.core.routing.RoutingCase.SLEEP;
import static dev.tollgate.core.routing.VirtualServiceConformanceTest.vs;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Overlapping wildcard ServiceEntry hosts and VirtualService hosts: Istio decides per service and port, when it
 * builds a route configuration, which VirtualService owns a virtual host, and which VirtualService hosts outside the
 * registry get one; Envoy then picks the virtual host with the most specific domain for the request's Host. Each case
 * names the pilot function (file and function) it follows.
 */
class OverlappingHostsConformanceTest {

    /** A wildcard ServiceEntry with two HTTP ports, beside {@link RoutingCase#REGISTRY}'s exact a/b/c.example.com. */
    static final String WILD_SE = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: wild, namespace: istio-system}
            spec:
              hosts: ["*.example.com"]
              ports:
              - {number: 80, name: http, protocol: HTTP}
              - {number: 8080, name: http-alt, protocol: HTTP}
              resolution: NONE
            ---
            """;

    static String to(String host) {
        return "http:\n- route: [{destination: {host: " + host + ", port: {number: 80}}}]";
    }

    /** VirtualService "api" for api.example.com -> b, "wild" for *.example.com -> c. */
    static final String API_AND_WILD = WILD_SE + vs("api", "default", "hosts: [api.example.com]", to("b.example.com"))
            + vs("wild", "default", "hosts: [\"*.example.com\"]", to("c.example.com"));

    static OutboundRequest getOn(String host, int port) {
        return OutboundRequest.http(host, port, new HttpRequestInfo("GET", port == 80 ? host : host + ":" + port, "/",
                Map.of()));
    }

    static final MeshSettings REGISTRY_ONLY = MeshSettings.DEFAULTS.withOutboundMode(OutboundMode.REGISTRY_ONLY);

    static final String SEPARATE = "route.go separateVSHostsAndServices";
    static final String FOR_VS = "route.go buildSidecarVirtualHostsForVirtualService";
    static final String INDEX = "sidecar.go computeWildcardHostVirtualServiceIndex + config.go MostSpecificHostMatch";
    static final String SELECT = "httproute.go BuildSidecarOutboundVirtualHosts/selectVirtualServices";
    static final String DEDUP = "httproute.go BuildSidecarOutboundVirtualHosts buildVirtualHost (\"duplicate domain\")";
    static final String ORDER = "config.go configCompareByCreationTime";

    /** A service with only port 8080 HTTP, and one with only port 443 TLS. */
    static final String ALT_AND_TLS_SE = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: alt, namespace: istio-system}
            spec:
              hosts: [alt.example.org]
              ports: [{number: 8080, name: http, protocol: HTTP}]
              resolution: DNS
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: tlsonly, namespace: istio-system}
            spec:
              hosts: [tlsonly.example.org]
              ports: [{number: 443, name: tls, protocol: TLS}]
              resolution: DNS
            ---
            """;

    static Stream<RoutingCase> sidecarCases() {
        return Stream.of(
                // ---- wildcard ServiceEntry *.example.com, VirtualServices on api.example.com and *.example.com
                new RoutingCase(SEPARATE + ": api.example.com names no service (the service is *.example.com), so "
                        + "it is a host outside the registry; " + FOR_VS + " builds it on port 80, and Envoy picks "
                        + "the exact domain", API_AND_WILD, SLEEP, getOn("api.example.com", 80),
                        "forward VirtualService default/api http[0] -> b.example.com:80"),
                new RoutingCase(INDEX + ": *.example.com is the most specific VirtualService host of the service "
                        + "*.example.com, so that VirtualService owns its virtual host", API_AND_WILD, SLEEP,
                        getOn("web.example.com", 80), "forward VirtualService default/wild http[0] -> c.example.com:80"),
                new RoutingCase(FOR_VS + ": on port 8080 the host outside the registry gets no virtual host (only port "
                        + "80, or beside a service its VirtualService names); api.example.com takes the service's "
                        + "virtual host *.example.com", API_AND_WILD, SLEEP, getOn("api.example.com", 8080),
                        "forward VirtualService default/wild http[0] -> c.example.com:80"),
                new RoutingCase(INDEX + ": without the wildcard VirtualService the service keeps its default route on "
                        + "8080", WILD_SE + vs("api", "default", "hosts: [api.example.com]", to("b.example.com")),
                        SLEEP, getOn("api.example.com", 8080), "forward outbound|8080||api.example.com"),
                new RoutingCase(INDEX + ": a wildcard VirtualService host more specific than the service "
                        + "(*.api.example.com) claims no service and, since it overlaps one (" + SEPARATE + "), is not "
                        + "outside the registry either: it builds nothing", WILD_SE + vs("deep", "default",
                        "hosts: [\"*.api.example.com\"]", to("b.example.com")), SLEEP,
                        getOn("x.api.example.com", 80), "forward outbound|80||x.api.example.com"),
                // ---- a VirtualService host outside the registry: which ports
                new RoutingCase(FOR_VS + ": beside a service with HTTP port 8080, a host outside the registry gets a "
                        + "virtual host on 8080", ALT_AND_TLS_SE + vs("v", "default",
                        "hosts: [nose.example.org, alt.example.org]", to("b.example.com")), REGISTRY_ONLY, SLEEP,
                        getOn("nose.example.org", 8080), "forward VirtualService default/v http[0] -> b.example.com:80"),
                new RoutingCase(FOR_VS + " (\"listenPort == 80\") and " + SELECT + " (port 80 keeps every "
                        + "VirtualService): the same host also gets one on port 80, under REGISTRY_ONLY",
                        ALT_AND_TLS_SE + vs("v", "default", "hosts: [nose.example.org, alt.example.org]",
                                to("b.example.com")), REGISTRY_ONLY, SLEEP, getOn("nose.example.org", 80),
                        "forward VirtualService default/v http[0] -> b.example.com:80"),
                new RoutingCase(FOR_VS + ": and on port 80 under ALLOW_ANY, routed rather than passed through",
                        ALT_AND_TLS_SE + vs("v", "default", "hosts: [nose.example.org, alt.example.org]",
                                to("b.example.com")), SLEEP, getOn("nose.example.org", 80),
                        "forward VirtualService default/v http[0] -> b.example.com:80"),
                new RoutingCase(SELECT + ": on another port no service of the VirtualService has, nothing; "
                        + "REGISTRY_ONLY blocks", ALT_AND_TLS_SE + vs("v", "default",
                        "hosts: [nose.example.org, alt.example.org]", to("b.example.com")), REGISTRY_ONLY, SLEEP,
                        getOn("nose.example.org", 9090), "blocked: REGISTRY_ONLY"),
                new RoutingCase(SELECT + ": and ALLOW_ANY passes it through", ALT_AND_TLS_SE + vs("v", "default",
                        "hosts: [nose.example.org, alt.example.org]", to("b.example.com")), SLEEP,
                        getOn("nose.example.org", 9090), "forward PassthroughCluster -> nose.example.org:9090"),
                new RoutingCase("httproute.go BuildSidecarOutboundVirtualHosts (servicesByName holds the services "
                        + "with the listener's port) + " + SEPARATE + ": a service without port 80 is outside the "
                        + "registry on port 80, so its VirtualService builds a virtual host there (REGISTRY_ONLY)",
                        ALT_AND_TLS_SE + vs("v", "default", "hosts: [tlsonly.example.org]", to("b.example.com")),
                        REGISTRY_ONLY, SLEEP, getOn("tlsonly.example.org", 80),
                        "forward VirtualService default/v http[0] -> b.example.com:80"),
                new RoutingCase("httproute.go generateVirtualHostDomains: a service's virtual host also answers to "
                        + "its addresses, so a request to the address takes the service's VirtualService", """
                        apiVersion: networking.istio.io/v1
                        kind: ServiceEntry
                        metadata: {name: byip, namespace: istio-system}
                        spec:
                          hosts: [byip.example.org]
                          addresses: [10.9.8.7]
                          ports: [{number: 80, name: http, protocol: HTTP}]
                          resolution: STATIC
                          endpoints: [{address: 10.9.8.7}]
                        ---
                        """ + vs("v", "default", "hosts: [byip.example.org]", to("b.example.com")), REGISTRY_ONLY,
                        SLEEP, getOn("10.9.8.7", 80), "forward VirtualService default/v http[0] -> b.example.com:80"),
                // ---- two VirtualServices with the same host
                new RoutingCase(DEDUP + " after " + ORDER + ": of two VirtualServices for *.example.com the first by "
                        + "name owns the service's virtual host, whatever the document order",
                        WILD_SE + vs("zeta", "default", "hosts: [\"*.example.com\"]", to("b.example.com"))
                                + vs("alpha", "default", "hosts: [\"*.example.com\"]", to("c.example.com")), SLEEP,
                        getOn("web.example.com", 80), "forward VirtualService default/alpha http[0] -> c.example.com:80"),
                new RoutingCase(DEDUP + " after " + ORDER + ": the same for an exact host outside the registry",
                        vs("zeta", "default", "hosts: [nose.example.org]", to("b.example.com"))
                                + vs("alpha", "default", "hosts: [nose.example.org]", to("c.example.com")), SLEEP,
                        getOn("nose.example.org", 80), "forward VirtualService default/alpha http[0]"),
                new RoutingCase("virtualservice.go SelectVirtualServices (private to the proxy's namespace, then "
                        + "exported to it, then public): a VirtualService private to the proxy's namespace comes "
                        + "before the name order",
                        WILD_SE + vs("alpha", "team", "hosts: [\"*.example.com\"]", to("c.example.com"))
                                + vs("zeta", "default", "hosts: [\"*.example.com\"]\nexportTo: [\".\"]",
                                to("b.example.com")), SLEEP,
                        getOn("web.example.com", 80), "forward VirtualService default/zeta http[0] -> b.example.com:80"),
                new RoutingCase("virtualservice.go SelectVirtualServices + " + ORDER + ": public VirtualServices of "
                        + "every namespace, the proxy's own included, are in one name order",
                        WILD_SE + vs("alpha", "team", "hosts: [\"*.example.com\"]", to("c.example.com"))
                                + vs("zeta", "default", "hosts: [\"*.example.com\"]", to("b.example.com")), SLEEP,
                        getOn("web.example.com", 80), "forward VirtualService team/alpha http[0] -> c.example.com:80"),
                new RoutingCase(INDEX + ": the index keeps the first VirtualService of a wildcard host even when none "
                        + "of its routes applies to the proxy, so the second one does not claim the service either: "
                        + "the service keeps its default route", WILD_SE
                        + vs("alpha", "default", "hosts: [\"*.example.com\"]", """
                        http:
                        - match: [{sourceLabels: {app: other}}]
                          route: [{destination: {host: c.example.com, port: {number: 80}}}]""")
                        + vs("zeta", "default", "hosts: [\"*.example.com\"]", to("b.example.com")), SLEEP,
                        getOn("web.example.com", 80), "forward outbound|80||web.example.com"),
                new RoutingCase(DEDUP + " + " + FOR_VS + " (no routes, no virtual host): for an exact host outside "
                        + "the registry, a first VirtualService with no route for the proxy builds nothing and the "
                        + "next one builds the virtual host", vs("alpha", "default", "hosts: [nose.example.org]", """
                        http:
                        - match: [{sourceLabels: {app: other}}]
                          route: [{destination: {host: c.example.com, port: {number: 80}}}]""")
                        + vs("zeta", "default", "hosts: [nose.example.org]", to("b.example.com")), SLEEP,
                        getOn("nose.example.org", 80), "forward VirtualService default/zeta http[0] -> b.example.com:80"),
                // ---- a wildcard VirtualService host covering an exact ServiceEntry host
                new RoutingCase(INDEX + ": *.example.com is the most specific VirtualService host of the exact "
                        + "service a.example.com, so it owns that service's virtual host", vs("wild", "default",
                        "hosts: [\"*.example.com\"]", to("c.example.com")), SLEEP, getOn("a.example.com", 80),
                        "forward VirtualService default/wild http[0] -> c.example.com:80"),
                new RoutingCase(INDEX + ": an exact VirtualService host is more specific than a wildcard one for the "
                        + "service, whatever the names", vs("all", "default", "hosts: [\"*.example.com\"]",
                        to("c.example.com")) + vs("zz-a", "default", "hosts: [a.example.com]", to("b.example.com")),
                        SLEEP, getOn("a.example.com", 80), "forward VirtualService default/zz-a http[0] -> b.example.com:80"),
                new RoutingCase(INDEX + ": of two wildcard VirtualService hosts covering a service, the longer one "
                        + "owns it", vs("all", "default", "hosts: [\"*.com\"]", to("b.example.com"))
                        + vs("zz", "default", "hosts: [\"*.example.com\"]", to("c.example.com")), SLEEP,
                        getOn("a.example.com", 80), "forward VirtualService default/zz http[0] -> c.example.com:80")
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sidecarCases")
    void sidecar(RoutingCase c) {
        assertThat(c.summary()).contains(c.expect());
    }

    record GatewayCase(String doc, String yaml, GatewayRequest request, String expect) {
        @Override
        public String toString() {
            return doc;
        }
    }

    static final String GATEWAY = "gateway.go buildGatewayHTTPRouteConfig";

    static String gwVs(String name, String hosts, String routes) {
        return GatewayConformanceTest.vs(name, "istio-system", "hosts: " + hosts + "\ngateways: [egress]\n" + routes);
    }

    static String gwTo(String host) {
        return "http:\n- route: [{destination: {host: " + host + ", port: {number: 80}}}]";
    }

    static final String HTTP_WILD_SERVER = """
            - port: {number: 80, name: http, protocol: HTTP}
              hosts: ["*.example.com"]""";
    static final String HTTP_TWO_SERVER = """
            - port: {number: 80, name: http, protocol: HTTP}
              hosts: [api.example.com, web.example.com]""";

    static Stream<GatewayCase> gatewayCases() {
        return Stream.of(
                new GatewayCase(GATEWAY + ": server *.example.com, VirtualServices on api.example.com and "
                        + "*.example.com: the intersections are api.example.com and *.example.com, Envoy picks "
                        + "the exact one", gateway("egress", "istio-system", EGRESS, HTTP_WILD_SERVER) + WILD_SE
                        + gwVs("api", "[api.example.com]", gwTo("b.example.com"))
                        + gwVs("wild", "[\"*.example.com\"]", gwTo("c.example.com")),
                        httpOn(80, null, "api.example.com", "GET"),
                        "forward VirtualService istio-system/api http[0] -> b.example.com:80"),
                new GatewayCase(GATEWAY + ": another host takes the *.example.com virtual host",
                        gateway("egress", "istio-system", EGRESS, HTTP_WILD_SERVER) + WILD_SE
                                + gwVs("api", "[api.example.com]", gwTo("b.example.com"))
                                + gwVs("wild", "[\"*.example.com\"]", gwTo("c.example.com")),
                        httpOn(80, null, "web.example.com", "GET"),
                        "forward VirtualService istio-system/wild http[0] -> c.example.com:80"),
                new GatewayCase(GATEWAY + " (host.Names Intersection: the more specific host) + route.go "
                        + "SortVHostRoutes: with server hosts api/web.example.com, *.example.com's routes join the "
                        + "api.example.com virtual host, and the catch-all of api comes after wild's specific route",
                        gateway("egress", "istio-system", EGRESS, HTTP_TWO_SERVER) + WILD_SE
                                + gwVs("api", "[api.example.com]", gwTo("b.example.com"))
                                + gwVs("wild", "[\"*.example.com\"]", """
                                http:
                                - match: [{method: {exact: GET}}]
                                  route: [{destination: {host: c.example.com, port: {number: 80}}}]"""),
                        httpOn(80, null, "api.example.com", "GET"),
                        "forward VirtualService istio-system/wild http[0] -> c.example.com:80"),
                new GatewayCase(GATEWAY + ": a request the specific route does not match falls to the catch-all "
                        + "in the same virtual host", gateway("egress", "istio-system", EGRESS, HTTP_TWO_SERVER)
                        + WILD_SE + gwVs("api", "[api.example.com]", gwTo("b.example.com"))
                        + gwVs("wild", "[\"*.example.com\"]", """
                        http:
                        - match: [{method: {exact: GET}}]
                          route: [{destination: {host: c.example.com, port: {number: 80}}}]"""),
                        httpOn(80, null, "api.example.com", "POST"),
                        "forward VirtualService istio-system/api http[0] -> b.example.com:80"),
                new GatewayCase(GATEWAY + ": a wildcard VirtualService host covering an exact server host builds "
                        + "that host's virtual host", gateway("egress", "istio-system", EGRESS, """
                        - port: {number: 80, name: http, protocol: HTTP}
                          hosts: [a.example.com]""") + gwVs("wild", "[\"*.example.com\"]", gwTo("c.example.com")),
                        httpOn(80, null, "a.example.com", "GET"),
                        "forward VirtualService istio-system/wild http[0] -> c.example.com:80"),
                new GatewayCase(GATEWAY + " + " + ORDER + ": two VirtualServices with the same host are merged at a "
                        + "gateway, the first by name first", gateway("egress", "istio-system", EGRESS,
                        HTTP_WILD_SERVER) + WILD_SE + gwVs("zeta", "[api.example.com]", gwTo("b.example.com"))
                        + gwVs("alpha", "[api.example.com]", """
                        http:
                        - match: [{uri: {prefix: /only}}]
                          route: [{destination: {host: c.example.com, port: {number: 80}}}]"""),
                        new GatewayRequest(80, Optional.empty(), GatewayConformanceTest.PEER,
                                Optional.of(new HttpRequestInfo("GET", "api.example.com", "/only/x",
                                        Map.of())), "10.0.0.1", "10.0.0.2"),
                        "forward VirtualService istio-system/alpha http[0] -> c.example.com:80"),
                new GatewayCase(GATEWAY + ": the merged virtual host falls through to the second VirtualService",
                        gateway("egress", "istio-system", EGRESS, HTTP_WILD_SERVER) + WILD_SE
                                + gwVs("zeta", "[api.example.com]", gwTo("b.example.com"))
                                + gwVs("alpha", "[api.example.com]", """
                                http:
                                - match: [{uri: {prefix: /only}}]
                                  route: [{destination: {host: c.example.com, port: {number: 80}}}]"""),
                        httpOn(80, null, "api.example.com", "GET"),
                        "forward VirtualService istio-system/zeta http[0] -> b.example.com:80"),
                new GatewayCase(GATEWAY + ": a VirtualService host outside the registry still gets its virtual "
                        + "host at the gateway (the gateway has no port rule)", gateway("egress", "istio-system",
                        EGRESS, """
                        - port: {number: 80, name: http, protocol: HTTP}
                          hosts: [nose.example.org]""") + gwVs("v", "[nose.example.org]", gwTo("b.example.com")),
                        httpOn(80, null, "nose.example.org", "GET"),
                        "forward VirtualService istio-system/v http[0] -> b.example.com:80")
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("gatewayCases")
    void gatewayRouting(GatewayCase c) {
        assertThat(GatewayConformanceTest.summary(GatewayConformanceTest.compile(c.yaml()).gateway(GW, c.request())))
                .contains(c.expect());
    }

    // ---- explanations name the owner and say why another overlapping VirtualService does not apply

    static List<Consideration> routeConsiderations(MeshSnapshot s, OutboundRequest r) {
        return s.explain(SLEEP, r).considerations().stream().filter(c -> c.stage() == Stage.ROUTE).toList();
    }

    @Test
    void explainNamesTheOwnerOnPort8080AndWhyTheExactVirtualServiceBuildsNothingThere() {
        MeshSnapshot s = new RoutingCase("", API_AND_WILD, SLEEP, getOn("api.example.com", 8080), "").snapshot();
        List<Consideration> cs = routeConsiderations(s, getOn("api.example.com", 8080));
        assertThat(cs).filteredOn(c -> c.resource().toString().endsWith("default/wild")).singleElement()
                .satisfies(c -> {
                    assertThat(c.applied()).isTrue();
                    assertThat(c.why()).contains("it owns the virtual host *.example.com on port 8080")
                            .contains("host *.example.com is the service *.example.com");
                });
        assertThat(cs).filteredOn(c -> c.resource().toString().endsWith("default/api")).singleElement()
                .satisfies(c -> {
                    assertThat(c.applied()).isFalse();
                    assertThat(c.why()).contains("builds no virtual host on port 8080")
                            .contains("outside the registry");
                });
    }

    @Test
    void explainSaysTheWildcardVirtualServiceLosesToTheMoreSpecificDomainOnPort80() {
        MeshSnapshot s = new RoutingCase("", API_AND_WILD, SLEEP, getOn("api.example.com", 80), "").snapshot();
        List<Consideration> cs = routeConsiderations(s, getOn("api.example.com", 80));
        assertThat(cs).filteredOn(c -> c.resource().toString().endsWith("default/wild")).singleElement()
                .satisfies(c -> {
                    assertThat(c.applied()).isFalse();
                    assertThat(c.why()).contains("Envoy picks the virtual host api.example.com, built by "
                            + "VirtualService default/api");
                });
    }

    @Test
    void explainSaysTheSecondVirtualServiceForAHostCameSecond() {
        String yaml = WILD_SE + vs("zeta", "default", "hosts: [\"*.example.com\"]", to("b.example.com"))
                + vs("alpha", "default", "hosts: [\"*.example.com\"]", to("c.example.com"));
        MeshSnapshot s = new RoutingCase("", yaml, SLEEP, getOn("web.example.com", 80), "").snapshot();
        assertThat(routeConsiderations(s, getOn("web.example.com", 80)))
                .filteredOn(c -> c.resource().toString().endsWith("default/zeta")).singleElement()
                .satisfies(c -> assertThat(c.why()).contains("built by VirtualService default/alpha")
                        .contains("its wildcard host does not claim service *.example.com, whose most specific "
                                + "VirtualService host belongs to VirtualService default/alpha"));
    }

    @Test
    void explainSaysTheSecondVirtualServiceForAnExactHostCameSecond() {
        String yaml = vs("zeta", "default", "hosts: [nose.example.org]", to("b.example.com"))
                + vs("alpha", "default", "hosts: [nose.example.org]", to("c.example.com"));
        MeshSnapshot s = new RoutingCase("", yaml, SLEEP, getOn("nose.example.org", 80), "").snapshot();
        assertThat(routeConsiderations(s, getOn("nose.example.org", 80)))
                .filteredOn(c -> c.resource().toString().endsWith("default/zeta")).singleElement()
                .satisfies(c -> assertThat(c.why()).contains("built by VirtualService default/alpha")
                        .contains("came first for that domain"));
    }

    @Test
    void explainAtTheGatewayNamesTheVirtualHostPicked() {
        Routing routing = Routing.compile(TestConfig.create().mesh(MeshSettings.DEFAULTS)
                .apply("default", RoutingCase.REGISTRY).apply("default", gateway("egress", "istio-system", EGRESS,
                        HTTP_WILD_SERVER) + WILD_SE + gwVs("api", "[api.example.com]", gwTo("b.example.com"))
                        + gwVs("wild", "[\"*.example.com\"]", gwTo("c.example.com"))).build());
        GatewayServer server = ((ServerSelection.Selected) routing.selectServer(GW, 80, Optional.empty(),
                Optional.of("api.example.com"))).server();
        RouteOutcome out = routing.gatewayRoute(GW, server, Optional.empty(), Optional.of(
                new HttpRequestInfo("GET", "api.example.com", "/", Map.of())));
        assertThat(out.considerations())
                .filteredOn(c -> c.resource().toString().endsWith("istio-system/api")).singleElement()
                .satisfies(c -> assertThat(c.applied()).isTrue());
        assertThat(out.considerations())
                .filteredOn(c -> c.resource().toString().endsWith("istio-system/wild")).singleElement()
                .satisfies(c -> assertThat(c.why()).contains("Envoy picks the more specific virtual host "
                        + "api.example.com, built by [VirtualService istio-system/api]"));
    }
}
