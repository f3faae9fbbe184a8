package dev.tollgate.core.analysis;

import java.util.Locale;

/** Istio host-name rules the analyzer needs: normalising, short-name expansion, wildcard matching. */
final class HostNames {
    private HostNames() {
    }

    /** Lower case, no trailing dot. */
    static String normalise(String host) {
        String h = host == null ? "" : host.trim().toLowerCase(Locale.ROOT);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    /** A short name ({@code reviews}) means {@code reviews.<namespace>.svc.cluster.local}, as Istio resolves it. */
    static String fqdn(String host, String namespace) {
        String h = normalise(host);
        return h.contains(".") || h.equals("*") ? h : h + "." + namespace + ".svc.cluster.local";
    }

    /** {@code pattern} ({@code *}, {@code *.example.com} or exact) covers {@code host}. */
    static boolean matches(String pattern, String host) {
        String p = normalise(pattern);
        String h = normalise(host);
        if (p.equals("*")) {
            return true;
        }
        if (p.startsWith("*.")) {
            return h.endsWith(p.substring(1)) || (h.startsWith("*.") && h.endsWith(p.substring(1)));
        }
        return p.equals(h);
    }

    /** Two host patterns have a host in common. */
    static boolean intersect(String a, String b) {
        return matches(a, b) || matches(b, a);
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
