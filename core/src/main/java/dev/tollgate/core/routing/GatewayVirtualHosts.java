package dev.tollgate.core.routing;

import dev.tollgate.core.model.net.HostPattern;
import dev.tollgate.core.model.net.HostName;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The virtual hosts of one gateway server, as Istio builds them (gateway.go buildGatewayHTTPRouteConfig): each
 * VirtualService bound to the server's Gateway that has routes for the gateway adds its routes to a virtual host per
 * host in the intersection of the server's hosts (those whose {@code namespace/} admits it) and its own hosts
 * (host.Names Intersection: of two matching hosts, the more specific one), in the order Istio lists the
 * VirtualServices; routes of several VirtualServices on one domain are merged. A request goes to the one virtual
 * host Envoy picks for its Host: exact, then the longest wildcard, then "*".
 */
final class GatewayVirtualHosts {
    private final Map<String, List<CompiledVirtualService>> byDomain;

    private GatewayVirtualHosts(Map<String, List<CompiledVirtualService>> byDomain) {
        this.byDomain = byDomain;
    }

    /**
     * @param bound     the VirtualServices bound to the server's Gateway and visible to the gateway, in order
     * @param hasRoutes whether BuildHTTPRoutesForVirtualService gives a VirtualService routes at this server
     */
    static GatewayVirtualHosts build(GatewayServer server, List<CompiledVirtualService> bound,
                                     Predicate<CompiledVirtualService> hasRoutes) {
        Map<String, List<CompiledVirtualService>> byDomain = new LinkedHashMap<>();
        for (CompiledVirtualService vs : bound) {
            List<String> domains = intersection(server, vs);
            if (domains.isEmpty() || !hasRoutes.test(vs)) {
                continue;
            }
            for (String d : domains) {
                List<CompiledVirtualService> owners = byDomain.computeIfAbsent(d, k -> new ArrayList<>());
                if (!owners.contains(vs)) {
                    owners.add(vs);
                }
            }
        }
        byDomain.replaceAll((k, v) -> List.copyOf(v));
        return new GatewayVirtualHosts(Map.copyOf(byDomain));
    }

    /**
     * One route configuration for several servers: Istio gives every plain HTTP server of a port the one RDS
     * {@code http.<port>} (gateway.go gatewayRDSRouteName), and buildGatewayHTTPRouteConfig walks all of its servers,
     * appending the routes of each server's VirtualServices to the virtual host of each intersecting domain
     * (vHostDedupMap), so a request's Host finds its virtual host whichever of those servers named it.
     */
    static GatewayVirtualHosts merge(List<GatewayVirtualHosts> tables) {
        Map<String, List<CompiledVirtualService>> byDomain = new LinkedHashMap<>();
        for (GatewayVirtualHosts t : tables) {
            t.byDomain.forEach((d, owners) -> {
                List<CompiledVirtualService> all = byDomain.computeIfAbsent(d, k -> new ArrayList<>());
                owners.stream().filter(vs -> !all.contains(vs)).forEach(all::add);
            });
        }
        byDomain.replaceAll((k, v) -> List.copyOf(v));
        return new GatewayVirtualHosts(Map.copyOf(byDomain));
    }

    /** host.Names Intersection of the server hosts for the VirtualService's namespace and its hosts. */
    static List<String> intersection(GatewayServer server, CompiledVirtualService vs) {
        List<String> out = new ArrayList<>();
        for (GatewayServer.ServerHost sh : server.hosts()) {
            if (!sh.admitsNamespace(vs.resource().namespace())) {
                continue;
            }
            String s = HostName.fold(sh.dnsName());
            for (String v : vs.hosts()) {
                String d = HostPattern.matches(v, s) ? s : HostPattern.matches(s, v) ? v : null;
                if (d != null && !out.contains(d)) {
                    out.add(d);
                }
            }
        }
        return out;
    }

    /** The domain Envoy picks for {@code host}. */
    Optional<String> choose(String host) {
        for (String p : RouteHosts.candidatePatterns(host)) {
            if (byDomain.containsKey(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    List<CompiledVirtualService> owners(String domain) {
        return byDomain.getOrDefault(domain, List.of());
    }
}
