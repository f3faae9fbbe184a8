package dev.tollgate.core.routing;

import io.fabric8.istio.api.api.networking.v1alpha3.Destination;

/**
 * A route destination: "host ... subset ... port". {@code port} 0 means unspecified: Istio then uses the
 * service's only port, or the listener port. Short host names are qualified in the VirtualService's namespace.
 */
public record RouteTarget(String host, String subset, int port, int weight) {

    static RouteTarget of(Destination d, Integer weight, String vsNamespace) {
        String host = d == null || d.getHost() == null ? "" : RouteHosts.qualify(d.getHost(), vsNamespace);
        String subset = d == null || d.getSubset() == null ? "" : d.getSubset();
        int port = d == null || d.getPort() == null || d.getPort().getNumber() == null ? 0
                : d.getPort().getNumber().intValue();
        return new RouteTarget(host, subset, port, weight == null ? 0 : weight);
    }

    String describe() {
        return host + (port > 0 ? ":" + port : "") + (subset.isEmpty() ? "" : " subset " + subset);
    }
}
