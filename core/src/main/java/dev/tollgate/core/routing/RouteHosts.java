package dev.tollgate.core.routing;

import dev.tollgate.core.model.net.HostName;

import java.util.ArrayList;
import java.util.List;

/** Host names as routing resources write them. */
final class RouteHosts {
    /** Istio's default DNS domain suffix for Kubernetes services. */
    static final String DOMAIN_SUFFIX = "svc." + dev.tollgate.core.model.KubernetesService.CLUSTER_DOMAIN;

    private RouteHosts() {
    }

    /**
     * VirtualService/DestinationRule hosts: "short names (e.g. reviews instead of reviews.default.svc.cluster.local)
     * will be interpreted ... based on the namespace of the rule". Wildcards, FQDNs and IPs stay as written.
     */
    static String qualify(String host, String namespace) {
        return HostName.qualify(host, namespace);
    }

    /** Patterns that could match {@code host}, most specific first: the host itself, then "*.suffix"... "*". */
    static List<String> candidatePatterns(String host) {
        List<String> out = new ArrayList<>();
        out.add(host);
        for (int i = host.indexOf('.'); i >= 0; i = host.indexOf('.', i + 1)) {
            out.add("*" + host.substring(i));
        }
        out.add("*");
        return out;
    }

}
