package dev.tollgate.core.routing;

import dev.tollgate.core.model.Consideration;
import dev.tollgate.core.model.HttpRequestInfo;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.RouteKind;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.model.net.HostPattern;
import dev.tollgate.core.registry.SidecarScope;
import io.fabric8.istio.api.api.networking.v1alpha3.Sidecar;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which VirtualService route a request takes at a sidecar (Istio's httproute.go and route.go): the VirtualServices
 * bound to {@code mesh}, exported to the sidecar's namespace and imported by its Sidecar; for HTTP the virtual host
 * Envoy picks, whose owner was decided per service ({@link SidecarVirtualHosts}); for TLS and TCP the filter chains
 * of the VirtualServices for the host ({@link RouteRules}). Each walk fills a {@link RouteTrace} as it goes, so
 * explain tells the decision's own story.
 */
final class SidecarRouter {
    private static final int VIRTUAL_HOSTS_CACHE_LIMIT = 50_000;

    private final VirtualServices virtualServices;
    private final Map<ScopePort, SidecarVirtualHosts> virtualHosts = new ConcurrentHashMap<>();

    private record ScopePort(SidecarScope scope, int port) {
    }

    SidecarRouter(VirtualServices virtualServices) {
        this.virtualServices = virtualServices;
    }

    /** See {@link Routing#meshRoute}. */
    RouteOutcome meshRoute(WorkloadRef from, SidecarScope scope, String host, int port, RouteKind kind,
                           Optional<String> sni, Optional<HttpRequestInfo> http, Optional<String> serviceHost,
                           List<String> destinationIps) {
        RouteOutcome out = meshRoute(from, scope, host, port, kind, sni, http, serviceHost, destinationIps,
                RouteTrace.OFF);
        return VirtualServices.explainable(out, SidecarRouter::trace, t -> meshRoute(from, scope, host, port, kind,
                sni, http, serviceHost, destinationIps, t));
    }

    private RouteOutcome meshRoute(WorkloadRef from, SidecarScope scope, String host, int port, RouteKind kind,
                                   Optional<String> sni, Optional<HttpRequestInfo> http, Optional<String> serviceHost,
                                   List<String> destinationIps, RouteTrace trace) {
        String h = HostName.fold(host);
        ProxyContext ctx = context(from, port);
        SidecarImports imports = SidecarImports.of(scope.sidecar(), from.namespace(), port);
        if (kind == RouteKind.HTTP) {
            if (trace.on()) {
                candidates(h, from.namespace(), imports, scope.sidecar(), trace);
            }
            if (http.isEmpty()) {
                VirtualServices.notConsulted(trace, "the connection carried no HTTP request");
                return new RouteOutcome.NoVirtualService("not an HTTP request");
            }
            return sidecarHttpRoute(scope, ctx, h, serviceHost, http.get(), trace);
        }
        List<CompiledVirtualService> vss = candidates(h, from.namespace(), imports, scope.sidecar(), trace);
        return switch (kind) {
            case HTTP -> throw new IllegalStateException("handled above");
            case TLS -> RouteRules.tlsRoute(vss, ctx, sni.or(() -> Optional.of(h)), destinationIps, true, trace);
            case TCP -> RouteRules.tcpRoute(vss, ctx, destinationIps, true, trace);
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
        RouteOutcome out = meshRouteOutsideRegistry(from, scope, host, port, http, RouteTrace.OFF);
        return VirtualServices.explainable(out, SidecarRouter::trace,
                t -> meshRouteOutsideRegistry(from, scope, host, port, http, t));
    }

    private RouteOutcome meshRouteOutsideRegistry(WorkloadRef from, SidecarScope scope, String host, int port,
                                                  HttpRequestInfo http, RouteTrace trace) {
        String h = HostName.fold(host);
        if (trace.on()) {
            candidates(h, from.namespace(), SidecarImports.of(scope.sidecar(), from.namespace(), port),
                    scope.sidecar(), trace);
        }
        if (!scope.hasHttpListener(port)) {
            VirtualServices.notConsulted(trace, "the sidecar has no HTTP listener on port " + port
                    + ", so no VirtualService builds a virtual host there");
            return new RouteOutcome.NoVirtualService("no VirtualService builds a virtual host for " + h + ":" + port);
        }
        RouteOutcome out = sidecarHttpRoute(scope, context(from, port), h, Optional.empty(), http, trace);
        if (out instanceof RouteOutcome.NoVirtualService) {
            return new RouteOutcome.NoVirtualService("no VirtualService builds a virtual host for " + h + ":" + port);
        }
        return out;
    }

    /**
     * For explain when the sidecar decided before consulting its routes: every VirtualService for the host, and
     * whether the sidecar has it at all.
     */
    List<Consideration> notConsulted(WorkloadRef from, SidecarScope scope, String host, int port) {
        RouteTrace trace = trace();
        candidates(HostName.fold(host), from.namespace(), SidecarImports.of(scope.sidecar(), from.namespace(), port),
                scope.sidecar(), trace);
        VirtualServices.notConsulted(trace, "the sidecar decided before it consulted any route (see the hops)");
        return trace.considerations();
    }

    /**
     * Every VirtualService {@code from}'s sidecar has on some egress listener, by the rule its routes use
     * ({@link #notTheSidecars}), in the order it sees them. A port no listener names stands for the catch-all.
     */
    List<CompiledVirtualService> imported(WorkloadRef from, SidecarScope scope) {
        java.util.TreeSet<Integer> ports = new java.util.TreeSet<>(List.of(-1));
        scope.sidecar().map(r -> r.spec().getEgress()).orElse(List.of()).stream()
                .filter(l -> l != null && l.getPort() != null && l.getPort().getNumber() != null)
                .forEach(l -> ports.add(l.getPort().getNumber().intValue()));
        List<CompiledVirtualService> out = new ArrayList<>();
        for (CompiledVirtualService vs : virtualServices.all()) {
            for (int port : ports) {
                if (notTheSidecars(vs, from.namespace(), SidecarImports.of(scope.sidecar(), from.namespace(), port),
                        scope.sidecar()).isEmpty()) {
                    out.add(vs);
                    break;
                }
            }
        }
        out.sort(VirtualServices.precedence(from.namespace()));
        return out;
    }

    private static RouteTrace trace() {
        return RouteTrace.recording(vs -> "bound to mesh");
    }

    private static ProxyContext context(WorkloadRef from, int port) {
        return new ProxyContext(Set.of(GatewayNames.MESH), from.labels(), from.namespace(), port, false);
    }

    /** Why a sidecar of {@code namespace} does not have {@code vs} at all; empty when it does. */
    static Optional<String> notTheSidecars(CompiledVirtualService vs, String namespace,
                                                   SidecarImports imports, Optional<Resource<Sidecar>> sidecar) {
        if (!vs.gateways().contains(GatewayNames.MESH)) {
            return Optional.of("bound to gateways " + vs.gateways() + ", not mesh: it never applies to sidecars");
        }
        if (!vs.visibleFrom(namespace)) {
            return Optional.of("not exported to namespace " + namespace + " (exportTo " + vs.exportTo() + ")");
        }
        if (!imports.imports(vs)) {
            return Optional.of("not imported by the egress hosts " + imports.hosts().orElse(List.of()) + " of "
                    + sidecar.map(r -> r.key().toString()).orElse("the Sidecar"));
        }
        return Optional.empty();
    }

    /**
     * The sidecar's VirtualServices for {@code host}: grouped by host pattern (most specific first), each group in
     * the order the sidecar sees them; the others go to the trace with the reason the sidecar does not have them.
     */
    private List<CompiledVirtualService> candidates(String host, String namespace, SidecarImports imports,
                                                    Optional<Resource<Sidecar>> sidecar, RouteTrace trace) {
        Map<String, List<CompiledVirtualService>> byPattern = new LinkedHashMap<>();
        for (var hit : virtualServices.naming(host)) {
            CompiledVirtualService vs = hit.value();
            Optional<String> not = notTheSidecars(vs, namespace, imports, sidecar);
            if (trace.on()) {
                trace.named(vs, "host " + hit.pattern() + " matches " + host);
                not.ifPresent(why -> trace.excluded(vs, why));
            }
            if (not.isEmpty()) {
                List<CompiledVirtualService> g = byPattern.computeIfAbsent(hit.pattern(), k -> new ArrayList<>());
                if (!g.contains(vs)) {
                    g.add(vs);
                }
            }
        }
        List<CompiledVirtualService> out = new ArrayList<>();
        for (List<CompiledVirtualService> g : byPattern.values()) {
            g.sort(VirtualServices.precedence(namespace));
            out.addAll(g);
        }
        return out;
    }

    /**
     * The sidecar's virtual hosts of one port, kept per scope and port (bounded: ports are the client's) so that
     * what each VirtualService builds there is decided once.
     */
    private SidecarVirtualHosts virtualHosts(SidecarScope scope, int port) {
        ScopePort key = new ScopePort(scope, port);
        SidecarVirtualHosts cached = virtualHosts.get(key);
        if (cached != null) {
            return cached;
        }
        SidecarImports imports = SidecarImports.of(scope.sidecar(), scope.namespace(), port);
        SidecarVirtualHosts made = new SidecarVirtualHosts(scope, port, virtualServices,
                vs -> notTheSidecars(vs, scope.namespace(), imports, scope.sidecar()).isEmpty());
        if (virtualHosts.size() < VIRTUAL_HOSTS_CACHE_LIMIT) {
            SidecarVirtualHosts raced = virtualHosts.putIfAbsent(key, made);
            return raced != null ? raced : made;
        }
        return made;
    }

    /**
     * HTTP at a sidecar: Envoy picks the virtual host with the most specific domain for the Host; its owner was
     * decided per service when the route configuration was built ({@link SidecarVirtualHosts}). Within it, "The
     * first rule matching an incoming request is used".
     */
    private RouteOutcome sidecarHttpRoute(SidecarScope scope, ProxyContext ctx, String host,
                                          Optional<String> serviceHost, HttpRequestInfo http, RouteTrace trace) {
        SidecarVirtualHosts table = virtualHosts(scope, ctx.port());
        List<SidecarVirtualHosts.Domain> domains = table.domainsFor(host);
        if (serviceHost.isPresent() && !HostPattern.matches(serviceHost.get(), host)) {
            List<SidecarVirtualHosts.Owner> owners = table.owners(serviceHost.get());
            if (!owners.isEmpty()) {
                // matched by address: the service's virtual host has its addresses as exact domains
                domains = new ArrayList<>(domains);
                domains.add(0, new SidecarVirtualHosts.Domain(serviceHost.get(), owners));
            }
        }
        List<String> skipped = new ArrayList<>();
        RouteOutcome out = null;
        SidecarVirtualHosts.Choice taken = null;
        walk:
        for (SidecarVirtualHosts.Domain d : domains) {
            String domain = d.name();
            for (SidecarVirtualHosts.Owner owner : d.owners()) {
                switch (owner) {
                    case SidecarVirtualHosts.ByService s -> {
                        taken = new SidecarVirtualHosts.Choice(domain, owner);
                        out = new RouteOutcome.NoVirtualService(skipped.isEmpty() ? "no VirtualService for this "
                                + "host" : String.join("; ", skipped));
                        break walk;
                    }
                    case SidecarVirtualHosts.ByVirtualService v -> {
                        if (RouteRules.staticHttp(v.vs(), ctx).isEmpty()) {
                            skipped.add(v.vs().label() + " has no http route for this proxy");
                            trace.passed(v.vs(), RouteRules.NO_HTTP_ROUTE);
                            continue;
                        }
                        taken = new SidecarVirtualHosts.Choice(domain, owner);
                        if (trace.on()) {
                            trace.note(v.vs(), "it owns the virtual host " + domain + " on port " + ctx.port() + ": "
                                    + v.why());
                        }
                        out = RouteRules.httpRoute(List.of(List.of(v.vs())), false, ctx, http, "http", trace);
                        break walk;
                    }
                }
            }
        }
        if (out == null) {
            out = new RouteOutcome.NoVirtualService(skipped.isEmpty() ? "no VirtualService for this host"
                    : String.join("; ", skipped));
        }
        if (trace.on()) {
            Optional<SidecarVirtualHosts.Choice> choice = Optional.ofNullable(taken);
            for (CompiledVirtualService vs : trace.withoutVerdict()) {
                trace.passed(vs, notOwner(table, choice, vs, ctx, ctx.port()));
            }
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
            return RouteRules.NO_HTTP_ROUTE;
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
}
