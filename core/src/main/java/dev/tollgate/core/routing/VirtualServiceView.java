package dev.tollgate.core.routing;

import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.RouteKind;
import dev.tollgate.core.model.net.HostPattern;
import io.fabric8.istio.api.api.networking.v1alpha3.VirtualService;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A compiled VirtualService as analyze reads it, so that its findings judge what the routers route: hosts qualified
 * in the VirtualService's namespace, gateway names resolved ({@code mesh} or {@code ns/name}, {@code mesh} when none
 * is written), and each http, tls and tcp route with its matches' static conditions and its destinations, each with
 * the field path a finding points at.
 */
public record VirtualServiceView(Resource<VirtualService> resource, List<String> hosts, List<String> gateways,
                                 List<Route> routes) {
    /** The gateway name of every sidecar. */
    public static final String MESH = GatewayNames.MESH;

    public VirtualServiceView {
        hosts = List.copyOf(hosts);
        gateways = List.copyOf(gateways);
        routes = List.copyOf(routes);
    }

    /** One entry of the http, tls or tcp list, {@code path} {@code spec.http[0]} and so on. */
    public record Route(RouteKind kind, String path, List<Match> matches, List<Destination> destinations) {
        public Route {
            matches = List.copyOf(matches);
            destinations = List.copyOf(destinations);
        }
    }

    /** A match's conditions that decide where it applies; {@code port} 0 when unset, sniHosts for tls only. */
    public record Match(String path, long port, List<String> gateways, List<String> sniHosts) {
        public Match {
            gateways = List.copyOf(gateways);
            sniHosts = List.copyOf(sniHosts);
        }
    }

    /** A destination with a host; {@code path} is the {@code destination} field's. */
    public record Destination(String path, RouteTarget target) {
    }

    /**
     * Whether {@code route} can apply to traffic for {@code gatewayName} ({@link #MESH} or {@code ns/name}) on
     * {@code port}, to {@code host} when known: Istio takes a match's gateways over the VirtualService's.
     */
    public boolean applies(Route route, String gatewayName, int port, Optional<String> host) {
        boolean bound = gateways.contains(gatewayName);
        if (route.matches().isEmpty()) {
            return bound;
        }
        for (Match m : route.matches()) {
            boolean gw = boundVia(m, gatewayName, bound);
            boolean sni = m.sniHosts().isEmpty() || host.isEmpty()
                    || m.sniHosts().stream().anyMatch(h -> HostPattern.overlaps(h, host.get().trim()));
            if (gw && sni && (m.port() == 0 || m.port() == port)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code route} applies to traffic for {@code gatewayName} on some port, for some host. */
    public boolean appliesTo(Route route, String gatewayName) {
        boolean bound = gateways.contains(gatewayName);
        return route.matches().isEmpty() ? bound : route.matches().stream().anyMatch(m -> boundVia(m, gatewayName, bound));
    }

    /** Istio takes a match's gateways over the VirtualService's. */
    private static boolean boundVia(Match m, String gatewayName, boolean vsBound) {
        return m.gateways().isEmpty() ? vsBound : m.gateways().contains(gatewayName);
    }

    static VirtualServiceView of(CompiledVirtualService vs) {
        List<Route> routes = new ArrayList<>();
        for (CompiledVirtualService.HttpRule rule : vs.http()) {
            String path = "spec.http[" + rule.index() + "]";
            List<Match> matches = new ArrayList<>();
            for (int j = 0; j < rule.matches().size(); j++) {
                HttpMatch m = rule.matches().get(j);
                matches.add(new Match(path + ".match[" + j + "]", m.port(), List.copyOf(m.gateways()), List.of()));
            }
            routes.add(new Route(RouteKind.HTTP, path, matches, destinations(path, rule.destinations())));
        }
        l4(RouteKind.TLS, "spec.tls", vs.tls(), routes);
        l4(RouteKind.TCP, "spec.tcp", vs.tcp(), routes);
        return new VirtualServiceView(vs.resource(), vs.hosts(), List.copyOf(vs.gateways()), routes);
    }

    private static void l4(RouteKind kind, String list, List<CompiledVirtualService.L4Rule> rules, List<Route> out) {
        for (CompiledVirtualService.L4Rule rule : rules) {
            String path = list + "[" + rule.index() + "]";
            List<Match> matches = new ArrayList<>();
            for (int j = 0; j < rule.matches().size(); j++) {
                L4Match m = rule.matches().get(j);
                matches.add(new Match(path + ".match[" + j + "]", m.port(), List.copyOf(m.gateways()),
                        m.sniHosts()));
            }
            out.add(new Route(kind, path, matches, destinations(path, rule.destinations())));
        }
    }

    /** Destinations without a host lead nowhere; validation reports them. */
    private static List<Destination> destinations(String path, List<RouteTarget> targets) {
        List<Destination> out = new ArrayList<>();
        for (int j = 0; j < targets.size(); j++) {
            if (!targets.get(j).host().isEmpty()) {
                out.add(new Destination(path + ".route[" + j + "].destination", targets.get(j)));
            }
        }
        return out;
    }
}
