package dev.tollgate.core.routing;

import dev.tollgate.core.registry.Hosts;

import java.util.ArrayList;
import java.util.List;

/** Host names as routing resources write them. */
final class RouteHosts {
    /** Istio's default DNS domain suffix for Kubernetes services. */
    static final String DOMAIN_SUFFIX = "svc.cluster.local";

    private RouteHosts() {
    }

    /**
     * VirtualService/DestinationRule hosts: "short names (e.g. reviews instead of reviews.default.svc.cluster.local)
     * will be interpreted ... based on the namespace of the rule". Wildcards, FQDNs and IPs stay as written.
     */
    static String qualify(String host, String namespace) {
        String h = Hosts.normalise(host.trim());
        if (h.equals("*") || h.contains(".") || h.contains(":")) {
            return h;
        }
        return h + "." + namespace + "." + DOMAIN_SUFFIX;
    }

    static boolean isWildcard(String pattern) {
        return pattern.startsWith("*");
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

    /** Two host patterns overlap when either matches the other (both may carry a wildcard). */
    static boolean intersect(String a, String b) {
        return Hosts.matches(a, b) || Hosts.matches(b, a);
    }

    /** The host part of an authority: lower case, without port or trailing dot ("[v6]:port" kept bracket-free). */
    static String authorityHost(String authority) {
        String a = authority.trim();
        if (a.startsWith("[")) {
            int end = a.indexOf(']');
            return end > 0 ? Hosts.normalise(a.substring(1, end)) : Hosts.normalise(a);
        }
        int colon = a.lastIndexOf(':');
        if (colon >= 0 && a.indexOf(':') == colon) {
            a = a.substring(0, colon);
        }
        return Hosts.normalise(a);
    }
}
