package dev.tollgate.core.routing;

import dev.tollgate.core.model.PortProtocol;
import dev.tollgate.core.model.RouteKind;
import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.model.net.HostPattern;
import dev.tollgate.core.registry.Registry;
import dev.tollgate.core.registry.ServiceMatch;
import dev.tollgate.core.registry.SidecarScope;
import dev.tollgate.core.testing.TestConfig;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.tollgate.core.routing.RoutingCase.SLEEP;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sidecar's virtual hosts are read one domain at a time from the registry's and the VirtualServices' indexes
 * ({@link SidecarVirtualHosts}); they were built whole, every domain of a port at once, from every service of the
 * port. Over generated VirtualServices with overlapping, wildcard and partial-wildcard hosts, bound to mesh or not,
 * exported or not, every domain must have the same owners, in the same order, for the same reasons, and every
 * VirtualService the same silence, as the whole table ({@link EagerVirtualHostsOracle}) gives. The registry's
 * per-name answers must be its whole-registry walk's ({@link SidecarScope#visibleServices}).
 */
class VirtualHostsDifferentialTest {

    /**
     * Exact services on several ports, of which 8080 is HTTP for some and TCP for another; wildcard services
     * overlapping them, one of them partial; a service private to the client's namespace and one private to another.
     */
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
            metadata: {name: tcp, namespace: istio-system}
            spec:
              hosts: [c.example.com]
              ports: [{number: 8080, name: tcp, protocol: TCP}]
              resolution: DNS
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: wild, namespace: istio-system}
            spec:
              hosts: ["*.example.com", "*.a.example.com"]
              ports:
              - {number: 80, name: http, protocol: HTTP}
              - {number: 443, name: tls, protocol: TLS}
              - {number: 8080, name: http-alt, protocol: HTTP}
              resolution: NONE
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: partial, namespace: istio-system}
            spec:
              hosts: ["*xample.org"]
              ports: [{number: 80, name: http, protocol: HTTP}]
              resolution: NONE
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: org, namespace: istio-system}
            spec:
              hosts: [api.example.org]
              ports: [{number: 80, name: http, protocol: HTTP}, {number: 9000, name: tcp, protocol: TCP}]
              resolution: DNS
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: own, namespace: default}
            spec:
              hosts: [own.example.net]
              exportTo: ["."]
              ports: [{number: 80, name: http, protocol: HTTP}]
              resolution: DNS
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: theirs, namespace: otherns}
            spec:
              hosts: [theirs.example.net, a.example.com]
              exportTo: ["."]
              ports: [{number: 80, name: http, protocol: HTTP}]
              resolution: DNS
            ---
            """;

    private static final List<String> HOSTS = List.of("a.example.com", "b.example.com", "c.example.com",
            "x.a.example.com", "*.example.com", "*.a.example.com", "*xample.com", "*.com", "api.example.org",
            "*.org", "*ple.org", "own.example.net", "theirs.example.net", "nose.example.net");
    private static final List<String> GATEWAYS = List.of("", "[mesh]", "[istio-system/egress]",
            "[mesh, istio-system/egress]");
    private static final List<String> EXPORTS = List.of("", "exportTo: [\".\"]", "exportTo: [\"*\"]");
    private static final List<Integer> PORTS = List.of(80, 8080, 443, 9000, 7000);

    record Vs(String ns, List<String> hosts, int gateways, int export, boolean http) {
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
            if (http) {
                b.append("  http:\n  - route: [{destination: {host: a.example.com}}]\n");
            }
            return b.append("---\n").toString();
        }
    }

    @Provide
    Arbitrary<List<Vs>> virtualServices() {
        Arbitrary<Vs> one = Combinators.combine(Arbitraries.of("default", "istio-system", "otherns"),
                Arbitraries.of(HOSTS).list().ofMinSize(1).ofMaxSize(3).uniqueElements(),
                Arbitraries.integers().between(0, GATEWAYS.size() - 1),
                Arbitraries.integers().between(0, EXPORTS.size() - 1), Arbitraries.of(true, false))
                .as(Vs::new);
        return one.list().ofMinSize(0).ofMaxSize(7);
    }

    @Property(tries = 500)
    void everyDomainHasTheOwnersOfTheWholeTable(@ForAll("virtualServices") List<Vs> vss,
                                                 @ForAll("ports") int port) {
        StringBuilder yaml = new StringBuilder(REGISTRY);
        for (int i = 0; i < vss.size(); i++) {
            yaml.append(vss.get(i).yaml("v" + i));
        }
        var config = TestConfig.create().apply("default", yaml.toString()).build();
        SidecarScope scope = Registry.compile(config).scopeFor(SLEEP);
        VirtualServices virtualServices = new VirtualServices(config);
        SidecarImports imports = SidecarImports.of(scope.sidecar(), scope.namespace(), port);

        Map<String, Boolean> services = servicesByWalk(scope, port);
        assertThat(scope.servicesOnPort(port)).isEqualTo(services);
        assertThat(scope.hasHttpListener(port)).as("HTTP listener on " + port).isEqualTo(services.containsValue(true));
        for (String h : HOSTS) {
            Map<String, Boolean> overlapping = new TreeMap<>();
            services.forEach((name, http) -> {
                if (HostPattern.overlaps(name, h)) {
                    overlapping.put(name, http);
                }
            });
            assertThat(scope.servicesOverlapping(h, port)).as("services overlapping " + h).isEqualTo(overlapping);
        }

        List<CompiledVirtualService> listenerVs = new ArrayList<>();
        for (CompiledVirtualService vs : virtualServices.boundTo(GatewayNames.MESH)) {
            if (SidecarRouter.notTheSidecars(vs, scope.namespace(), imports, scope.sidecar()).isEmpty()) {
                listenerVs.add(vs);
            }
        }
        listenerVs.sort(VirtualServices.precedence(scope.namespace()));
        EagerVirtualHostsOracle whole = EagerVirtualHostsOracle.build(listenerVs, services, port);
        SidecarVirtualHosts lazy = new SidecarVirtualHosts(scope, port, virtualServices,
                vs -> SidecarRouter.notTheSidecars(vs, scope.namespace(), imports, scope.sidecar()).isEmpty());

        Set<String> domains = new TreeSet<>(HOSTS);
        domains.addAll(services.keySet());
        for (String h : List.of("x.a.example.com", "web.example.com", "y.x.a.example.com", "api.example.org",
                "zexample.org", "nose.example.net")) {
            domains.addAll(RouteHosts.candidatePatterns(h));
        }
        for (String d : domains) {
            assertThat(shown(lazy.owners(d))).as("owners of " + d + " on port " + port)
                    .isEqualTo(shown(whole.owners(d)));
        }
        for (String h : domains) {
            if (HostName.isWildcard(h)) {
                continue;
            }
            assertThat(lazy.domainsFor(h).stream().map(SidecarVirtualHosts.Domain::name).toList())
                    .as("domains for " + h).isEqualTo(whole.domainsFor(h));
        }
        for (CompiledVirtualService vs : virtualServices.all()) {
            assertThat(lazy.silentReason(vs).map(VirtualHostsDifferentialTest::sortLists))
                    .as("silence of " + vs.label()).isEqualTo(whole.silentReason(vs).map(VirtualHostsDifferentialTest::sortLists));
        }
        for (String svc : domains) {
            assertThat(lazy.mostSpecificFor(svc)).as("most specific for " + svc).isEqualTo(whole.mostSpecificFor(svc));
        }
    }

    @Provide
    Arbitrary<Integer> ports() {
        return Arbitraries.of(PORTS);
    }

    /** The services of a port as the whole-registry walk lists them (what the table was built from). */
    private static Map<String, Boolean> servicesByWalk(SidecarScope scope, int port) {
        Map<String, Boolean> out = new HashMap<>();
        for (ServiceMatch m : scope.visibleServices()) {
            var p = m.port().orElseThrow();
            if (p.getNumber() == port) {
                boolean http = RouteKind.forServicePort(PortProtocol.parse(p.getProtocol())) == RouteKind.HTTP;
                out.merge(m.matchedHost(), http, Boolean::logicalOr);
            }
        }
        return out;
    }

    private static List<String> shown(List<SidecarVirtualHosts.Owner> owners) {
        return owners.stream().map(o -> switch (o) {
            case SidecarVirtualHosts.ByVirtualService v -> v.vs().label() + " by " + v.host() + ": "
                    + sortLists(v.why());
            case SidecarVirtualHosts.ByService s -> "service " + s.service();
        }).toList();
    }

    private static final Pattern LIST = Pattern.compile("\\[([^\\]]*)]");

    /**
     * The whole table listed a VirtualService's services in a hash map's order, which varied from run to run; the
     * lazy one lists them by name. Same members, so compare them sorted.
     */
    private static String sortLists(String text) {
        Matcher m = LIST.matcher(text);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            String[] items = m.group(1).split(", ");
            Arrays.sort(items);
            m.appendReplacement(b, Matcher.quoteReplacement("[" + String.join(", ", items) + "]"));
        }
        m.appendTail(b);
        return b.toString();
    }
}
