package dev.tollgate.core.routing;

import dev.tollgate.core.model.LabelSelector;

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

    /** A match's {@code sourceLabels}: Istio's {@code labels.Instance(match.SourceLabels).SubsetOf(proxyLabels)}. */
    boolean hasLabels(Map<String, String> required) {
        return LabelSelector.of(required).matches(labels);
    }
}
