package dev.tollgate.core.analysis;

import dev.tollgate.core.model.net.HostPattern;
import dev.tollgate.core.model.net.HostName;

/** Istio host-name rules the analyzer needs: normalising, short-name expansion, wildcard matching. */
final class HostNames {
    private HostNames() {
    }

    /** {@link HostName#fold}, after trimming what YAML left around it. */
    static String normalise(String host) {
        return HostName.fold(host == null ? "" : host.trim());
    }

    /** A short name ({@code reviews}) means {@code reviews.<namespace>.svc.cluster.local}, as Istio resolves it. */
    static String fqdn(String host, String namespace) {
        String h = normalise(host);
        return h.contains(".") || h.equals("*") ? h : h + "." + namespace + ".svc.cluster.local";
    }

    /** {@code pattern} ({@code *}, {@code *.example.com} or exact) covers {@code host}: Istio's SubsetOf. */
    static boolean matches(String pattern, String host) {
        return HostPattern.matches(HostName.fold(pattern.trim()), HostName.fold(host.trim()));
    }

    /** Two host patterns have a host in common. */
    static boolean intersect(String a, String b) {
        return HostPattern.overlaps(a.trim(), b.trim());
    }

    /** A Gateway server host {@code ns/host} without its namespace part. */
    static String serverHost(String host) {
        int slash = host.indexOf('/');
        return slash < 0 ? host : host.substring(slash + 1);
    }

    /** The namespace part of a Gateway server host ({@code *} when absent). */
    static String serverHostNamespace(String host) {
        int slash = host.indexOf('/');
        return slash < 0 ? "*" : host.substring(0, slash);
    }
}
