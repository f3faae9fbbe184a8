package dev.tollgate.core.routing;

import dev.tollgate.core.model.Consideration;
import dev.tollgate.core.model.HttpRequestInfo;
import dev.tollgate.core.model.RouteKind;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.model.net.Authority;
import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.model.net.HostPattern;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which VirtualService route a connection takes at a gateway server (Istio's gateway.go): the VirtualServices bound
 * to the server's Gateway, exported to the gateway's namespace, whose hosts overlap the server's hosts (respecting a
 * server host's {@code namespace/} part); for HTTP the merged virtual host Envoy picks ({@link GatewayVirtualHosts}),
 * for TLS those naming the SNI, for TCP all of them ({@link RouteRules}). Each walk fills a {@link RouteTrace} as it
 * goes, so explain tells the decision's own story.
 */
final class GatewayRouter {
    private static final int VIRTUAL_HOSTS_CACHE_LIMIT = 50_000;

    private final VirtualServices virtualServices;
    private final Gateways gateways;
    private final Map<GatewayVhKey, GatewayVirtualHosts> gatewayVirtualHosts = new ConcurrentHashMap<>();

    private record GatewayVhKey(GatewayServer server, String namespace, Map<String, String> labels) {
    }

    GatewayRouter(VirtualServices virtualServices, Gateways gateways) {
        this.virtualServices = virtualServices;
        this.gateways = gateways;
    }

    /** See {@link Routing#gatewayRoute}. */
    RouteOutcome gatewayRoute(WorkloadRef gateway, GatewayServer server, Optional<String> sni,
                              Optional<HttpRequestInfo> http) {
        RouteOutcome out = gatewayRoute(gateway, server, sni, http, RouteTrace.OFF);
        return VirtualServices.explainable(out, () -> trace(server), t -> gatewayRoute(gateway, server, sni, http, t));
    }

    private RouteOutcome gatewayRoute(WorkloadRef gateway, GatewayServer server, Optional<String> sni,
                                      Optional<HttpRequestInfo> http, RouteTrace trace) {
        ProxyContext ctx = gatewayContext(gateway, server);
        List<CompiledVirtualService> bound = boundTo(gateway, server);
        if (server.kind().routes() == RouteKind.HTTP) {
            if (http.isEmpty()) {
                return new RouteOutcome.Unmatched(Optional.empty(), server.origin(), server.label()
                        + " reads HTTP but the connection carried none", false);
            }
            String reqHost = Authority.hostOf(http.get().authority());
            if (trace.on()) {
                candidates(gateway, server, reqHost, trace);
            }
            if (server.hosts().stream().noneMatch(h -> HostPattern.matches(h.dnsName(), reqHost))) {
                VirtualServices.notConsulted(trace, "host " + reqHost + " is not among the server's hosts, so no "
                        + "virtual host is consulted");
                return new RouteOutcome.Unmatched(Optional.empty(), server.origin(), "host " + reqHost
                        + " is not among the hosts of " + server.label() + " (Envoy answers 404 NR)", false);
            }
            GatewayVirtualHosts vhosts = gatewayVirtualHosts(gateway, server, bound, ctx);
            Optional<String> domain = vhosts.choose(reqHost);
            List<List<CompiledVirtualService>> groups = domain.map(d -> List.of(vhosts.owners(d))).orElse(List.of());
            RouteOutcome out = RouteRules.httpRoute(groups, true, ctx, http.get(),
                    server.kind().isHttpsServerWithTlsTermination() ? "https" : "http", trace);
            if (trace.on()) {
                for (CompiledVirtualService vs : trace.withoutVerdict()) {
                    trace.passed(vs, notOwner(server, ctx, vhosts, domain, vs, reqHost));
                }
            }
            if (out instanceof RouteOutcome.NoVirtualService nv) {
                List<String> silent = bound.stream().filter(vs -> GatewayVirtualHosts.intersection(server, vs)
                                .stream().anyMatch(d -> HostPattern.matches(d, reqHost))
                                && RouteRules.staticHttp(vs, ctx).isEmpty())
                        .map(vs -> vs.label() + " has no http route for this proxy").toList();
                return new RouteOutcome.Unmatched(Optional.empty(), server.origin(), "no VirtualService bound to "
                        + server.gatewayName() + " routes host " + reqHost + " (Envoy answers 404 NR): "
                        + (silent.isEmpty() ? nv.detail() : String.join("; ", silent)), false);
            }
            return out;
        }
        if (server.kind().routes() == RouteKind.TLS) {
            Optional<String> key = sni.map(HostName::fold);
            if (trace.on()) {
                key.ifPresent(s -> candidates(gateway, server, s, trace));
            }
            List<CompiledVirtualService> forSni = key.map(s -> bound.stream()
                    .filter(vs -> vs.hosts().stream().anyMatch(h -> HostPattern.matches(h, s))
                            && admitsHost(server, vs, s)).toList())
                    .orElse(List.of());
            RouteOutcome out = RouteRules.tlsRoute(forSni, ctx, sni, List.of(), false, trace);
            if (trace.on()) {
                key.ifPresent(s -> VirtualServices.notConsulted(trace, "no server host that admits its namespace "
                        + "covers SNI " + s));
            }
            if (out instanceof RouteOutcome.NoVirtualService nv) {
                return new RouteOutcome.Unmatched(Optional.empty(), server.origin(), "no tls route bound to "
                        + server.gatewayName() + " for SNI " + sni.orElse("(none)") + ": " + nv.detail(), false);
            }
            return out;
        }
        // TCP: a server's tcp routes do not look at host names; the SNI, if any, lists the others for explain
        if (trace.on()) {
            sni.map(HostName::fold).ifPresent(s -> candidates(gateway, server, s, trace));
        }
        RouteOutcome out = RouteRules.tcpRoute(bound, ctx, List.of(), false, trace);
        if (out instanceof RouteOutcome.NoVirtualService nv) {
            return new RouteOutcome.Unmatched(Optional.empty(), server.origin(), "no tcp route bound to "
                    + server.gatewayName() + " on port " + server.port() + ": " + nv.detail(), false);
        }
        return out;
    }

    /**
     * For explain when the gateway decided before consulting its routes (authorization, TLS): every VirtualService
     * for the host, and whether the server has it at all.
     */
    List<Consideration> notConsulted(WorkloadRef gateway, GatewayServer server, String host) {
        RouteTrace trace = trace(server);
        candidates(gateway, server, HostName.fold(host), trace);
        VirtualServices.notConsulted(trace, "the gateway decided before it consulted any route (see the hops)");
        return trace.considerations();
    }

    private static RouteTrace trace(GatewayServer server) {
        return RouteTrace.recording(vs -> "bound to " + server.gatewayName());
    }

    /** Every VirtualService naming {@code host}, into the trace: those the server does not have, with the reason. */
    private void candidates(WorkloadRef gateway, GatewayServer server, String host, RouteTrace trace) {
        for (var hit : virtualServices.naming(host)) {
            CompiledVirtualService vs = hit.value();
            trace.named(vs, "bound to " + server.gatewayName() + " with host " + hit.pattern());
            notTheServers(gateway, server, vs).ifPresent(why -> trace.excluded(vs, why));
        }
    }

    /** Why the server does not have {@code vs} at all; empty when it does (VirtualServicesForGateway). */
    private static Optional<String> notTheServers(WorkloadRef gateway, GatewayServer server,
                                                  CompiledVirtualService vs) {
        if (!vs.gateways().contains(server.gatewayName())) {
            return Optional.of("bound to " + vs.gateways() + ", not to " + server.gatewayName() + ", the Gateway "
                    + "whose server took the connection");
        }
        if (!vs.visibleFrom(gateway.namespace())) {
            return Optional.of("not exported to the gateway's namespace " + gateway.namespace() + " (exportTo "
                    + vs.exportTo() + ")");
        }
        if (!admits(server, vs)) {
            return Optional.of("its hosts " + vs.hosts() + " do not overlap the server hosts " + server.hosts()
                    + " that admit namespace " + vs.resource().namespace());
        }
        return Optional.empty();
    }

    /** The server's VirtualServices, in Istio's order (VirtualServicesForGateway). */
    List<CompiledVirtualService> boundTo(WorkloadRef gateway, GatewayServer server) {
        List<CompiledVirtualService> bound = new ArrayList<>();
        for (CompiledVirtualService vs : virtualServices.boundTo(server.gatewayName())) {
            if (notTheServers(gateway, server, vs).isEmpty()) {
                bound.add(vs);
            }
        }
        bound.sort(VirtualServices.precedence(gateway.namespace()));
        return bound;
    }

    /** The virtual hosts of one server, computed once per server and gateway workload. */
    private GatewayVirtualHosts gatewayVirtualHosts(WorkloadRef gateway, GatewayServer server,
                                                    List<CompiledVirtualService> bound, ProxyContext ctx) {
        GatewayVhKey key = new GatewayVhKey(server, gateway.namespace(), gateway.labels());
        GatewayVirtualHosts cached = gatewayVirtualHosts.get(key);
        if (cached != null) {
            return cached;
        }
        GatewayVirtualHosts built = sharesRouteConfig(server)
                ? GatewayVirtualHosts.merge(gateways.plainServers(gateway, server.port()).stream()
                        .map(s -> GatewayVirtualHosts.build(s, boundTo(gateway, s),
                                vs -> !RouteRules.staticHttp(vs, ctx).isEmpty()))
                        .toList())
                : GatewayVirtualHosts.build(server, bound, vs -> !RouteRules.staticHttp(vs, ctx).isEmpty());
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

    /**
     * Why {@code vs}, bound to the server, does not route {@code host} there, when Envoy picked {@code picked}
     * (gateway.go buildGatewayHTTPRouteConfig).
     */
    private static String notOwner(GatewayServer server, ProxyContext ctx, GatewayVirtualHosts vhosts,
                                   Optional<String> picked, CompiledVirtualService vs, String host) {
        if (RouteRules.staticHttp(vs, ctx).isEmpty()) {
            return "none of its http routes applies to this gateway, so it builds no virtual host";
        }
        List<String> own = GatewayVirtualHosts.intersection(server, vs);
        return "its virtual hosts there are " + own + " (its hosts intersected with the server's)" + picked
                .map(d -> "; Envoy picks the more specific virtual host " + d + ", built by "
                        + vhosts.owners(d).stream().map(CompiledVirtualService::label).toList())
                .orElse("; none of them matches " + host);
    }

    /**
     * The proxy as a server's routes see it. The plain HTTP servers of a port share one route configuration, built
     * with each server's Gateway name; here the names of all of them are taken at once, which differs from Istio only
     * for a VirtualService bound to two of those Gateways whose matches name just one.
     */
    private ProxyContext gatewayContext(WorkloadRef gateway, GatewayServer server) {
        Set<String> names = sharesRouteConfig(server)
                ? gateways.plainServers(gateway, server.port()).stream().map(GatewayServer::gatewayName)
                        .collect(java.util.stream.Collectors.toUnmodifiableSet())
                : Set.of(server.gatewayName());
        return new ProxyContext(names, gateway.labels(), gateway.namespace(), server.port(), true);
    }

    /** Plain HTTP servers: all of one port's share the RDS {@code http.<port>} (gateway.go gatewayRDSRouteName). */
    private static boolean sharesRouteConfig(GatewayServer server) {
        return server.kind().readsHttp() && !server.kind().selectsBySni();
    }
}
