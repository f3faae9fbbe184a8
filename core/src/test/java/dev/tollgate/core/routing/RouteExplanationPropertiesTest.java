package dev.tollgate.core.routing;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Consideration;
import dev.tollgate.core.model.HttpRequestInfo;
import dev.tollgate.core.model.Kind;
import dev.tollgate.core.model.PortProtocol;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.model.RouteKind;
import dev.tollgate.core.model.net.HostPattern;
import dev.tollgate.core.model.Stage;
import dev.tollgate.core.registry.Registry;
import dev.tollgate.core.registry.ServiceMatch;
import dev.tollgate.core.registry.SidecarScope;
import dev.tollgate.core.snapshot.Explanation;
import dev.tollgate.core.snapshot.Hop;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.OutboundRequest;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import dev.tollgate.core.testing.TestConfig;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.tollgate.core.routing.GatewayConformanceTest.EGRESS;
import static dev.tollgate.core.routing.GatewayConformanceTest.GW;
import static dev.tollgate.core.routing.GatewayConformanceTest.gateway;
import static dev.tollgate.core.routing.RoutingCase.SLEEP;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Over generated VirtualServices (overlapping and wildcard hosts, bound to mesh, the egress Gateway or both,
 * exported or not, with http, tls and tcp routes), DestinationRules and requests at the sidecar and the gateway:
 * explain tells the decision's own story. Exactly the VirtualServices that decided are marked applied, the
 * outcome the explanation names is the decision's, and every VirtualService naming the host is listed once.
 */
class RouteExplanationPropertiesTest {

    /** Services: exact hosts, a wildcard one overlapping them, and one outside the wildcard. */
    private static final String REGISTRY = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: ext, namespace: istio-system}
            spec:
              hosts: [a.example.com, b.example.com]
              ports:
              - {number: 80, name: http, protocol: HTTP}
              - {number: 8080, name: http-alt, protocol: HTTP}
              - {number: 443, name: tls, protocol: TLS}
              - {number: 9000, name: tcp, protocol: TCP}
              resolution: DNS
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: wild, namespace: istio-system}
            spec:
              hosts: ["*.example.com"]
              ports:
              - {number: 80, name: http, protocol: HTTP}
              - {number: 443, name: tls, protocol: TLS}
              resolution: NONE
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: org, namespace: istio-system}
            spec:
              hosts: [api.example.org]
              ports: [{number: 80, name: http, protocol: HTTP}]
              resolution: DNS
            ---
            """ + gateway("egress", "istio-system", EGRESS, """
            - port: {number: 80, name: http, protocol: HTTP}
              hosts: ["*"]
            - port: {number: 443, name: tls, protocol: TLS}
              hosts: ["*.example.com"]
              tls: {mode: PASSTHROUGH}
            - port: {number: 9000, name: tcp, protocol: TCP}
              hosts: ["*"]""");

    private static final List<String> HOSTS = List.of("a.example.com", "b.example.com", "*.example.com",
            "api.example.org", "*.org", "nose.example.net");
    private static final List<String> GATEWAYS = List.of("", "[mesh]", "[istio-system/egress]",
            "[mesh, istio-system/egress]");
    private static final List<String> EXPORTS = List.of("", "exportTo: [\".\"]", "exportTo: [\"*\"]");
    private static final List<String> HTTP_MATCHES = List.of("", "match: [{uri: {prefix: /a}}]",
            "match: [{headers: {x-v: {exact: \"1\"}}}]", "match: [{port: 8080}]", "match: [{gateways: [mesh]}]");

    record Vs(String ns, List<String> hosts, int gateways, int export, int httpMatch, boolean tls, boolean tcp,
              String to) {
        String yaml(String name) {
            StringBuilder b = new StringBuilder("""
                    apiVersion: networking.istio.io/v1
                    kind: VirtualService
                    metadata: {name: %s, namespace: %s}
                    spec:
                      hosts: %s
                    """.formatted(name, ns, hosts.stream().map(h -> "\"" + h + "\"").toList()));
            if (!GATEWAYS.get(gateways).isEmpty()) {
                b.append("  gateways: ").append(GATEWAYS.get(gateways)).append('\n');
            }
            if (!EXPORTS.get(export).isEmpty()) {
                b.append("  ").append(EXPORTS.get(export)).append('\n');
            }
            if (httpMatch >= 0) {
                b.append("  http:\n  - ").append(HTTP_MATCHES.get(httpMatch).isEmpty() ? ""
                        : HTTP_MATCHES.get(httpMatch) + "\n    ").append("route: [{destination: {host: ").append(to)
                        .append("}}]\n");
            }
            if (tls) {
                b.append("  tls:\n  - match: [{sniHosts: [\"").append(hosts.get(0)).append("\"]}]\n")
                        .append("    route: [{destination: {host: ").append(to).append(", port: {number: 443}}}]\n");
            }
            if (tcp) {
                b.append("  tcp:\n  - match: [{port: 9000}]\n    route: [{destination: {host: ").append(to)
                        .append(", port: {number: 9000}}}]\n");
            }
            return b.append("---\n").toString();
        }
    }

    record Dr(String ns, String host, boolean subset, boolean tls) {
        String yaml(String name) {
            return """
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata: {name: %s, namespace: %s}
                    spec:
                      host: "%s"
                    %s%s---
                    """.formatted(name, ns, host, tls ? "  trafficPolicy: {tls: {mode: SIMPLE}}\n" : "",
                    subset ? "  subsets: [{name: v1, labels: {v: \"1\"}}]\n" : "");
        }
    }

    record Request(String host, int port, String path, boolean header) {
    }

    @Provide
    Arbitrary<List<Vs>> virtualServices() {
        Arbitrary<Vs> one = Combinators.combine(Arbitraries.of("default", "istio-system"),
                Arbitraries.of(HOSTS).list().ofMinSize(1).ofMaxSize(2).uniqueElements(),
                Arbitraries.integers().between(0, GATEWAYS.size() - 1),
                Arbitraries.integers().between(0, EXPORTS.size() - 1),
                Arbitraries.integers().between(-1, HTTP_MATCHES.size() - 1), Arbitraries.of(true, false),
                Arbitraries.of(true, false), Arbitraries.of("a.example.com", "b.example.com"))
                .as(Vs::new);
        return one.list().ofMinSize(1).ofMaxSize(6);
    }

    @Provide
    Arbitrary<List<Dr>> destinationRules() {
        return Combinators.combine(Arbitraries.of("default", "istio-system"),
                Arbitraries.of("a.example.com", "b.example.com", "*.example.com"), Arbitraries.of(true, false),
                Arbitraries.of(true, false)).as(Dr::new).list().ofMaxSize(3);
    }

    @Provide
    Arbitrary<Request> requests() {
        return Combinators.combine(Arbitraries.of("a.example.com", "b.example.com", "web.example.com",
                        "api.example.org", "nose.example.net"), Arbitraries.of(80, 8080, 443, 9000),
                Arbitraries.of("/", "/a/b"), Arbitraries.of(true, false)).as(Request::new);
    }

    private static ConfigSet config(List<Vs> vss, List<Dr> drs) {
        StringBuilder yaml = new StringBuilder(REGISTRY);
        for (int i = 0; i < vss.size(); i++) {
            yaml.append(vss.get(i).yaml("v" + i));
        }
        for (int i = 0; i < drs.size(); i++) {
            yaml.append(drs.get(i).yaml("d" + i));
        }
        return TestConfig.create().apply("default", yaml.toString()).build();
    }

    private static Optional<HttpRequestInfo> http(Request r) {
        return Optional.of(new HttpRequestInfo("GET", r.host(), r.path(),
                r.header() ? Map.of("x-v", List.of("1")) : Map.of()));
    }

    @Property(tries = 400)
    void atTheSidecarTheExplanationIsTheDecisions(@ForAll("virtualServices") List<Vs> vss,
                                                  @ForAll("requests") Request r) {
        ConfigSet config = config(vss, List.of());
        Routing routing = Routing.compile(config);
        SidecarScope scope = Registry.compile(config).scopeFor(SLEEP);
        Optional<ServiceMatch> m = scope.lookup(r.host(), r.port());
        RouteOutcome out;
        if (m.isPresent() && m.get().port().isPresent()) {
            RouteKind kind = RouteKind.forServicePort(PortProtocol.parse(m.get().port().get().getProtocol()));
            out = routing.meshRoute(SLEEP, scope, r.host(), r.port(), kind,
                    kind == RouteKind.TLS ? Optional.of(r.host()) : Optional.empty(),
                    kind == RouteKind.HTTP ? http(r) : Optional.empty(), Optional.of(m.get().matchedHost()), List.of());
        } else {
            out = routing.meshRouteOutsideRegistry(SLEEP, scope, r.host(), r.port(), http(r).orElseThrow());
        }
        agree(out, out.considerations());
        listsEveryVirtualServiceNaming(r.host(), vss, out.considerations());
    }

    @Property(tries = 400)
    void atTheGatewayTheExplanationIsTheDecisions(@ForAll("virtualServices") List<Vs> vss,
                                                  @ForAll("requests") Request r) {
        Routing routing = Routing.compile(config(vss, List.of()));
        Optional<String> sni = r.port() == 443 ? Optional.of(r.host()) : Optional.empty();
        Optional<HttpRequestInfo> http = r.port() == 80 ? http(r) : Optional.empty();
        if (!(routing.selectServer(GW, r.port(), sni, http.map(HttpRequestInfo::authority))
                instanceof ServerSelection.Selected s)) {
            assertThat(r.port() == 443 && !r.host().endsWith(".example.com") || r.port() == 8080)
                    .as("only these find no server").isTrue();
            return;
        }
        RouteOutcome out = routing.gatewayRoute(GW, s.server(), sni, http);
        agree(out, out.considerations());
        if (r.port() != 9000) { // a TCP server looks at no host name
            listsEveryVirtualServiceNaming(r.host(), vss, out.considerations());
        }
    }

    /** Through check and explain: the ROUTE hops and the applied ROUTE considerations name the same resources. */
    @Property(tries = 300)
    void explainAgreesWithTheHopsOfCheck(@ForAll("virtualServices") List<Vs> vss,
                                         @ForAll("destinationRules") List<Dr> drs, @ForAll("requests") Request r) {
        MeshSnapshot snapshot = SnapshotCompiler.compile(config(vss, drs));
        OutboundRequest request = switch (r.port()) {
            case 443 -> OutboundRequest.tls(r.host(), 443);
            case 9000 -> OutboundRequest.tcp(r.host(), 9000);
            default -> OutboundRequest.http(r.host(), r.port(), http(r).orElseThrow());
        };
        Explanation e = snapshot.explain(SLEEP, request);
        assertThat(e.result().outcome()).isEqualTo(snapshot.check(SLEEP, request).outcome());
        List<Hop> routeHops = e.result().hops().stream().filter(h -> h.stage() == Stage.ROUTE).toList();
        List<Consideration> applied = e.considerations().stream()
                .filter(c -> c.stage() == Stage.ROUTE && c.applied()).toList();
        routeHops.stream().flatMap(h -> h.resource().stream()).filter(k -> k.kind() == Kind.VIRTUAL_SERVICE)
                .forEach(k -> assertThat(applied).extracting(Consideration::resource).contains(k));
        applied.forEach(c -> assertThat(routeHops).extracting(Hop::detail)
                .anyMatch(d -> d.contains(c.resource().toString())));
        // the upstream hop's DestinationRule is one the explanation marks applied
        e.result().hops().stream().filter(h -> h.stage() == Stage.UPSTREAM).flatMap(h -> h.resource().stream())
                .forEach(k -> assertThat(e.considerations()).anyMatch(c -> c.stage() == Stage.UPSTREAM
                        && c.applied() && c.resource().equals(k)));
    }

    @Property(tries = 200)
    void theDestinationRuleThatDecidedIsTheOneMarkedApplied(@ForAll("destinationRules") List<Dr> drs,
                                                            @ForAll("requests") Request r,
                                                            @ForAll boolean subset) {
        Routing routing = Routing.compile(config(List.of(), drs));
        UpstreamPolicy p = routing.upstreamPolicy("default", SLEEP.labels(),
                new RouteTarget(r.host(), subset ? "v1" : "", r.port(), 100), r.port(), Optional.of("istio-system"),
                r.host());
        Set<ResourceKey> applied = p.considerations().stream().filter(Consideration::applied)
                .map(Consideration::resource).collect(Collectors.toSet());
        if (p.rule().isPresent()) {
            assertThat(applied).contains(p.rule().get());
        } else {
            assertThat(applied).isEmpty();
        }
        // the rules merged for a host all come from one namespace and one host pattern
        assertThat(p.considerations().stream().filter(Consideration::applied).map(c -> c.resource().namespace())
                .distinct()).hasSizeLessThanOrEqualTo(1);
    }

    /** Exactly the VirtualServices that decided are applied, and their sentences name the decision's outcome. */
    private static void agree(RouteOutcome out, List<Consideration> considered) {
        List<Consideration> applied = considered.stream().filter(Consideration::applied).toList();
        Statistics.collect(out.getClass().getSimpleName(), applied.size());
        Set<ResourceKey> keys = applied.stream().map(Consideration::resource).collect(Collectors.toSet());
        switch (out) {
            case RouteOutcome.Routed routed -> {
                assertThat(keys).containsExactly(routed.virtualService());
                assertThat(applied.get(0).why()).contains("its route " + routed.route() + " decided: to "
                        + routed.target().describe());
            }
            case RouteOutcome.Unmatched u when u.virtualService().isPresent() -> {
                assertThat(keys).contains(u.virtualService().get());
                // the others are the VirtualServices whose routes were tried beside it, which the outcome names
                keys.forEach(k -> assertThat(u.detail()).contains(k.toString()));
                applied.forEach(c -> assertThat(c.why()).contains("its routes decided: " + u.detail()));
            }
            case RouteOutcome.Unmatched u -> assertThat(keys).isEmpty();
            case RouteOutcome.NoVirtualService n -> assertThat(keys).isEmpty();
        }
        assertThat(considered.stream().map(Consideration::resource).toList()).doesNotHaveDuplicates();
    }

    /** Every VirtualService with a host matching the request's is in the explanation, whatever it is bound to. */
    private static void listsEveryVirtualServiceNaming(String host, List<Vs> vss, List<Consideration> considered) {
        Set<String> listed = new HashSet<>();
        considered.forEach(c -> listed.add(c.resource().name()));
        List<String> naming = new ArrayList<>();
        for (int i = 0; i < vss.size(); i++) {
            if (vss.get(i).hosts().stream().anyMatch(h -> HostPattern.matches(h, host))) {
                naming.add("v" + i);
            }
        }
        assertThat(listed).containsAll(naming);
    }
}
