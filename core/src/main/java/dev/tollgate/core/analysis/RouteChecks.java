package dev.tollgate.core.analysis;

import dev.tollgate.core.model.GatewayServerKind;
import dev.tollgate.core.model.PortProtocol;
import dev.tollgate.core.model.Visibility;
import dev.tollgate.core.model.RouteKind;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.model.net.HostPattern;
import dev.tollgate.core.registry.Registry;
import dev.tollgate.core.registry.ServiceHost;
import dev.tollgate.core.routing.DestinationRuleView;
import dev.tollgate.core.routing.GatewayServer;
import dev.tollgate.core.routing.RouteTarget;
import dev.tollgate.core.routing.Routing;
import dev.tollgate.core.routing.VirtualServiceView;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntryLocation;
import io.fabric8.istio.api.api.networking.v1alpha3.ServicePort;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** Registry and routing findings: bypass, dangling references, unrouted servers, mismatched SNI. */
final class RouteChecks {
    static final String BYPASSES_GATEWAY = "TG0102";
    static final String UNDEFINED_SUBSET = "TG0104";
    static final String UNDEFINED_GATEWAY = "TG0105";
    static final String SERVER_WITHOUT_ROUTE = "TG0106";
    static final String SNI_DIFFERS = "TG0107";

    private RouteChecks() {
    }

    static void check(Registry registry, Routing routing, List<WorkloadRef> gateways, Findings out) {
        List<VirtualServiceView> virtualServices = routing.virtualServices();
        bypass(registry, virtualServices, gateways, out);
        references(routing, virtualServices, out);
        unroutedServers(routing, virtualServices, out);
        sni(routing, virtualServices, registry.gatewayServiceHosts(), out);
    }

    // ---- TG0102: a ServiceEntry host exported to client namespaces but not routed to the egress gateway

    private static void bypass(Registry registry, List<VirtualServiceView> virtualServices,
                               List<WorkloadRef> gateways, Findings out) {
        Set<String> gatewayNamespaces = new TreeSet<>();
        gateways.forEach(g -> gatewayNamespaces.add(g.namespace()));
        for (ServiceHost service : registry.serviceHosts()) {
            if (service.entry().spec().getLocation() == ServiceEntryLocation.MESH_INTERNAL) {
                continue;
            }
            String clients = clients(service.exportTo(), service.entry().namespace(), gatewayNamespaces);
            if (clients.isEmpty()) {
                continue;
            }
            String host = service.host();
            List<String> direct = new ArrayList<>();
            for (ServicePort p : service.ports()) {
                if (p == null || p.getNumber() == null) {
                    continue;
                }
                int port = p.getNumber().intValue();
                String protocol = p.getProtocol() == null ? "TCP" : p.getProtocol().toUpperCase(Locale.ROOT);
                if (!routedToGateway(virtualServices, host, port, protocol, registry.gatewayServiceHosts())) {
                    direct.add(port + "/" + protocol);
                }
            }
            if (!direct.isEmpty()) {
                out.warn(BYPASSES_GATEWAY, service.entry(), "spec.hosts[" + service.hostIndex() + "]", "host " + host
                        + " (ports " + String.join(", ", direct) + ") is exported to " + clients + " (exportTo "
                        + service.exportTo().effective() + "), but no mesh VirtualService routes it to the egress "
                        + "gateway " + String.join(" or ", new TreeSet<>(registry.gatewayServiceHosts())) + ": sidecars there send it straight out, "
                        + "bypassing the gateway's AuthorizationPolicies");
            }
        }
    }

    /** Who besides the gateway sees the host; empty when only the gateway's namespaces do. */
    private static String clients(Visibility exportTo, String namespace, Set<String> gatewayNamespaces) {
        return switch (exportTo.scope()) {
            case PUBLIC -> "every namespace";
            case NONE -> "";
            case NAMESPACES -> {
                Set<String> names = new TreeSet<>(exportTo.namespaces(namespace));
                names.removeAll(gatewayNamespaces);
                yield names.isEmpty() ? "" : "namespaces " + names;
            }
        };
    }

    private static boolean routedToGateway(List<VirtualServiceView> virtualServices, String host, int port,
                                           String protocol, Set<String> gatewayServices) {
        Set<RouteKind> kinds = switch (RouteKind.forServicePort(PortProtocol.parse(protocol))) {
            case HTTP -> Set.of(RouteKind.HTTP);
            // tcp routes forward a TLS port's bytes as well
            case TLS -> Set.of(RouteKind.TLS, RouteKind.TCP);
            case TCP -> Set.of(RouteKind.TCP);
        };
        for (VirtualServiceView vs : virtualServices) {
            if (vs.hosts().stream().noneMatch(h -> HostPattern.overlaps(h, host.trim()))) {
                continue;
            }
            for (VirtualServiceView.Route r : vs.routes()) {
                if (kinds.contains(r.kind()) && vs.applies(r, VirtualServiceView.MESH, port, Optional.of(host))
                        && r.destinations().stream().anyMatch(d -> gatewayServices.contains(d.target().host()))) {
                    return true;
                }
            }
        }
        return false;
    }

    // ---- TG0104 / TG0105: routes to undefined subsets or gateways

    private static void references(Routing routing, List<VirtualServiceView> virtualServices, Findings out) {
        List<DestinationRuleView> rules = routing.destinationRules();
        for (VirtualServiceView vs : virtualServices) {
            for (int k = 0; k < vs.gateways().size(); k++) {
                undefinedGateway(routing, vs, vs.gateways().get(k), "spec.gateways[" + k + "]", out);
            }
            for (VirtualServiceView.Route r : vs.routes()) {
                for (VirtualServiceView.Match m : r.matches()) {
                    for (int k = 0; k < m.gateways().size(); k++) {
                        undefinedGateway(routing, vs, m.gateways().get(k), m.path() + ".gateways[" + k + "]", out);
                    }
                }
                for (VirtualServiceView.Destination d : r.destinations()) {
                    undefinedSubset(rules, vs, d, out);
                }
            }
        }
    }

    private static void undefinedSubset(List<DestinationRuleView> rules, VirtualServiceView vs,
                                        VirtualServiceView.Destination d, Findings out) {
        String subset = d.target().subset();
        if (subset.isEmpty()) {
            return;
        }
        String host = d.target().host();
        Set<String> defined = new TreeSet<>();
        boolean anyRule = false;
        for (DestinationRuleView dr : rules) {
            if (!dr.host().isEmpty() && HostPattern.matches(dr.host(), host)) {
                anyRule = true;
                defined.addAll(dr.subsets());
            }
        }
        if (!defined.contains(subset)) {
            out.warn(UNDEFINED_SUBSET, vs.resource(), d.path() + ".subset", "routes to subset " + subset
                    + " of " + host + ", which " + (anyRule ? "no DestinationRule for that host defines "
                    + "(defined: " + defined + ")" : "has no DestinationRule at all")
                    + ": Istio answers such requests with 503 (no healthy upstream)");
        }
    }

    /** {@code gatewayName} as routing resolved it: {@code mesh} or {@code ns/name}. */
    private static void undefinedGateway(Routing routing, VirtualServiceView vs, String gatewayName, String path,
                                         Findings out) {
        if (gatewayName.equals(VirtualServiceView.MESH) || routing.definesGateway(gatewayName)) {
            return;
        }
        out.warn(UNDEFINED_GATEWAY, vs.resource(), path, "refers to Gateway " + gatewayName
                + ", which does not exist: the routes bound to it apply nowhere");
    }

    // ---- TG0106: a Gateway server that no VirtualService routes

    private static void unroutedServers(Routing routing, List<VirtualServiceView> virtualServices, Findings out) {
        for (GatewayServer server : routing.allServers()) {
            GatewayServerKind kind = server.kind();
            Set<RouteKind> kinds = kind.readsHttp() ? Set.of(RouteKind.HTTP)
                    : kind.selectsBySni() ? Set.of(RouteKind.TLS, RouteKind.TCP)
                    : Set.of(RouteKind.TCP);
            List<String> unrouted = new ArrayList<>();
            for (GatewayServer.ServerHost sh : server.hosts()) {
                if (!routed(virtualServices, server, sh, kinds)) {
                    unrouted.add(sh.written());
                }
            }
            if (!unrouted.isEmpty()) {
                out.warn(SERVER_WITHOUT_ROUTE, server.gateway(), server.origin(), "spec.servers["
                        + server.index() + "]", "server " + GatewayServers.describe(server) + " for hosts " + unrouted
                        + " has no VirtualService route bound to this Gateway ("
                        + kinds.stream().map(k -> k.name().toLowerCase(Locale.ROOT)).sorted().toList()
                        + " routes): the gateway accepts the traffic and has nowhere to send it");
            }
        }
    }

    private static boolean routed(List<VirtualServiceView> virtualServices, GatewayServer server,
                                  GatewayServer.ServerHost serverHost, Set<RouteKind> kinds) {
        String host = serverHost.dnsName();
        for (VirtualServiceView vs : virtualServices) {
            if (!serverHost.admitsNamespace(vs.resource().namespace())
                    || vs.hosts().stream().noneMatch(h -> HostPattern.overlaps(h, host))) {
                continue;
            }
            for (VirtualServiceView.Route r : vs.routes()) {
                if (kinds.contains(r.kind()) && vs.applies(r, server.gatewayName(), server.port(), Optional.of(host))) {
                    return true;
                }
            }
        }
        return false;
    }

    // ---- TG0107: a DestinationRule sni that differs from the routed host

    private static void sni(Routing routing, List<VirtualServiceView> virtualServices, Set<String> gatewayServices,
                            Findings out) {
        for (DestinationRuleView dr : routing.destinationRules()) {
            for (DestinationRuleView.Sni setting : dr.sniSettings()) {
                sniSetting(virtualServices, dr, setting, gatewayServices, out);
            }
        }
    }

    private static void sniSetting(List<VirtualServiceView> virtualServices, DestinationRuleView dr,
                                   DestinationRuleView.Sni setting, Set<String> gatewayServices, Findings out) {
        String drHost = dr.host();
        String sni = setting.sni();
        String path = setting.path();
        if (!gatewayServices.contains(drHost)) {
            if (!HostPattern.matches(drHost, sni)) {
                out.warn(SNI_DIFFERS, dr.resource(), path, "sni " + sni + " differs from the host " + drHost
                        + " that this DestinationRule originates TLS to: the upstream will be asked for another name");
            }
            return;
        }
        // Traffic reaches the gateway subset through mesh routes; the sni should name the host they carry.
        Set<String> routedHosts = new TreeSet<>();
        int port = setting.port().orElse(-1);
        for (VirtualServiceView vs : virtualServices) {
            for (VirtualServiceView.Route r : vs.routes()) {
                for (VirtualServiceView.Destination d : r.destinations()) {
                    RouteTarget t = d.target();
                    boolean sameSubset = setting.subset().map(t.subset()::equals).orElse(t.subset().isEmpty());
                    boolean samePort = setting.port().isEmpty() || t.port() == 0 || t.port() == port;
                    if (sameSubset && samePort && t.host().equals(drHost)
                            && vs.applies(r, VirtualServiceView.MESH, port, Optional.empty())) {
                        routedHosts.addAll(vs.hosts());
                    }
                }
            }
        }
        if (!routedHosts.isEmpty() && routedHosts.stream().noneMatch(h -> HostPattern.matches(h, sni))) {
            out.warn(SNI_DIFFERS, dr.resource(), path, "sni " + sni + " differs from the host(s) " + routedHosts
                    + " routed through " + setting.subset().map(s -> "subset " + s).orElse("this DestinationRule")
                    + ": the gateway sees connection.sni " + sni + ", so its server match and its "
                    + "AuthorizationPolicies on connection.sni judge the wrong host");
        }
    }
}
