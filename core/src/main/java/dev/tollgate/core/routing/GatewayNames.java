package dev.tollgate.core.routing;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * VirtualService gateway references: "Gateways in other namespaces may be referred to by
 * {@code <gateway namespace>/<gateway name>}; specifying a gateway with no namespace qualifier is the same as
 * specifying the VirtualService's namespace". The reserved word {@code mesh} means all sidecars.
 */
final class GatewayNames {
    static final String MESH = "mesh";

    private GatewayNames() {
    }

    static String resolve(String ref, String vsNamespace) {
        String r = ref.trim();
        if (r.equals(MESH)) {
            return MESH;
        }
        // Istio also accepts the legacy "name.namespace.svc.cluster.local" form.
        if (!r.contains("/") && r.endsWith("." + RouteHosts.DOMAIN_SUFFIX)) {
            String[] parts = r.split("\\.");
            if (parts.length >= 2) {
                return parts[1] + "/" + parts[0];
            }
        }
        return r.contains("/") ? r : vsNamespace + "/" + r;
    }

    static Set<String> resolveAll(List<String> refs, String vsNamespace) {
        Set<String> out = new LinkedHashSet<>();
        if (refs != null) {
            for (String r : refs) {
                out.add(resolve(r, vsNamespace));
            }
        }
        return out;
    }
}
