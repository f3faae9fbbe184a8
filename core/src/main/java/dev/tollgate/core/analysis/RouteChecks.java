package dev.tollgate.core.analysis;

import dev.tollgate.core.model.EgressGatewayIdentity;
import dev.tollgate.core.model.GatewayServerKind;
import dev.tollgate.core.model.PortProtocol;
import dev.tollgate.core.model.RouteKind;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.model.net.HostPattern;
import dev.tollgate.core.routing.GatewayServer;
import dev.tollgate.core.routing.Routing;
import io.fabric8.istio.api.api.networking.v1alpha3.ClientTLSSettings;
import io.fabric8.istio.api.api.networking.v1alpha3.DestinationRule;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntryLocation;
import io.fabric8.istio.api.api.networking.v1alpha3.ServicePort;
import io.fabric8.istio.api.api.networking.v1alpha3.Subset;
import io.fabric8.istio.api.api.networking.v1alpha3.TrafficPolicy;
import io.fabric8.istio.api.api.networking.v1alpha3.TrafficPolicyPortTrafficPolicy;
import io.fabric8.istio.api.api.networking.v1alpha3.VirtualService;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/** Registry and routing findings: bypass, dangling references, unrouted servers, mismatched SNI. */
final class RouteChecks {
    static final String BYPASSES_GATEWAY = "TG0102";
    static final String UNDEFINED_SUBSET = "TG0104";
    static final String UNDEFINED_GATEWAY = "TG0105";
    static final String SERVER_WITHOUT_ROUTE = "TG0106";
    static final String SNI_DIFFERS = "TG0107";

    private RouteChecks() {
    }

    static void check(ConfigSet config, Routing routing, List<WorkloadRef> gateways, Findings out) {
        bypass(config, gateways, out);
        references(config, out);
        unroutedServers(config, routing, out);
        sni(config, out);
    }

    // ---- TG0102: a ServiceEntry host exported to client namespaces but not routed to the egress gateway

    private static void bypass(ConfigSet config, List<WorkloadRef> gateways, Findings out) {
        Set<String> gatewayNamespaces = new TreeSet<>();
        gateways.forEach(g -> gatewayNamespaces.add(g.namespace()));
        for (Resource<ServiceEntry> se : config.serviceEntries()) {
            ServiceEntry spec = se.spec();
            if (spec.getLocation() == ServiceEntryLocation.MESH_INTERNAL) {
                continue;
            }
            List<String> exportTo = spec.getExportTo() == null || spec.getExportTo().isEmpty()
                    ? config.mesh().defaultServiceExportTo() : spec.getExportTo();
            String clients = clients(exportTo, se.namespace(), gatewayNamespaces);
            if (clients.isEmpty()) {
                continue;
            }
            List<String> hosts = spec.getHosts() == null ? List.of() : spec.getHosts();
            List<ServicePort> ports = spec.getPorts() == null ? List.of() : spec.getPorts();
            for (int i = 0; i < hosts.size(); i++) {
                String host = hosts.get(i);
                List<String> direct = new ArrayList<>();
                for (ServicePort p : ports) {
                    if (p == null || p.getNumber() == null) {
                        continue;
                    }
                    int port = p.getNumber().intValue();
                    String protocol = p.getProtocol() == null ? "TCP" : p.getProtocol().toUpperCase(Locale.ROOT);
                    if (!routedToGateway(config, host, port, protocol)) {
                        direct.add(port + "/" + protocol);
                    }
                }
                if (!direct.isEmpty()) {
                    out.warn(BYPASSES_GATEWAY, se, "spec.hosts[" + i + "]", "host " + host + " (ports "
                            + String.join(", ", direct) + ") is exported to " + clients + " (exportTo " + exportTo
                            + "), but no mesh VirtualService routes it to the egress gateway "
                            + EgressGatewayIdentity.SERVICE_HOST + ": sidecars there send it straight out, "
                            + "bypassing the gateway's AuthorizationPolicies");
                }
            }
        }
    }

    /** Who besides the gateway sees the entry; empty when only the gateway's namespace does. */
    private static String clients(List<String> exportTo, String namespace, Set<String> gatewayNamespaces) {
        Set<String> names = new TreeSet<>();
        for (String e : exportTo) {
            switch (e) {
                case "*" -> {
                    return "every namespace";
                }
                case "~" -> {
                }
                case "." -> names.add(namespace);
                default -> names.add(e);
            }
        }
        names.removeAll(gatewayNamespaces);
        return names.isEmpty() ? "" : "namespaces " + names;
    }

    private static boolean routedToGateway(ConfigSet config, String host, int port, String protocol) {
        Set<RouteKind> kinds = switch (RouteKind.forServicePort(PortProtocol.parse(protocol))) {
            case HTTP -> Set.of(RouteKind.HTTP);
            // tcp routes forward a TLS port's bytes as well
            case TLS -> Set.of(RouteKind.TLS, RouteKind.TCP);
            case TCP -> Set.of(RouteKind.TCP);
        };
        for (Resource<VirtualService> vs : config.virtualServices()) {
            List<String> vsHosts = vs.spec().getHosts() == null ? List.of() : vs.spec().getHosts();
            if (vsHosts.stream().noneMatch(h -> HostPattern.overlaps(h.trim(), host.trim()))) {
                continue;
            }
            for (Routes.Section s : Routes.of(vs)) {
                if (kinds.contains(s.kind()) && Routes.applies(s, "mesh"::equals, true, port, host)
                        && s.dests().stream().anyMatch(d -> isEgressGateway(d.host(), vs.namespace()))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean isEgressGateway(String host, String namespace) {
        return HostName.qualify(host, namespace).equals(EgressGatewayIdentity.SERVICE_HOST);
    }

    // ---- TG0104 / TG0105: routes to undefined subsets or gateways

    private static void references(ConfigSet config, Findings out) {
        Set<ResourceKey> gatewayKeys = new LinkedHashSet<>();
        config.gateways().forEach(g -> gatewayKeys.add(g.key()));
        for (Resource<VirtualService> vs : config.virtualServices()) {
            List<String> gws = vs.spec().getGateways() == null ? List.of() : vs.spec().getGateways();
            for (int k = 0; k < gws.size(); k++) {
                undefinedGateway(vs, gws.get(k), "spec.gateways[" + k + "]", gatewayKeys, out);
            }
            for (Routes.Section s : Routes.of(vs)) {
                for (Routes.Match m : s.matches()) {
                    for (int k = 0; k < m.gateways().size(); k++) {
                        undefinedGateway(vs, m.gateways().get(k), m.path() + ".gateways[" + k + "]", gatewayKeys,
                                out);
                    }
                }
                for (Routes.Dest d : s.dests()) {
                    if (d.subset() == null || d.subset().isEmpty()) {
                        continue;
                    }
                    String host = HostName.qualify(d.host(), vs.namespace());
                    Set<String> defined = new TreeSet<>();
                    boolean anyRule = false;
                    for (Resource<DestinationRule> dr : config.destinationRules()) {
                        if (dr.spec().getHost() != null
                                && HostPattern.matches(HostName.qualify(dr.spec().getHost(), dr.namespace()), host)) {
                            anyRule = true;
                            for (Subset sub : dr.spec().getSubsets() == null ? List.<Subset>of()
                                    : dr.spec().getSubsets()) {
                                if (sub != null && sub.getName() != null) {
                                    defined.add(sub.getName());
                                }
                            }
                        }
                    }
                    if (!defined.contains(d.subset())) {
                        out.warn(UNDEFINED_SUBSET, vs, d.path() + ".subset", "routes to subset " + d.subset()
                                + " of " + host + ", which " + (anyRule ? "no DestinationRule for that host defines "
                                + "(defined: " + defined + ")" : "has no DestinationRule at all")
                                + ": Istio answers such requests with 503 (no healthy upstream)");
                    }
                }
            }
        }
    }

    private static void undefinedGateway(Resource<VirtualService> vs, String ref, String path,
                                         Set<ResourceKey> gateways, Findings out) {
        if (ref == null || ref.equals("mesh")) {
            return;
        }
        ResourceKey key = gatewayKey(ref, vs.namespace());
        if (!gateways.contains(key)) {
            out.warn(UNDEFINED_GATEWAY, vs, path, "refers to Gateway " + key.namespace() + "/" + key.name()
                    + ", which does not exist: the routes bound to it apply nowhere");
        }
    }

    /** Istio: {@code <ns>/<name>}, or {@code <name>} in the VirtualService's namespace. */
    static ResourceKey gatewayKey(String ref, String namespace) {
        int slash = ref.indexOf('/');
        return slash < 0 ? new ResourceKey(dev.tollgate.core.model.Kind.GATEWAY, namespace, ref)
                : new ResourceKey(dev.tollgate.core.model.Kind.GATEWAY, ref.substring(0, slash),
                ref.substring(slash + 1));
    }

    // ---- TG0106: a Gateway server that no VirtualService routes

    private static void unroutedServers(ConfigSet config, Routing routing, Findings out) {
        for (GatewayServer server : routing.allServers()) {
            GatewayServerKind kind = server.kind();
            Set<RouteKind> kinds = kind.readsHttp() ? Set.of(RouteKind.HTTP)
                    : kind.selectsBySni() ? Set.of(RouteKind.TLS, RouteKind.TCP)
                    : Set.of(RouteKind.TCP);
            List<String> unrouted = new ArrayList<>();
            for (GatewayServer.ServerHost sh : server.hosts()) {
                if (!routed(config, server, sh, kinds)) {
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

    private static boolean routed(ConfigSet config, GatewayServer server, GatewayServer.ServerHost serverHost,
                                  Set<RouteKind> kinds) {
        String host = serverHost.dnsName();
        for (Resource<VirtualService> vs : config.virtualServices()) {
            if (!serverHost.admitsNamespace(vs.namespace())) {
                continue;
            }
            List<String> vsHosts = vs.spec().getHosts() == null ? List.of() : vs.spec().getHosts();
            if (vsHosts.stream().noneMatch(h -> HostPattern.overlaps(h.trim(), host))) {
                continue;
            }
            Predicate<String> refersTo = r -> !r.equals("mesh")
                    && gatewayKey(r, vs.namespace()).equals(server.gateway());
            for (Routes.Section s : Routes.of(vs)) {
                if (kinds.contains(s.kind()) && Routes.applies(s, refersTo, false, server.port(), host)) {
                    return true;
                }
            }
        }
        return false;
    }

    // ---- TG0107: a DestinationRule sni that differs from the routed host

    private static void sni(ConfigSet config, Findings out) {
        for (Resource<DestinationRule> dr : config.destinationRules()) {
            String drHost = dr.spec().getHost() == null ? "" : HostName.qualify(dr.spec().getHost(), dr.namespace());
            tls(config, dr, drHost, null, "spec.trafficPolicy", dr.spec().getTrafficPolicy(), out);
            List<Subset> subsets = dr.spec().getSubsets() == null ? List.of() : dr.spec().getSubsets();
            for (int i = 0; i < subsets.size(); i++) {
                Subset s = subsets.get(i);
                if (s != null) {
                    tls(config, dr, drHost, s.getName(), "spec.subsets[" + i + "].trafficPolicy",
                            s.getTrafficPolicy(), out);
                }
            }
        }
    }

    private static void tls(ConfigSet config, Resource<DestinationRule> dr, String drHost, String subset,
                            String path, TrafficPolicy tp, Findings out) {
        if (tp == null) {
            return;
        }
        sniSetting(config, dr, drHost, subset, null, path + ".tls.sni", tp.getTls(), out);
        List<TrafficPolicyPortTrafficPolicy> pls = tp.getPortLevelSettings() == null ? List.of()
                : tp.getPortLevelSettings();
        for (int k = 0; k < pls.size(); k++) {
            TrafficPolicyPortTrafficPolicy pl = pls.get(k);
            if (pl != null) {
                Integer port = pl.getPort() == null || pl.getPort().getNumber() == null ? null
                        : pl.getPort().getNumber().intValue();
                sniSetting(config, dr, drHost, subset, port, path + ".portLevelSettings[" + k + "].tls.sni",
                        pl.getTls(), out);
            }
        }
    }

    private static void sniSetting(ConfigSet config, Resource<DestinationRule> dr, String drHost, String subset,
                                   Integer port, String path, ClientTLSSettings tls, Findings out) {
        if (tls == null || tls.getSni() == null || tls.getSni().isEmpty()) {
            return;
        }
        String sni = HostName.fold(tls.getSni().trim());
        if (!drHost.equals(EgressGatewayIdentity.SERVICE_HOST)) {
            if (!HostPattern.matches(drHost, sni)) {
                out.warn(SNI_DIFFERS, dr, path, "sni " + sni + " differs from the host " + drHost + " that this "
                        + "DestinationRule originates TLS to: the upstream will be asked for another name");
            }
            return;
        }
        // Traffic reaches the gateway subset through mesh routes; the sni should name the host they carry.
        Set<String> routedHosts = new TreeSet<>();
        for (Resource<VirtualService> vs : config.virtualServices()) {
            for (Routes.Section s : Routes.of(vs)) {
                for (Routes.Dest d : s.dests()) {
                    boolean sameSubset = subset == null ? d.subset() == null || d.subset().isEmpty()
                            : subset.equals(d.subset());
                    boolean samePort = port == null || d.port() == null || d.port().intValue() == port;
                    if (sameSubset && samePort && HostName.qualify(d.host(), vs.namespace()).equals(drHost)
                            && Routes.applies(s, "mesh"::equals, true, port == null ? -1 : port, null)) {
                        s.vsHosts().forEach(h -> routedHosts.add(HostName.fold(h == null ? "" : h.trim())));
                    }
                }
            }
        }
        if (!routedHosts.isEmpty() && routedHosts.stream().noneMatch(h -> HostPattern.matches(h, sni))) {
            out.warn(SNI_DIFFERS, dr, path, "sni " + sni + " differs from the host(s) " + routedHosts
                    + " routed through " + (subset == null ? "this DestinationRule" : "subset " + subset)
                    + ": the gateway sees connection.sni " + sni + ", so its server match and its "
                    + "AuthorizationPolicies on connection.sni judge the wrong host");
        }
    }
}
