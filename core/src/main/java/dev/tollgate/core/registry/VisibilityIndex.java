package dev.tollgate.core.registry;

import dev.tollgate.core.model.net.IpAddress;
import dev.tollgate.core.model.net.IpPrefix;

import dev.tollgate.core.model.KubernetesService;
import dev.tollgate.core.model.Visibility;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which entry hosts each namespace can see, layered as Istio's {@code ServiceIndex}: entries private to a namespace,
 * then entries exported to it by name, then public entries. Public entries are indexed once, not per namespace, so
 * compile stays linear in the number of entries. Within a layer, entries keep {@link ServiceHost#order()}.
 */
final class VisibilityIndex {
    private static final List<ServiceHost> NONE = List.of();

    private final Map<String, List<ServiceHost>> publicByHost = new HashMap<>();
    private final Map<String, Map<String, List<ServiceHost>>> privateByNamespace = new HashMap<>();
    private final Map<String, Map<String, List<ServiceHost>>> exportedToNamespace = new HashMap<>();
    /** Every entry host, visible or not, for explain. */
    private final Map<String, List<ServiceHost>> allByHost = new HashMap<>();
    /** Entry hosts by masked {@code addresses} prefix ({@link IpPrefix}, equal when the masked networks are), whatever their visibility. */
    private final Map<IpPrefix, List<ServiceHost>> byAddress = new HashMap<>();
    /** The prefix lengths in use, longest first, per address length (4 or 16 bytes). */
    private final int[] v4Bits;
    private final int[] v6Bits;

    /**
     * Every entry host name, reversed character by character: the names that end with a suffix are one range, so
     * a VirtualService's wildcard host finds the services it covers without a walk over the whole registry.
     */
    private final java.util.NavigableSet<String> reversedNames = new TreeSet<>();
    /** The lengths of the suffixes (after the "*") of the wildcard host names, to probe for those covering a name. */
    private final java.util.BitSet wildcardSuffixLengths = new java.util.BitSet();

    /** Port number -> the entry host names some entry of which declares that port, in the registry's order. */
    private final Map<Long, List<String>> namesByPort = new HashMap<>();

    /** ExternalName Services by their own host: aliases, which are never candidates themselves. */
    private final Map<String, KubernetesService> aliases;

    VisibilityIndex(List<ServiceHost> hosts) {
        this(hosts, Map.of());
    }

    /** {@code hosts} must already be in Istio's order. */
    VisibilityIndex(List<ServiceHost> hosts, Map<String, KubernetesService> aliases) {
        this.aliases = Map.copyOf(aliases);
        for (ServiceHost s : hosts) {
            allByHost.computeIfAbsent(s.host(), k -> new ArrayList<>(1)).add(s);
            Visibility e = s.exportTo();
            switch (e.scope()) {
                case PUBLIC -> publicByHost.computeIfAbsent(s.host(), k -> new ArrayList<>(1)).add(s);
                case NONE -> { }
                case NAMESPACES -> {
                    for (String ns : e.namespaces(s.namespace())) {
                        var layer = ns.equals(s.namespace()) ? privateByNamespace : exportedToNamespace;
                        layer.computeIfAbsent(ns, k -> new HashMap<>())
                                .computeIfAbsent(s.host(), k -> new ArrayList<>(1)).add(s);
                    }
                }
            }
        }
        TreeSet<Integer> b4 = new TreeSet<>(Comparator.reverseOrder());
        TreeSet<Integer> b6 = new TreeSet<>(Comparator.reverseOrder());
        for (ServiceHost s : hosts) {
            List<String> addresses = s.entry().spec().getAddresses();
            for (String a : addresses == null ? List.<String>of() : addresses) {
                IpPrefix.parse(a).ifPresent(p -> {
                    (p.isIpv4() ? b4 : b6).add(p.bits());
                    List<ServiceHost> l = byAddress.computeIfAbsent(p, k -> new ArrayList<>(1));
                    if (!l.contains(s)) {
                        l.add(s);
                    }
                });
            }
        }
        v4Bits = b4.stream().mapToInt(Integer::intValue).toArray();
        v6Bits = b6.stream().mapToInt(Integer::intValue).toArray();
        for (ServiceHost s : hosts) {
            for (var p : s.ports()) {
                if (p.getNumber() != null) {
                    List<String> names = namesByPort.computeIfAbsent(p.getNumber(), k -> new ArrayList<>());
                    if (names.isEmpty() || !names.get(names.size() - 1).equals(s.host())) {
                        names.add(s.host());
                    }
                }
            }
        }
        namesByPort.replaceAll((k, v) -> List.copyOf(new java.util.LinkedHashSet<>(v)));
        for (String h : allByHost.keySet()) {
            reversedNames.add(new StringBuilder(h).reverse().toString());
            if (dev.tollgate.core.model.net.HostName.isWildcard(h)) {
                wildcardSuffixLengths.set(h.length() - 1);
            }
        }
        freeze(byAddress);
        freeze(publicByHost);
        freeze(allByHost);
        privateByNamespace.values().forEach(VisibilityIndex::freeze);
        exportedToNamespace.values().forEach(VisibilityIndex::freeze);
    }

    private static <K> void freeze(Map<K, List<ServiceHost>> m) {
        m.replaceAll((k, v) -> List.copyOf(v));
    }

    /**
     * Every entry host a client in {@code namespace} can see, in any layer, by name or by address; with the
     * ExternalName aliases, whose names stand for the services they point at. For the per-proxy view: a superset
     * of what any lookup from the namespace can choose.
     */
    List<ServiceHost> visibleTo(String namespace) {
        List<ServiceHost> out = new ArrayList<>();
        allByHost.values().forEach(l -> l.stream().filter(s -> visible(s, namespace)).forEach(out::add));
        return out;
    }

    java.util.Collection<KubernetesService> aliases() {
        return aliases.values();
    }

    private static boolean visible(ServiceHost s, String namespace) {
        return switch (s.exportTo().scope()) {
            case PUBLIC -> true;
            case NONE -> false;
            case NAMESPACES -> s.exportTo().namespaces(s.namespace()).contains(namespace);
        };
    }

    List<ServiceHost> privateTo(String namespace, String host) {
        Map<String, List<ServiceHost>> m = privateByNamespace.get(namespace);
        return m == null ? NONE : m.getOrDefault(host, NONE);
    }

    List<ServiceHost> exportedTo(String namespace, String host) {
        Map<String, List<ServiceHost>> m = exportedToNamespace.get(namespace);
        return m == null ? NONE : m.getOrDefault(host, NONE);
    }

    List<ServiceHost> publicHosts(String host) {
        return publicByHost.getOrDefault(host, NONE);
    }

    /**
     * The entries whose {@code addresses} contain {@code ip}, grouped by prefix, the longest prefix first (Envoy picks
     * the filter chain with the longest matching destination prefix).
     */
    List<List<ServiceHost>> byAddress(IpAddress ip) {
        int[] bits = ip.isIpv4() ? v4Bits : v6Bits;
        List<List<ServiceHost>> out = new ArrayList<>(1);
        for (int b : bits) {
            List<ServiceHost> l = byAddress.get(IpPrefix.of(ip, b));
            if (l != null) {
                out.add(l);
            }
        }
        return out;
    }

    /** Every entry host name (exact or wildcard) in the registry, whatever its visibility. */
    Set<String> hostNames() {
        return Collections.unmodifiableSet(allByHost.keySet());
    }

    /** The entry host names of which some entry declares port {@code number}, whatever its visibility. */
    List<String> hostNamesWithPort(int number) {
        return namesByPort.getOrDefault((long) number, List.of());
    }

    /**
     * The entry host names that may overlap {@code pattern} ({@code HostPattern.overlaps}): the names ending in a
     * wildcard pattern's suffix, and the wildcard names whose suffix ends {@code pattern}. A superset: the caller
     * applies the relation itself.
     */
    java.util.Collection<String> hostNamesNear(String pattern) {
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        if (dev.tollgate.core.model.net.HostName.isWildcard(pattern)) {
            String from = new StringBuilder(pattern.substring(1)).reverse().toString();
            for (String r : reversedNames.tailSet(from, true)) {
                if (!r.startsWith(from)) {
                    break;
                }
                out.add(new StringBuilder(r).reverse().toString());
            }
        } else if (allByHost.containsKey(pattern)) {
            out.add(pattern);
        }
        for (int n = wildcardSuffixLengths.nextSetBit(0); n >= 0 && n <= pattern.length();
             n = wildcardSuffixLengths.nextSetBit(n + 1)) {
            String w = "*" + pattern.substring(pattern.length() - n);
            if (allByHost.containsKey(w)) {
                out.add(w);
            }
        }
        return out;
    }

    /** The ExternalName Service whose host is exactly {@code host}, whatever its visibility. */
    java.util.Optional<KubernetesService> alias(String host) {
        return java.util.Optional.ofNullable(aliases.get(host));
    }

    /** Every entry host whose name is exactly {@code host}, whatever its visibility. */
    List<ServiceHost> all(String host) {
        return allByHost.getOrDefault(host, NONE);
    }
}
