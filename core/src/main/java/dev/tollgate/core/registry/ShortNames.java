package dev.tollgate.core.registry;

import dev.tollgate.core.model.KubernetesService;

import java.util.List;
import java.util.Optional;

/**
 * The other names a sidecar answers to for a service under {@code .svc.} and the cluster domain: Istio's
 * {@code generateAltVirtualHostsForKubernetesService} (pilot/pkg/networking/core/httproute.go), for a proxy whose DNS
 * domain is {@code NAMESPACE.svc.} and the cluster domain ({@code pilot-agent getDNSDomain}). For
 * {@code db.shop.svc.cluster.local}:
 * <ul>
 *   <li>seen from namespace {@code shop}: {@code db}, {@code db.shop.svc}, {@code db.shop};</li>
 *   <li>seen from any other namespace: {@code db.shop}, {@code db.shop.svc}, never the bare {@code db}.</li>
 * </ul>
 * Istio adds these to the service's virtual host domains, for ServiceEntry hosts of that form as for Services, and
 * drops one that is the exact host of another service on the port ({@code dedupeDomains}, {@code knownFQDNs}): an
 * exact host wins. A pod's DNS search path ({@code NAMESPACE.svc.cluster.local svc.cluster.local cluster.local})
 * gives TCP clients the same names. A host whose labels do not have that form has no other name.
 */
final class ShortNames {
    private static final String SVC = ".svc.";
    private static final String SUFFIX = SVC + KubernetesService.CLUSTER_DOMAIN;

    private ShortNames() {
    }

    /** Istio's list for {@code serviceHost} (folded), seen from {@code namespace}; empty when it has none. */
    static List<String> of(String serviceHost, String namespace) {
        if (!serviceHost.endsWith(SUFFIX)) {
            return List.of();
        }
        int svc = serviceHost.indexOf(SVC);
        int dot = serviceHost.indexOf('.');
        if (svc <= 0 || dot + 1 >= serviceHost.length() || dot + 1 > svc) {
            return List.of();
        }
        String upToSvc = serviceHost.substring(0, svc);
        return serviceHost.substring(dot + 1, svc).equals(namespace)
                ? List.of(serviceHost.substring(0, dot), upToSvc + ".svc", upToSvc)
                : List.of(upToSvc, upToSvc + ".svc");
    }

    /**
     * The one service host that has {@code requested} (folded) among its other names when seen from
     * {@code namespace}: {@code db} stands for {@code db.NAMESPACE.svc.cluster.local}, {@code db.shop} and
     * {@code db.shop.svc} for {@code db.shop.svc.cluster.local}. Empty when {@code requested} is nobody's other name.
     */
    static Optional<String> expand(String requested, String namespace) {
        if (requested.isEmpty() || requested.startsWith("*")) {
            return Optional.empty();
        }
        String full = requested.endsWith(".svc") ? requested + "." + KubernetesService.CLUSTER_DOMAIN
                : requested.indexOf('.') < 0 ? requested + "." + namespace + SUFFIX
                : requested + SUFFIX;
        return of(full, namespace).contains(requested) ? Optional.of(full) : Optional.empty();
    }
}
