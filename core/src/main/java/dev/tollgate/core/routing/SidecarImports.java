package dev.tollgate.core.routing;

import dev.tollgate.core.model.net.HostPattern;
import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.model.Resource;
import io.fabric8.istio.api.api.networking.v1alpha3.IstioEgressListener;
import io.fabric8.istio.api.api.networking.v1alpha3.Sidecar;

import java.util.List;
import java.util.Optional;

/**
 * Which VirtualServices a Sidecar's egress listener imports. IstioEgressListener.hosts: "The corresponding service
 * can be a service in the service registry (e.g., a Kubernetes or cluster service) or a service specified using a
 * ServiceEntry or VirtualService configuration"; Istio's SelectVirtualServices keeps a VirtualService when one of
 * its hosts matches an imported {@code namespace/dnsName} for its namespace (or {@code *}). No Sidecar, or a
 * Sidecar without egress, imports everything.
 */
record SidecarImports(Optional<List<String>> hosts, String workloadNamespace) {
    static final SidecarImports ALL = new SidecarImports(Optional.empty(), "");

    /** The egress listener for {@code port} (Istio: the one with that port, else the catch-all). */
    static SidecarImports of(Optional<Resource<Sidecar>> sidecar, String workloadNamespace, int port) {
        if (sidecar.isEmpty() || sidecar.get().spec().getEgress() == null
                || sidecar.get().spec().getEgress().isEmpty()) {
            return ALL;
        }
        List<IstioEgressListener> egress = sidecar.get().spec().getEgress();
        IstioEgressListener chosen = null;
        for (IstioEgressListener l : egress) {
            if (l.getPort() != null && l.getPort().getNumber() != null && l.getPort().getNumber() == port) {
                chosen = l;
                break;
            }
        }
        if (chosen == null) {
            chosen = egress.stream().filter(l -> l.getPort() == null).findFirst().orElse(null);
        }
        if (chosen == null) {
            return new SidecarImports(Optional.of(List.of()), workloadNamespace); // no listener: nothing imported
        }
        return new SidecarImports(Optional.of(chosen.getHosts() == null ? List.of() : List.copyOf(chosen.getHosts())),
                workloadNamespace);
    }

    boolean imports(CompiledVirtualService vs) {
        if (hosts.isEmpty()) {
            return true;
        }
        String vsNamespace = vs.resource().namespace();
        for (String h : hosts.get()) {
            int slash = h.indexOf('/');
            if (slash < 0) {
                continue; // illegal: Istio skips it
            }
            String ns = h.substring(0, slash);
            String dns = HostName.fold(h.substring(slash + 1));
            if (ns.equals(".")) {
                ns = workloadNamespace;
            }
            if (!(ns.equals("*") || ns.equals(vsNamespace)) || dns.equals("~")) {
                continue;
            }
            for (String vh : vs.hosts()) {
                if (dns.equals("*") || HostPattern.overlaps(dns, vh)) {
                    return true;
                }
            }
        }
        return false;
    }
}
