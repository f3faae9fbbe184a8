package dev.tollgate.core.routing;

import dev.tollgate.core.model.net.HostPattern;
import dev.tollgate.core.model.net.Authority;
import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.registry.SidecarScope;
import dev.tollgate.core.model.Consideration;
import dev.tollgate.core.model.Stage;
import dev.tollgate.core.model.RouteKind;
import dev.tollgate.core.model.HttpRequestInfo;
import io.fabric8.istio.api.api.networking.v1alpha3.Gateway;
import io.fabric8.istio.api.api.networking.v1alpha3.Sidecar;
import io.fabric8.istio.api.api.networking.v1alpha3.VirtualService;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which VirtualService routes a request, at a sidecar and at a gateway server: the VirtualServices bound to the proxy
 * ({@code mesh} or the server's Gateway), visible to it and imported by its Sidecar, the virtual host Envoy picks for
 * the request (built per service at sidecars, {@link SidecarVirtualHosts}; merged per domain at gateways,
 * {@link GatewayVirtualHosts}), then the first matching rule ({@link RouteRules}). Istio's httproute.go, route.go
 * and gateway.go.
 *
 * <p>Files carry no creation timestamps, so every resource is equally old. VirtualServices are then in Istio's order
 * for equal creation times (config.go configCompareByCreationTime: by name, then namespace), which decides which of
 * two VirtualServices for one host a sidecar uses and in which order a gateway merges their routes.
 */
final class VirtualServiceRouter {
    private final MeshSettings mesh;
    /** Gateway name ({@code mesh} or {@code ns/name}) -> host pattern -> VirtualServices bound to it. */
    private final Map<String, HostIndex<CompiledVirtualService>> vsByGateway = new HashMap<>();
    /** Every VirtualService by host pattern, whatever it is bound to (for explain). */
    private final HostIndex<CompiledVirtualService> vsByHost = new HostIndex<>();
    /** Gateway name -> VirtualServices bound to it, in order. */
    private final Map<String, List<CompiledVirtualService>> vsListByGateway = new HashMap<>();
    private final Map<dev.tollgate.core.model.ResourceKey, CompiledVirtualService> vsByKey = new HashMap<>();

    VirtualServiceRouter(ConfigSet config) {
        this.mesh = config.mesh();
        int order = 0;
        List<Resource<VirtualService>> byAge = new ArrayList<>(config.virtualServices());
        byAge.sort(Comparator.comparing((Resource<VirtualService> r) -> r.name()).thenComparing(Resource::namespace));
        for (Resource<VirtualService> r : byAge) {
            CompiledVirtualService vs = CompiledVirtualService.compile(r, order++, mesh);
            vsByKey.put(r.key(), vs);
            for (String host : vs.hosts()) {
                vsByHost.add(host, vs);
                for (String gw : vs.gateways()) {
                    vsByGateway.computeIfAbsent(gw, k -> new HostIndex<>()).add(host, vs);
                }
            }
            for (String gw : vs.gateways()) {
                vsListByGateway.computeIfAbsent(gw, k -> new ArrayList<>()).add(vs);
            }
        }
    }

    // ---------------------------------------------------------------- sidecar

    /**
     * The mesh VirtualService route for a request from {@code from}'s sidecar.
     *
     * @param scope          the sidecar's registry view; its Sidecar's egress hosts import VirtualServices
     * @param kind           the route list, from the ServiceEntry port's protocol
     * @param serviceHost    the registry host the request matched (its virtual host also answers to the service's
     *                       addresses, which the request may have used)
     * @param destinationIps what Tollgate knows of the destination address (an IP literal host, ServiceEntry
     *                       addresses), for destinationSubnets
     */
    RouteOutcome meshRoute(WorkloadRef from, SidecarScope scope, String host, int port, RouteKind kind,
                                  Optional<String> sni, Optional<HttpRequestInfo> http, Optional<String> serviceHost,
                                  List<String> destinationIps) {
        String h = HostName.fold(host);
        ProxyContext ctx = new ProxyContext(Set.of(GatewayNames.MESH), from.labels(), from.namespace(), port,
                false);
        if (kind == RouteKind.HTTP) {
            return http.isEmpty() ? new RouteOutcome.NoVirtualService("not an HTTP request")
                    : sidecarHttpRoute(scope, ctx, h, serviceHost, http.get());
        }
        SidecarImports imports = SidecarImports.of(scope.sidecar(), from.namespace(), port);
        List<List<CompiledVirtualService>> groups = visibleGroups(vsByGateway.get(GatewayNames.MESH), h,
                from.namespace());
        groups.forEach(g -> g.removeIf(vs -> !imports.imports(vs)));
        groups.removeIf(List::isEmpty);
        return switch (kind) {
            case HTTP -> throw new IllegalStateException("handled above");
            case TLS -> RouteRules.tlsRoute(flatten(groups), ctx, sni.or(() -> Optional.of(h)), destinationIps, true);
            case TCP -> RouteRules.tcpRoute(flatten(groups), ctx, destinationIps, true);
        };
    }

    /**
     * The mesh route for an HTTP request to a host:port no service of the sidecar's registry declares. Istio builds
     * virtual hosts from VirtualServices too, not only from services (route.go
     * buildSidecarVirtualHostsForVirtualService): a VirtualService's hosts that name no service of the port
     * ("nonServiceRegistryHosts", "to enable VirtualService configuration to affect traffic to hosts outside of the
     * service registry (e.g. google.com) on port 80") get a virtual host on port 80, and on a port where its other
     * hosts name a service with that HTTP port (see {@link SidecarVirtualHosts}); only where the sidecar has an HTTP
     * listener on the port.
     *
     * @return {@link RouteOutcome.NoVirtualService} when no VirtualService builds a virtual host for the request
     */
    RouteOutcome meshRouteOutsideRegistry(WorkloadRef from, SidecarScope scope, String host, int port,
                                                 HttpRequestInfo http) {
        String h = HostName.fold(host);
        if (!scope.hasHttpListener(port)) {
            return new RouteOutcome.NoVirtualService("no VirtualService builds a virtual host for " + h + ":" + port);
        }
        ProxyContext ctx = new ProxyContext(Set.of(GatewayNames.MESH), from.labels(), from.namespace(), port,
                false);
        RouteOutcome out = sidecarHttpRoute(scope, ctx, h, Optional.empty(), http);
        if (out instanceof RouteOutcome.NoVirtualService) {
            return new RouteOutcome.NoVirtualService("no VirtualService builds a virtual host for " + h + ":" + port);
        }
        return out;
    }

    private static final int VIRTUAL_HOSTS_CACHE_LIMIT = 50_000;
    private final Map<ScopePort, SidecarVirtualHosts> virtualHosts = new ConcurrentHashMap<>();

    private record ScopePort(SidecarScope scope, int port) {
    }

    /** The sidecar's virtual hosts of one port, computed once per scope and port (bounded: ports are the client's). */
    private SidecarVirtualHosts virtualHosts(SidecarScope scope, int port) {
        ScopePort key = new ScopePort(scope, port);
        SidecarVirtualHosts cached = virtualHosts.get(key);
        if (cached != null) {
            return cached;
        }
        SidecarImports imports = SidecarImports.of(scope.sidecar(), scope.namespace(), port);
        List<CompiledVirtualService> listenerVs = new ArrayList<>();
        for (CompiledVirtualService vs : vsListByGateway.getOrDefault(GatewayNames.MESH, List.of())) {
            if (vs.visibleFrom(scope.namespace()) && imports.imports(vs)) {
                listenerVs.add(vs);
            }
        }
        listenerVs.sort(precedence(scope.namespace()));
        SidecarVirtualHosts built = SidecarVirtualHosts.build(listenerVs, scope.servicesOnPort(port), port);
        if (virtualHosts.size() < VIRTUAL_HOSTS_CACHE_LIMIT) {
            virtualHosts.putIfAbsent(key, built);
        }
        return built;
    }

    /**
     * HTTP at a sidecar: Envoy picks the virtual host with the most specific domain for the Host; its owner was
     * decided per service when the route configuration was built ({@link SidecarVirtualHosts}). Within it, "The
     * first rule matching an incoming request is used".
     */
    private RouteOutcome sidecarHttpRoute(SidecarScope scope, ProxyContext ctx, String host,
                                          Optional<String> serviceHost, HttpRequestInfo http) {
        SidecarVirtualHosts table = virtualHosts(scope, ctx.port());
        List<String> domains = table.domainsFor(host);
        if (serviceHost.filter(table::hasDomain).filter(sh -> !HostPattern.matches(sh, host)).isPresent()) {
            // matched by address: the service's virtual host has its addresses as exact domains
            domains = new ArrayList<>(domains);
            domains.add(0, serviceHost.get());
        }
        List<String> skipped = new ArrayList<>();
        for (String domain : domains) {
            for (SidecarVirtualHosts.Owner owner : table.owners(domain)) {
                switch (owner) {
                    case SidecarVirtualHosts.ByService s -> {
                        return new RouteOutcome.NoVirtualService(skipped.isEmpty() ? "no VirtualService for this "
                                + "host" : String.join("; ", skipped));
                    }
                    case SidecarVirtualHosts.ByVirtualService v -> {
                        if (RouteRules.staticHttp(v.vs(), ctx).isEmpty()) {
                            skipped.add(v.vs().label() + " has no http route for this proxy");
                            continue;
                        }
                        return RouteRules.httpRoute(List.of(List.of(v.vs())), false, ctx, http, "http");
                    }
                }
            }
        }
        return new RouteOutcome.NoVirtualService(skipped.isEmpty() ? "no VirtualService for this host"
                : String.join("; ", skipped));
    }

    /**
     * True when a sidecar of {@code clientNamespace} that imports {@code virtualService} gets {@code host} as a
     * service through it (Istio's collectImportedServices; see {@link CompiledVirtualService#infersDestination}).
     */
    boolean infersDestination(dev.tollgate.core.model.ResourceKey virtualService, String host,
                                     String clientNamespace) {
        CompiledVirtualService vs = vsByKey.get(virtualService);
        return vs != null && vs.infersDestination(HostName.fold(host), clientNamespace);
    }

    /** Visible VirtualServices matching {@code host}, grouped by host pattern (most specific first), in the order a
     * proxy of {@code namespace} sees them: its own, then those exported to it by name, then public ones. */
    private static List<List<CompiledVirtualService>> visibleGroups(HostIndex<CompiledVirtualService> index,
                                                                   String host, String namespace) {
        List<List<CompiledVirtualService>> out = new ArrayList<>();
        if (index == null) {
            return out;
        }
        Map<String, List<CompiledVirtualService>> byPattern = new LinkedHashMap<>();
        for (var hit : index.lookup(host)) {
            if (hit.value().visibleFrom(namespace)) {
                List<CompiledVirtualService> g = byPattern.computeIfAbsent(hit.pattern(), k -> new ArrayList<>());
                if (!g.contains(hit.value())) {
                    g.add(hit.value());
                }
            }
        }
        for (List<CompiledVirtualService> g : byPattern.values()) {
            g.sort(precedence(namespace));
            out.add(g);
        }
        return out;
    }

    private static Comparator<CompiledVirtualService> precedence(String namespace) {
        return Comparator.<CompiledVirtualService>comparingInt(v -> v.precedenceFor(namespace))
                .thenComparingInt(CompiledVirtualService::order);
    }

    private static List<CompiledVirtualService> flatten(List<List<CompiledVirtualService>> groups) {
        List<CompiledVirtualService> out = new ArrayList<>();
        groups.forEach(out::addAll);
        return out;
    }

    /**
     * Routing at the gateway with the VirtualServices bound to the server's Gateway, exported to the gateway's
     * namespace, whose hosts overlap the server's hosts (respecting a server host's {@code namespace/} part).
     */
    RouteOutcome gatewayRoute(WorkloadRef gateway, GatewayServer server, Optional<String> sni,
                                     Optional<HttpRequestInfo> http) {
        ProxyContext ctx = gatewayContext(gateway, server);
        List<CompiledVirtualService> bound = boundTo(gateway, server);
        if (server.kind().routes() == RouteKind.HTTP) {
            if (http.isEmpty()) {
                return new RouteOutcome.Unmatched(Optional.empty(), server.origin(), server.label()
                        + " reads HTTP but the connection carried none", false);
            }
            String reqHost = Authority.hostOf(http.get().authority());
            if (server.hosts().stream().noneMatch(h -> HostPattern.matches(h.dnsName(), reqHost))) {
                return new RouteOutcome.Unmatched(Optional.empty(), server.origin(), "host " + reqHost
                        + " is not among the hosts of " + server.label() + " (Envoy answers 404 NR)", false);
            }
            GatewayVirtualHosts vhosts = gatewayVirtualHosts(gateway, server, bound, ctx);
            List<List<CompiledVirtualService>> groups = vhosts.choose(reqHost).map(d -> List.of(vhosts.owners(d)))
                    .orElse(List.of());
            RouteOutcome out = RouteRules.httpRoute(groups, true, ctx, http.get(), server.kind().isHttpsServerWithTlsTermination() ? "https" : "http");
            if (out instanceof RouteOutcome.NoVirtualService nv) {
                List<String> silent = bound.stream().filter(vs -> GatewayVirtualHosts.intersection(server, vs)
                                .stream().anyMatch(d -> HostPattern.matches(d, reqHost)) && RouteRules.staticHttp(vs, ctx).isEmpty())
                        .map(vs -> vs.label() + " has no http route for this proxy").toList();
                return new RouteOutcome.Unmatched(Optional.empty(), server.origin(), "no VirtualService bound to "
                        + server.gatewayName() + " routes host " + reqHost + " (Envoy answers 404 NR): "
                        + (silent.isEmpty() ? nv.detail() : String.join("; ", silent)), false);
            }
            return out;
        }
        if (server.kind().routes() == RouteKind.TLS) {
            List<CompiledVirtualService> forSni = sni.map(s -> bound.stream()
                    .filter(vs -> vs.hosts().stream().anyMatch(h -> HostPattern.matches(h, HostName.fold(s)))
                            && admitsHost(server, vs, HostName.fold(s))).toList())
                    .orElse(List.of());
            RouteOutcome out = RouteRules.tlsRoute(forSni, ctx, sni, List.of(), false);
            if (out instanceof RouteOutcome.NoVirtualService nv) {
                return new RouteOutcome.Unmatched(Optional.empty(), server.origin(), "no tls route bound to "
                        + server.gatewayName() + " for SNI " + sni.orElse("(none)") + ": " + nv.detail(), false);
            }
            return out;
        }
        RouteOutcome out = RouteRules.tcpRoute(bound, ctx, List.of(), false);
        if (out instanceof RouteOutcome.NoVirtualService nv) {
            return new RouteOutcome.Unmatched(Optional.empty(), server.origin(), "no tcp route bound to "
                    + server.gatewayName() + " on port " + server.port() + ": " + nv.detail(), false);
        }
        return out;
    }

    /**
     * The VirtualServices bound to the server's Gateway, exported to the gateway's namespace, with a host that
     * overlaps a server host admitting their namespace, in Istio's order (VirtualServicesForGateway).
     */
    private List<CompiledVirtualService> boundTo(WorkloadRef gateway, GatewayServer server) {
        List<CompiledVirtualService> bound = new ArrayList<>();
        for (CompiledVirtualService vs : vsListByGateway.getOrDefault(server.gatewayName(), List.of())) {
            if (vs.visibleFrom(gateway.namespace()) && admits(server, vs)) {
                bound.add(vs);
            }
        }
        bound.sort(precedence(gateway.namespace()));
        return bound;
    }

    private final Map<GatewayVhKey, GatewayVirtualHosts> gatewayVirtualHosts = new ConcurrentHashMap<>();

    private record GatewayVhKey(GatewayServer server, String namespace, Map<String, String> labels) {
    }

    /** The virtual hosts of one server, computed once per server and gateway workload. */
    private GatewayVirtualHosts gatewayVirtualHosts(WorkloadRef gateway, GatewayServer server,
                                                    List<CompiledVirtualService> bound, ProxyContext ctx) {
        GatewayVhKey key = new GatewayVhKey(server, gateway.namespace(), gateway.labels());
        GatewayVirtualHosts cached = gatewayVirtualHosts.get(key);
        if (cached != null) {
            return cached;
        }
        GatewayVirtualHosts built = GatewayVirtualHosts.build(server, bound, vs -> !RouteRules.staticHttp(vs, ctx).isEmpty());
        if (gatewayVirtualHosts.size() < VIRTUAL_HOSTS_CACHE_LIMIT) {
            gatewayVirtualHosts.putIfAbsent(key, built);
        }
        return built;
    }

    /** For one requested host: a server host covering it must admit the VirtualService's namespace. */
    private static boolean admitsHost(GatewayServer server, CompiledVirtualService vs, String host) {
        for (GatewayServer.ServerHost sh : server.hosts()) {
            if (sh.admitsNamespace(vs.resource().namespace()) && HostPattern.matches(sh.dnsName(), host)) {
                return true;
            }
        }
        return false;
    }

    /** A VirtualService binds to a server when one of its hosts overlaps a server host that admits its namespace. */
    private static boolean admits(GatewayServer server, CompiledVirtualService vs) {
        for (GatewayServer.ServerHost sh : server.hosts()) {
            if (!sh.admitsNamespace(vs.resource().namespace())) {
                continue;
            }
            for (String h : vs.hosts()) {
                if (HostPattern.overlaps(sh.dnsName(), h)) {
                    return true;
                }
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- explain

    /**
     * Every VirtualService naming {@code host}, and whether it applies at {@code from}'s sidecar and why; for HTTP,
     * which VirtualService owns the virtual host Envoy picks, and why another overlapping one does not apply.
     */
    List<Consideration> explainMesh(WorkloadRef from, SidecarScope scope, String host, int port, boolean http,
                                           Optional<RouteOutcome> outcome) {
        String h = HostName.fold(host);
        Optional<Resource<Sidecar>> sidecar = scope.sidecar();
        SidecarImports imports = SidecarImports.of(sidecar, from.namespace(), port);
        ProxyContext ctx = new ProxyContext(Set.of(GatewayNames.MESH), from.labels(), from.namespace(), port,
                false);
        SidecarVirtualHosts table = http ? virtualHosts(scope, port) : null;
        Optional<SidecarVirtualHosts.Choice> choice = table == null ? Optional.empty()
                : table.choose(h, vs -> !RouteRules.staticHttp(vs, ctx).isEmpty());
        List<Consideration> out = new ArrayList<>();
        Optional<dev.tollgate.core.model.ResourceKey> used = outcome.flatMap(o -> switch (o) {
            case RouteOutcome.Routed r -> Optional.of(r.virtualService());
            case RouteOutcome.Unmatched u -> u.virtualService();
            case RouteOutcome.NoVirtualService n -> Optional.empty();
        });
        Set<Object> seen = new java.util.HashSet<>();
        for (var hit : vsByHost.lookup(h)) {
            CompiledVirtualService vs = hit.value();
            if (!seen.add(vs.resource().key())) {
                continue;
            }
            String why;
            boolean applied = used.isPresent() && used.get().equals(vs.resource().key());
            if (!vs.gateways().contains(GatewayNames.MESH)) {
                why = "bound to gateways " + vs.gateways() + ", not mesh: it never applies to sidecars";
            } else if (!vs.visibleFrom(from.namespace())) {
                why = "not exported to namespace " + from.namespace() + " (exportTo " + vs.exportTo() + ")";
            } else if (!imports.imports(vs)) {
                why = "not imported by the egress hosts " + imports.hosts().orElse(List.of()) + " of "
                        + sidecar.map(r -> r.key().toString()).orElse("the Sidecar");
            } else if (applied) {
                why = "host " + hit.pattern() + " matches " + h + "; its routes decided"
                        + choice.map(c -> " (it owns the virtual host " + c.domain() + " on port " + port + ": "
                        + (c.owner() instanceof SidecarVirtualHosts.ByVirtualService v ? v.why() : "") + ")")
                        .orElse("");
            } else if (table != null) {
                why = "host " + hit.pattern() + " matches " + h + ", but " + notOwner(table, choice, vs, ctx, port);
            } else {
                why = "host " + hit.pattern() + " matches " + h + ", but another VirtualService for the host came "
                        + "first, or none of its routes applies to this proxy (Istio uses one VirtualService per host "
                        + "at sidecars)";
            }
            out.add(new Consideration(Stage.ROUTE, vs.resource().key(), applied, why, vs.resource().origin()));
        }
        return out;
    }

    /** Why {@code vs} does not route an HTTP request whose virtual host is {@code choice} (route.go, httproute.go). */
    private static String notOwner(SidecarVirtualHosts table, Optional<SidecarVirtualHosts.Choice> choice,
                                   CompiledVirtualService vs, ProxyContext ctx, int port) {
        Optional<String> silent = table.silentReason(vs);
        if (silent.isPresent()) {
            return "it builds no virtual host on port " + port + ": " + silent.get();
        }
        if (RouteRules.staticHttp(vs, ctx).isEmpty()) {
            return "none of its http routes applies to this proxy, so it builds no virtual host";
        }
        if (choice.isEmpty()) {
            return "it builds no virtual host that matches the request on port " + port;
        }
        SidecarVirtualHosts.Choice c = choice.get();
        String picked = "Envoy picks the virtual host " + c.domain() + ", built by " + c.describe();
        for (SidecarVirtualHosts.Owner o : table.owners(c.domain())) {
            if (o instanceof SidecarVirtualHosts.ByVirtualService v && v.vs() == vs) {
                return picked + ", which came first for that domain (Istio uses one VirtualService per host at "
                        + "sidecars: creation order, own namespace first; istioctl IST0109)";
            }
        }
        String service = c.owner() instanceof SidecarVirtualHosts.ByService s ? s.service()
                : c.domain();
        Optional<CompiledVirtualService> mostSpecific = table.mostSpecificFor(service);
        if (mostSpecific.isPresent() && mostSpecific.get() != vs && vs.hosts().stream()
                .anyMatch(vh -> HostName.isWildcard(vh) && HostPattern.overlaps(vh, service))) {
            return picked + "; its wildcard host does not claim service " + service + ", whose most specific "
                    + "VirtualService host belongs to " + mostSpecific.get().label() + " (sidecar.go "
                    + "computeWildcardHostVirtualServiceIndex: the longest host, and of VirtualServices with the same "
                    + "host the first by creation time, then name)";
        }
        return picked + "; its own virtual hosts on port " + port + " are less specific for this host";
    }

    /** Every VirtualService naming {@code host}, and whether it routes at {@code server} of the gateway and why. */
    List<Consideration> explainGatewayRoute(WorkloadRef gateway, GatewayServer server, String host,
                                                   Optional<RouteOutcome> outcome) {
        String h = HostName.fold(host);
        Optional<dev.tollgate.core.model.ResourceKey> used = outcome.flatMap(o -> o instanceof RouteOutcome.Routed r
                ? Optional.of(r.virtualService()) : Optional.empty());
        List<Consideration> out = new ArrayList<>();
        Set<Object> seen = new java.util.HashSet<>();
        for (var hit : vsByHost.lookup(h)) {
            CompiledVirtualService vs = hit.value();
            if (!seen.add(vs.resource().key())) {
                continue;
            }
            boolean applied = used.isPresent() && used.get().equals(vs.resource().key());
            String why;
            if (!vs.gateways().contains(server.gatewayName())) {
                why = "bound to " + vs.gateways() + ", not to " + server.gatewayName() + ", the Gateway whose server "
                        + "took the connection";
            } else if (!vs.visibleFrom(gateway.namespace())) {
                why = "not exported to the gateway's namespace " + gateway.namespace() + " (exportTo "
                        + vs.exportTo() + ")";
            } else if (!admits(server, vs)) {
                why = "its hosts " + vs.hosts() + " do not overlap the server hosts " + server.hosts()
                        + " that admit namespace " + vs.resource().namespace();
            } else if (applied) {
                why = "bound to " + server.gatewayName() + " with host " + hit.pattern() + "; its route decided";
            } else if (server.kind().routes() == RouteKind.HTTP && !vhostOwners(gateway, server, h).contains(vs)) {
                why = "bound to " + server.gatewayName() + " with host " + hit.pattern() + ", but "
                        + notGatewayOwner(gateway, server, vs, h);
            } else {
                why = "bound to " + server.gatewayName() + " with host " + hit.pattern() + ", but none of its routes "
                        + "matched first";
            }
            out.add(new Consideration(Stage.ROUTE, vs.resource().key(), applied, why, vs.resource().origin()));
        }
        return out;
    }

    /** The VirtualServices whose routes make up the virtual host Envoy picks for {@code host} at {@code server}. */
    private List<CompiledVirtualService> vhostOwners(WorkloadRef gateway, GatewayServer server, String host) {
        GatewayVirtualHosts vhosts = gatewayVirtualHosts(gateway, server, boundTo(gateway, server),
                gatewayContext(gateway, server));
        return vhosts.choose(host).map(vhosts::owners).orElse(List.of());
    }

    /** Why {@code vs}, bound to the server, does not route {@code host} there (gateway.go buildGatewayHTTPRouteConfig). */
    private String notGatewayOwner(WorkloadRef gateway, GatewayServer server, CompiledVirtualService vs, String host) {
        if (RouteRules.staticHttp(vs, gatewayContext(gateway, server)).isEmpty()) {
            return "none of its http routes applies to this gateway, so it builds no virtual host";
        }
        GatewayVirtualHosts vhosts = gatewayVirtualHosts(gateway, server, boundTo(gateway, server),
                gatewayContext(gateway, server));
        List<String> own = GatewayVirtualHosts.intersection(server, vs);
        Optional<String> picked = vhosts.choose(host);
        return "its virtual hosts there are " + own + " (its hosts intersected with the server's)" + picked
                .map(d -> "; Envoy picks the more specific virtual host " + d + ", built by "
                        + vhosts.owners(d).stream().map(CompiledVirtualService::label).toList())
                .orElse("; none of them matches " + host);
    }

    private static ProxyContext gatewayContext(WorkloadRef gateway, GatewayServer server) {
        return new ProxyContext(Set.of(server.gatewayName()), gateway.labels(), gateway.namespace(), server.port(),
                true);
    }
}
