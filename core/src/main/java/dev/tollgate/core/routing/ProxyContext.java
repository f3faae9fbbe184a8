package dev.tollgate.core.routing;

import java.util.Map;
import java.util.Set;

/**
 * The facts Istio evaluates statically when it builds a proxy's routes: which gateway names the proxy serves
 * ({@code mesh} for sidecars, {@code ns/name} of the Gateway for a gateway server), the proxy's labels and
 * namespace, and the listener port; {@code gateway} is true for a Gateway server.
 */
record ProxyContext(Set<String> gatewayNames, Map<String, String> labels, String namespace, int port,
                    boolean gateway) {
    ProxyContext {
        gatewayNames = Set.copyOf(gatewayNames);
        labels = Map.copyOf(labels);
    }

    boolean hasLabels(Map<String, String> required) {
        for (var e : required.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
