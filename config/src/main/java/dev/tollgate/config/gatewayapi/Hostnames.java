package dev.tollgate.config.gatewayapi;

import dev.tollgate.core.model.net.HostPattern;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Istio's host-name set operations ({@code pkg/config/host/names.go}) as the Gateway API conversion uses them. */
final class Hostnames {
    private Hostnames() {
    }

    /**
     * {@code hostnameToStringList} (conversion.go): "In the Istio API, empty hostname is not allowed. In the
     * Kubernetes API hosts means 'any'".
     */
    static List<String> orAny(List<String> hostnames) {
        return hostnames == null || hostnames.isEmpty() ? List.of("*") : List.copyOf(hostnames);
    }

    /** {@code Names.Intersection}: for each overlapping pair, the narrower of the two. */
    static List<String> intersection(List<String> a, List<String> b) {
        Set<String> out = new LinkedHashSet<>();
        for (String x : a) {
            for (String y : b) {
                if (HostPattern.matches(y, x)) {
                    out.add(x);
                } else if (HostPattern.matches(x, y)) {
                    out.add(y);
                }
            }
        }
        return new ArrayList<>(out);
    }
}
