package dev.tollgate.core.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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

    /** {@code hosts} must already be in Istio's order. */
    VisibilityIndex(List<ServiceHost> hosts) {
        for (ServiceHost s : hosts) {
            allByHost.computeIfAbsent(s.host(), k -> new ArrayList<>(1)).add(s);
            ExportTo e = s.exportTo();
            switch (e.scope()) {
                case PUBLIC -> publicByHost.computeIfAbsent(s.host(), k -> new ArrayList<>(1)).add(s);
                case NONE -> { }
                case NAMESPACES -> {
                    for (String ns : e.namespaces()) {
                        var layer = ns.equals(s.namespace()) ? privateByNamespace : exportedToNamespace;
                        layer.computeIfAbsent(ns, k -> new HashMap<>())
                                .computeIfAbsent(s.host(), k -> new ArrayList<>(1)).add(s);
                    }
                }
            }
        }
        freeze(publicByHost);
        freeze(allByHost);
        privateByNamespace.values().forEach(VisibilityIndex::freeze);
        exportedToNamespace.values().forEach(VisibilityIndex::freeze);
    }

    private static void freeze(Map<String, List<ServiceHost>> m) {
        m.replaceAll((k, v) -> List.copyOf(v));
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

    /** Every entry host whose name is exactly {@code host}, whatever its visibility. */
    List<ServiceHost> all(String host) {
        return allByHost.getOrDefault(host, NONE);
    }
}
