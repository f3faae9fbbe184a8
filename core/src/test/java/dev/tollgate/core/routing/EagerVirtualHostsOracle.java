package dev.tollgate.core.routing;

import dev.tollgate.core.model.net.HostPattern;
import dev.tollgate.core.model.net.HostName;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The sidecar's virtual-host table as it was built before it was read domain by domain: every domain of the port at
 * once, from the listener's VirtualServices and every service of the port. Kept only as the oracle of
 * {@link VirtualHostsDifferentialTest}: the lazy table must give every domain the same owners.
 */
final class EagerVirtualHostsOracle {

    private static SidecarVirtualHosts.Owner byVs(CompiledVirtualService vs, String host, String why) {
        return new SidecarVirtualHosts.ByVirtualService(vs, host, why);
    }

    private final int port;
    private final Map<String, List<SidecarVirtualHosts.Owner>> byDomain;
    /** VirtualServices of the listener that build no virtual host on this port, and why. */
    private final Map<CompiledVirtualService, String> silent;
    /** Service -> the VirtualService whose wildcard host is its most specific one (for explanations). */
    private final Map<String, CompiledVirtualService> mostSpecific;

    private EagerVirtualHostsOracle(int port, Map<String, List<SidecarVirtualHosts.Owner>> byDomain,
                                Map<CompiledVirtualService, String> silent,
                                Map<String, CompiledVirtualService> mostSpecific) {
        this.port = port;
        this.byDomain = byDomain;
        this.silent = silent;
        this.mostSpecific = mostSpecific;
    }

    /**
     * @param listenerVs the VirtualServices bound to mesh that the egress listener imports, in Istio's order
     *                   (the proxy's namespace, exported to it, public; each by creation)
     * @param services   the egress listener's services that declare {@code port}, each with whether it is HTTP
     */
    static EagerVirtualHostsOracle build(List<CompiledVirtualService> listenerVs, Map<String, Boolean> services,
                                     int port) {
        Map<String, CompiledVirtualService> fqdn = new HashMap<>();
        Map<String, CompiledVirtualService> wildcard = new HashMap<>();
        for (CompiledVirtualService vs : listenerVs) {
            for (String h : vs.hosts()) {
                (HostName.isWildcard(h) ? wildcard : fqdn).putIfAbsent(h, vs);
            }
        }
        Map<String, CompiledVirtualService> index = new HashMap<>();
        for (String svc : services.keySet()) {
            mostSpecificVs(svc, fqdn, wildcard).ifPresent(vs -> index.put(svc, vs));
        }
        List<String> wildcardServices = services.keySet().stream().filter(HostName::isWildcard).toList();
        Map<String, List<SidecarVirtualHosts.Owner>> byDomain = new LinkedHashMap<>();
        Map<CompiledVirtualService, String> silent = new HashMap<>();
        for (CompiledVirtualService vs : listenerVs) {
            // "This is hack to keep consistent with previous behavior": port 80 keeps every VirtualService
            if (port != 80 && !namesAService(vs, services, wildcardServices)) {
                silent.put(vs, "none of its hosts " + vs.hosts() + " matches a service with port " + port);
                continue;
            }
            List<String> outside = new ArrayList<>();
            Map<String, String> matched = new LinkedHashMap<>(); // service -> VS host
            for (String h : vs.hosts()) {
                if (!HostName.isWildcard(h)) {
                    if (services.containsKey(h)) {
                        matched.putIfAbsent(h, h);
                    } else {
                        outside.add(h);
                    }
                    continue;
                }
                boolean coversAny = false;
                for (String svc : services.keySet()) {
                    if (HostPattern.overlaps(svc, h)) {
                        coversAny = true;
                        if (index.get(svc) == vs) {
                            matched.putIfAbsent(svc, h);
                        }
                    }
                }
                if (!coversAny) {
                    outside.add(h);
                }
            }
            List<String> httpServices = matched.keySet().stream().filter(services::get).toList();
            if (httpServices.isEmpty() && port != 80) {
                silent.put(vs, (outside.isEmpty() ? "it is the most specific VirtualService of no service with "
                        + "HTTP port " + port : "its hosts " + outside + " are outside the registry, and those get a "
                        + "virtual host on port 80, or on the HTTP ports of the services its other hosts name, of "
                        + "which it has none on port " + port));
                continue;
            }
            for (String h : outside) {
                add(byDomain, h, byVs(vs, h, "host " + h + " names no service with port " + port
                        + " (outside the registry, on " + (httpServices.isEmpty() ? "port 80" : "the port of "
                        + httpServices) + ")"));
            }
            for (String svc : httpServices) {
                String h = matched.get(svc);
                add(byDomain, svc, byVs(vs, h, h.equals(svc) ? "host " + h + " is the service "
                        + svc : "host " + h + " is the most specific VirtualService host for service " + svc));
            }
        }
        for (var e : services.entrySet()) {
            if (e.getValue()) {
                add(byDomain, e.getKey(), new SidecarVirtualHosts.ByService(e.getKey()));
            }
        }
        byDomain.replaceAll((k, v) -> List.copyOf(v));
        return new EagerVirtualHostsOracle(port, byDomain, silent, index);
    }

    private static void add(Map<String, List<SidecarVirtualHosts.Owner>> byDomain, String domain, SidecarVirtualHosts.Owner owner) {
        byDomain.computeIfAbsent(domain, k -> new ArrayList<>()).add(owner);
    }

    /** httproute.go selectVirtualServices: some host matches (either way) a service of the port. */
    private static boolean namesAService(CompiledVirtualService vs, Map<String, Boolean> services,
                                         List<String> wildcardServices) {
        for (String h : vs.hosts()) {
            if (services.containsKey(h)) {
                return true;
            }
            // an exact host can only match a wildcard service; a wildcard host may match any
            for (String svc : HostName.isWildcard(h) ? services.keySet() : wildcardServices) {
                if (HostPattern.overlaps(h, svc)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * config.go MostSpecificHostMatch over the first VirtualService of each host: the exact host, else the longest
     * wildcard host covering the service (a wildcard service is covered by a wildcard with its suffix).
     */
    private static Optional<CompiledVirtualService> mostSpecificVs(String svc, Map<String, CompiledVirtualService> fqdn,
                                                                   Map<String, CompiledVirtualService> wildcard) {
        String needle;
        if (HostName.isWildcard(svc)) {
            if (wildcard.containsKey(svc)) {
                return Optional.of(wildcard.get(svc));
            }
            needle = svc.substring(1);
        } else {
            if (fqdn.containsKey(svc)) {
                return Optional.of(fqdn.get(svc));
            }
            needle = svc;
        }
        String best = null;
        for (String w : wildcard.keySet()) {
            if (needle.endsWith(w.substring(1)) && (best == null || w.length() > best.length())) {
                best = w;
            }
        }
        return Optional.ofNullable(best).map(wildcard::get);
    }

    int port() {
        return port;
    }

    /** The domains that match {@code host}, in Envoy's order: exact, then the longest suffix wildcard, then "*". */
    List<String> domainsFor(String host) {
        List<String> out = new ArrayList<>();
        for (String p : RouteHosts.candidatePatterns(host)) {
            if (byDomain.containsKey(p)) {
                out.add(p);
            }
        }
        return out;
    }

    boolean hasDomain(String domain) {
        return byDomain.containsKey(domain);
    }

    List<SidecarVirtualHosts.Owner> owners(String domain) {
        return byDomain.getOrDefault(domain, List.of());
    }

    /** Why {@code vs} builds no virtual host on this port, if so. */
    Optional<String> silentReason(CompiledVirtualService vs) {
        return Optional.ofNullable(silent.get(vs));
    }

    /** The VirtualService whose host is the most specific one for {@code service} (MostSpecificHostMatch). */
    Optional<CompiledVirtualService> mostSpecificFor(String service) {
        return Optional.ofNullable(mostSpecific.get(service));
    }
}
