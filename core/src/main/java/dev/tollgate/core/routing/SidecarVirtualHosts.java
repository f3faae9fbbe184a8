package dev.tollgate.core.routing;

import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.registry.SidecarScope;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The virtual hosts of one sidecar outbound HTTP route configuration (one egress listener, one port), decided per
 * service when the configuration is built, as Istio does, not per request:
 * <ul>
 *     <li>on a port other than 80 only VirtualServices with a host matching a service of the port take part
 *     (httproute.go BuildSidecarOutboundVirtualHosts, selectVirtualServices);</li>
 *     <li>a VirtualService's exact host names the service of that name; its wildcard host claims each service it
 *     covers only when it is that service's most specific VirtualService host (sidecar.go
 *     computeWildcardHostVirtualServiceIndex, config.go MostSpecificHostMatch), and is "outside the registry" only
 *     when it covers no service of the port (route.go separateVSHostsAndServices);</li>
 *     <li>hosts outside the registry get a virtual host on this port only beside a service of the port with an
 *     HTTP port, or on port 80 (route.go buildSidecarVirtualHostsForVirtualService);</li>
 *     <li>virtual hosts are built VirtualService by VirtualService in the listener's order, and a second one of the
 *     same name is dropped (httproute.go buildVirtualHost, "duplicate domain"); services no VirtualService built
 *     then get their default route (route.go BuildSidecarVirtualHostWrapper).</li>
 * </ul>
 * A VirtualService none of whose routes applies to a proxy builds nothing for it (BuildHTTPRoutesForVirtualService
 * fails), so each domain keeps its ordered list of would-be owners and a request takes the first that has routes for
 * the proxy; with none the domain does not exist and Envoy tries the next, less specific one.
 *
 * <p>The table is read one domain at a time and never built whole: a request meets only the domains of its own Host
 * (the host, its wildcard suffixes, "*"), and the owners of a domain are the VirtualServices with that host and the
 * most specific VirtualService of the service of that name. What each VirtualService builds on the port depends on
 * the services its hosts meet, which the registry finds by name; it is decided once per VirtualService and kept.
 * Building every domain up front cost a walk over the whole registry per namespace, and {@code tollgate test}, the
 * matrix and the diff ask from a thousand namespaces.
 */
final class SidecarVirtualHosts {

    /** Who may build the virtual host of a domain. */
    sealed interface Owner {
    }

    /**
     * A VirtualService's routes.
     *
     * @param host the VirtualService host that brought it to the domain
     * @param why  how Istio associated it with the domain
     */
    record ByVirtualService(CompiledVirtualService vs, String host, String why) implements Owner {
    }

    /** The default route of a service no VirtualService built (BuildSidecarVirtualHostWrapper). */
    record ByService(String service) implements Owner {
    }

    /** A domain that exists on the port, with its would-be owners in order. */
    record Domain(String name, List<Owner> owners) {
    }

    /**
     * What one VirtualService of the listener builds on the port.
     *
     * @param silent       why it builds nothing, if so
     * @param outside      its hosts outside the registry (no service of the port)
     * @param matched      service -> the host of it that claimed the service, for the services with an HTTP port
     * @param httpServices the keys of {@code matched}, in order
     */
    private record Built(Optional<String> silent, List<String> outside, Map<String, String> matched,
                         List<String> httpServices) {
        static Built silent(String why) {
            return new Built(Optional.of(why), List.of(), Map.of(), List.of());
        }
    }

    private final SidecarScope scope;
    private final int port;
    private final VirtualServices virtualServices;
    private final Predicate<CompiledVirtualService> inListener;
    private final Comparator<CompiledVirtualService> listenerOrder;
    private final Map<CompiledVirtualService, Built> built = new ConcurrentHashMap<>();

    /**
     * @param inListener whether a VirtualService is one the egress listener of the port imports (bound to mesh,
     *                   exported to the sidecar's namespace, imported by its Sidecar); they are taken in Istio's
     *                   order (the proxy's namespace, exported to it, public; each by creation)
     */
    SidecarVirtualHosts(SidecarScope scope, int port, VirtualServices virtualServices,
                        Predicate<CompiledVirtualService> inListener) {
        this.scope = scope;
        this.port = port;
        this.virtualServices = virtualServices;
        this.inListener = inListener;
        this.listenerOrder = VirtualServices.precedence(scope.namespace());
    }

    /** Whether the listener has a service of this name with the port, and whether the port is HTTP there. */
    private Optional<Boolean> service(String name) {
        return scope.serviceOnPort(name, port);
    }

    /** The listener's VirtualServices with exactly the host {@code host}, in the listener's order. */
    private List<CompiledVirtualService> withHost(String host) {
        List<CompiledVirtualService> out = new ArrayList<>(1);
        for (CompiledVirtualService vs : virtualServices.withHost(host)) {
            if (inListener.test(vs)) {
                out.add(vs);
            }
        }
        out.sort(listenerOrder);
        return out;
    }

    /**
     * config.go MostSpecificHostMatch over the first VirtualService of each host: the exact host, else the longest
     * wildcard host covering the service (a wildcard service is covered by a wildcard with its suffix).
     */
    private Optional<CompiledVirtualService> mostSpecific(String svc) {
        List<CompiledVirtualService> same = withHost(svc);
        if (!same.isEmpty()) {
            return Optional.of(same.get(0));
        }
        String needle = HostName.isWildcard(svc) ? svc.substring(1) : svc;
        for (String w : virtualServices.wildcardHostsEnding(needle)) {
            List<CompiledVirtualService> vss = withHost(w);
            if (!vss.isEmpty()) {
                return Optional.of(vss.get(0));
            }
        }
        return Optional.empty();
    }

    private Built built(CompiledVirtualService vs) {
        Built b = built.get(vs);
        if (b == null) {
            b = build(vs);
            built.putIfAbsent(vs, b);
        }
        return b;
    }

    private Built build(CompiledVirtualService vs) {
        // "This is hack to keep consistent with previous behavior": port 80 keeps every VirtualService
        if (port != 80 && !namesAService(vs)) {
            return Built.silent("none of its hosts " + vs.hosts() + " matches a service with port " + port);
        }
        List<String> outside = new ArrayList<>();
        Map<String, String> matched = new LinkedHashMap<>(); // service -> VS host
        for (String h : vs.hosts()) {
            if (!HostName.isWildcard(h)) {
                if (service(h).isPresent()) {
                    matched.putIfAbsent(h, h);
                } else {
                    outside.add(h);
                }
                continue;
            }
            Map<String, Boolean> covered = scope.servicesOverlapping(h, port);
            for (String svc : covered.keySet()) {
                if (mostSpecific(svc).orElse(null) == vs) {
                    matched.putIfAbsent(svc, h);
                }
            }
            if (covered.isEmpty()) {
                outside.add(h);
            }
        }
        List<String> httpServices = matched.keySet().stream().filter(svc -> service(svc).orElse(false)).toList();
        if (httpServices.isEmpty() && port != 80) {
            return Built.silent(outside.isEmpty() ? "it is the most specific VirtualService of no service with "
                    + "HTTP port " + port : "its hosts " + outside + " are outside the registry, and those get a "
                    + "virtual host on port 80, or on the HTTP ports of the services its other hosts name, of "
                    + "which it has none on port " + port);
        }
        matched.keySet().retainAll(httpServices);
        return new Built(Optional.empty(), List.copyOf(outside), matched, httpServices);
    }

    /** httproute.go selectVirtualServices: some host matches (either way) a service of the port. */
    private boolean namesAService(CompiledVirtualService vs) {
        for (String h : vs.hosts()) {
            if (!scope.servicesOverlapping(h, port).isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The would-be owners of {@code domain}, in the order the route configuration's builder meets them: the
     * listener's VirtualServices that build it, then the service's default route. Empty when the domain does not
     * exist on this port.
     */
    List<Owner> owners(String domain) {
        Optional<Boolean> svc = service(domain);
        List<CompiledVirtualService> candidates = withHost(domain);
        if (svc.isPresent()) {
            Optional<CompiledVirtualService> claims = mostSpecific(domain).filter(vs -> !candidates.contains(vs));
            if (claims.isPresent()) {
                candidates.add(claims.get());
                candidates.sort(listenerOrder);
            }
        }
        List<Owner> out = new ArrayList<>(candidates.size() + 1);
        for (CompiledVirtualService vs : candidates) {
            Built b = built(vs);
            if (b.silent().isPresent()) {
                continue;
            }
            if (b.outside().contains(domain)) {
                out.add(new ByVirtualService(vs, domain, "host " + domain + " names no service with port " + port
                        + " (outside the registry, on " + (b.httpServices().isEmpty() ? "port 80" : "the port of "
                        + b.httpServices()) + ")"));
            } else if (b.matched().containsKey(domain)) {
                String h = b.matched().get(domain);
                out.add(new ByVirtualService(vs, h, h.equals(domain) ? "host " + h + " is the service " + domain
                        : "host " + h + " is the most specific VirtualService host for service " + domain));
            }
        }
        if (svc.orElse(false)) {
            out.add(new ByService(domain));
        }
        return out;
    }

    /**
     * The domains that exist for {@code host}, in Envoy's order (exact, then the longest suffix wildcard, then "*"),
     * each with its owners.
     */
    List<Domain> domainsFor(String host) {
        List<Domain> out = new ArrayList<>(2);
        for (String p : RouteHosts.candidatePatterns(host)) {
            List<Owner> owners = owners(p);
            if (!owners.isEmpty()) {
                out.add(new Domain(p, owners));
            }
        }
        return out;
    }

    record Choice(String domain, Owner owner) {
        String describe() {
            return switch (owner) {
                case ByVirtualService v -> v.vs().label() + " (" + v.why() + ")";
                case ByService s -> "the default route of service " + s.service();
            };
        }
    }

    /** Why {@code vs} builds no virtual host on this port, if so. */
    Optional<String> silentReason(CompiledVirtualService vs) {
        return inListener.test(vs) ? built(vs).silent() : Optional.empty();
    }

    /** The VirtualService whose host is the most specific one for {@code service} (MostSpecificHostMatch). */
    Optional<CompiledVirtualService> mostSpecificFor(String service) {
        return service(service).isPresent() ? mostSpecific(service) : Optional.empty();
    }
}
