package dev.tollgate.core.registry;

import dev.tollgate.core.model.PortProtocol;
import io.fabric8.istio.api.api.networking.v1alpha3.IstioEgressListener;
import io.fabric8.istio.api.api.networking.v1alpha3.SidecarPort;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One {@code egress[]} listener of a Sidecar as seen from one workload namespace (Istio's
 * {@code IstioEgressListenerWrapper}). {@code .} in {@code ns/host} stands for that workload namespace, also when the
 * Sidecar is the root namespace's default.
 *
 * @param index      the position in {@code spec.egress}, or -1 for the implicit {@code *}/{@code *} listener
 * @param port       the listener's port number; empty for the catch-all listener
 * @param matchPort  Istio's {@code needsPortMatch}: a listener with a port (other than {@code HTTP_PROXY}) imports
 *                   only services that declare that port
 */
record EgressListener(int index, Optional<Integer> port, boolean matchPort, Map<String, ImportedHosts> byNamespace,
                      List<String> hosts, List<String> illegalHosts) {

    static final String ANY_NAMESPACE = "*";

    /** The listener Istio uses when a Sidecar has no egress, and when no Sidecar applies: it imports {@code *}/{@code *}. */
    static EgressListener importAll() {
        ImportedHosts all = new ImportedHosts();
        all.add("*");
        return new EgressListener(-1, Optional.empty(), false, Map.of(ANY_NAMESPACE, all), List.of("*/*"), List.of());
    }

    static EgressListener of(int index, IstioEgressListener spec, String workloadNamespace) {
        Map<String, ImportedHosts> byNamespace = new HashMap<>();
        List<String> hosts = spec.getHosts() == null ? List.of() : List.copyOf(spec.getHosts());
        List<String> illegal = new ArrayList<>();
        for (String h : hosts) {
            int slash = h.indexOf('/');
            if (slash < 0 || h.indexOf('/', slash + 1) >= 0) {
                // Istio logs "Illegal host in sidecar resource" and skips it: it imports nothing
                illegal.add(h);
                continue;
            }
            String ns = h.substring(0, slash);
            if (ns.equals(".")) {
                ns = workloadNamespace;
            }
            byNamespace.computeIfAbsent(ns, k -> new ImportedHosts()).add(h.substring(slash + 1));
        }
        SidecarPort p = spec.getPort();
        Optional<Integer> port = p == null ? Optional.empty()
                : Optional.of(p.getNumber() == null ? 0 : p.getNumber().intValue());
        boolean matchPort = port.isPresent() && port.get() != 0
                && PortProtocol.parse(p.getProtocol()) != PortProtocol.HTTP_PROXY;
        return new EgressListener(index, port, matchPort, Map.copyOf(byNamespace), hosts, List.copyOf(illegal));
    }

    boolean catchAll() {
        return port.isEmpty();
    }

    /**
     * Istio's {@code selectServices}: an explicit import for the entry's namespace ({@code ns/...}) is tried first;
     * if it does not cover the host, an import for any namespace ({@code *}/{@code ...}) is tried.
     */
    boolean imports(ServiceHost s) {
        ImportedHosts own = byNamespace.get(s.namespace());
        boolean imported = own != null && own.imports(s.host());
        if (!imported) {
            ImportedHosts any = byNamespace.get(ANY_NAMESPACE);
            imported = any != null && any.imports(s.host());
        }
        return imported && (!matchPort || s.hasPort(port.get()));
    }

    /**
     * {@code sidecar.go matchingAliasService}: an alias of {@code concrete} comes along when the import that brought
     * in {@code concrete} (its namespace's {@code ns/host}s if they do, else the {@code *}/ ones) also covers the
     * alias's own host.
     */
    boolean importsAlias(ServiceHost concrete, String aliasHost) {
        ImportedHosts own = byNamespace.get(concrete.namespace());
        if (own != null && own.imports(concrete.host()) && (!matchPort || concrete.hasPort(port.get()))) {
            return own.imports(aliasHost);
        }
        ImportedHosts any = byNamespace.get(ANY_NAMESPACE);
        return any != null && any.imports(aliasHost);
    }

    /** Without the port condition: does a {@code ns/host} of this listener cover the entry's host. */
    boolean importsHost(ServiceHost s) {
        ImportedHosts own = byNamespace.get(s.namespace());
        if (own != null && own.imports(s.host())) {
            return true;
        }
        ImportedHosts any = byNamespace.get(ANY_NAMESPACE);
        return any != null && any.imports(s.host());
    }
}
