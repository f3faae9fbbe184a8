package dev.tollgate.core.routing;

import dev.tollgate.core.model.Visibility;
import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.Resource;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRoute;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRouteDestination;
import io.fabric8.istio.api.api.networking.v1alpha3.RouteDestination;
import io.fabric8.istio.api.api.networking.v1alpha3.TCPRoute;
import io.fabric8.istio.api.api.networking.v1alpha3.TLSRoute;
import io.fabric8.istio.api.api.networking.v1alpha3.VirtualService;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** One VirtualService, compiled once: qualified hosts, resolved gateway names, exportTo and its three route lists. */
record CompiledVirtualService(Resource<VirtualService> resource, int order, List<String> hosts, Set<String> gateways,
                              Visibility exportTo, List<HttpRule> http, List<L4Rule> tls, List<L4Rule> tcp) {

    boolean visibleFrom(String namespace) {
        return exportTo.isVisibleFrom(namespace, resource.namespace());
    }

    /** Istio's order among the VirtualServices a proxy in {@code namespace} sees for one host. */
    int precedenceFor(String namespace) {
        return exportTo.precedenceFor(namespace, resource.namespace());
    }

    record HttpRule(int index, String name, List<HttpMatch> matches, List<RouteTarget> destinations,
                    boolean answersDirectly, RequestRewrite rewrite) {
    }

    record L4Rule(int index, List<L4Match> matches, List<RouteTarget> destinations) {
    }

    /**
     * Whether Istio made this VirtualService of a Gateway API route ({@code internal.istio.io/route-semantics:
     * gateway}, {@code model.UseGatewaySemantics}): its path prefixes then match whole segments.
     */
    static boolean gatewaySemantics(Resource<VirtualService> r) {
        return "gateway".equals(r.annotations().get("internal.istio.io/route-semantics"));
    }

    static CompiledVirtualService compile(Resource<VirtualService> r, int order, MeshSettings mesh) {
        VirtualService vs = r.spec();
        String ns = r.namespace();
        List<String> hosts = vs.getHosts() == null ? List.of()
                : vs.getHosts().stream().map(h -> RouteHosts.qualify(h, ns)).distinct().toList();
        // "When this field is omitted, the default gateway (mesh) will be used".
        Set<String> gateways = vs.getGateways() == null || vs.getGateways().isEmpty()
                ? Set.of(GatewayNames.MESH) : GatewayNames.resolveAll(vs.getGateways(), ns);
        List<HttpRule> http = new ArrayList<>();
        List<HTTPRoute> httpRoutes = vs.getHttp() == null ? List.of() : vs.getHttp();
        for (int i = 0; i < httpRoutes.size(); i++) {
            HTTPRoute h = httpRoutes.get(i);
            List<HttpMatch> matches = h.getMatch() == null ? List.of()
                    : h.getMatch().stream().map(m -> HttpMatch.compile(m, ns, gatewaySemantics(r))).toList();
            List<RouteTarget> dests = new ArrayList<>();
            for (HTTPRouteDestination d : h.getRoute() == null ? List.<HTTPRouteDestination>of() : h.getRoute()) {
                dests.add(RouteTarget.of(d.getDestination(), d.getWeight(), ns));
            }
            http.add(new HttpRule(i, h.getName() == null ? "" : h.getName(), matches, dests,
                    h.getRedirect() != null || h.getDirectResponse() != null, RequestRewrite.compile(h)));
        }
        List<L4Rule> tls = new ArrayList<>();
        List<TLSRoute> tlsRoutes = vs.getTls() == null ? List.of() : vs.getTls();
        for (int i = 0; i < tlsRoutes.size(); i++) {
            TLSRoute t = tlsRoutes.get(i);
            tls.add(new L4Rule(i, t.getMatch() == null ? List.of()
                    : t.getMatch().stream().map(m -> L4Match.tls(m, ns)).toList(), targets(t.getRoute(), ns)));
        }
        List<L4Rule> tcp = new ArrayList<>();
        List<TCPRoute> tcpRoutes = vs.getTcp() == null ? List.of() : vs.getTcp();
        for (int i = 0; i < tcpRoutes.size(); i++) {
            TCPRoute t = tcpRoutes.get(i);
            tcp.add(new L4Rule(i, t.getMatch() == null ? List.of()
                    : t.getMatch().stream().map(m -> L4Match.tcp(m, ns)).toList(), targets(t.getRoute(), ns)));
        }
        return new CompiledVirtualService(r, order, hosts, gateways,
                Visibility.ofConfig(vs.getExportTo(), mesh.defaultVirtualServiceExportTo()),
                List.copyOf(http), List.copyOf(tls), List.copyOf(tcp));
    }

    private static List<RouteTarget> targets(List<RouteDestination> route, String ns) {
        List<RouteTarget> out = new ArrayList<>();
        if (route != null) {
            for (RouteDestination d : route) {
                out.add(RouteTarget.of(d.getDestination(), d.getWeight(), ns));
            }
        }
        return List.copyOf(out);
    }

    /**
     * True when a Sidecar that imports this VirtualService also gets {@code host} as a service
     * (pilot/pkg/model/push_context.go virtualServiceDestinationsFilteredBySourceNamespace): the destinations of every
     * tls and tcp route, and of the http routes whose matches do not confine them to other namespaces. As Istio reads
     * them: an http route counts when no match names a sourceNamespace, or the first match naming one that is not
     * {@code clientNamespace} comes after one naming it.
     */
    boolean infersDestination(String host, String clientNamespace) {
        for (HttpRule rule : http) {
            boolean namespaceMatched = true;
            for (HttpMatch m : rule.matches()) {
                if (!m.sourceNamespace().isEmpty()) {
                    namespaceMatched = m.sourceNamespace().equals(clientNamespace);
                    if (namespaceMatched) {
                        break;
                    }
                }
            }
            if (namespaceMatched && rule.destinations().stream().anyMatch(d -> d.host().equals(host))) {
                return true;
            }
        }
        for (List<L4Rule> rules : List.of(tls, tcp)) {
            for (L4Rule rule : rules) {
                if (rule.destinations().stream().anyMatch(d -> d.host().equals(host))) {
                    return true;
                }
            }
        }
        return false;
    }

    String label() {
        return resource.key().toString();
    }
}
