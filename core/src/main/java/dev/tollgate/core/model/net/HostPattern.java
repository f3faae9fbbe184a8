package dev.tollgate.core.model.net;

/**
 * Istio's host-pattern relations ({@code istio/istio pkg/config/host/name.go}) on names and wildcards
 * ({@code *.example.com} covers every name ending in {@code .example.com} at any depth, not {@code example.com}
 * itself; {@code *} covers every name), one implementation for config validation, the registry and routing.
 */
public final class HostPattern {
    private HostPattern() {
    }

    /**
     * Istio's {@code SubsetOf}: true when every name {@code host} stands for is also covered by {@code pattern}.
     * For a plain {@code host} that is "does the pattern match this name". Both sides are folded first.
     */
    public static boolean matches(String pattern, String host) {
        return subsetOf(HostName.fold(host), HostName.fold(pattern));
    }

    /** {@code SubsetOf} on names that are already folded. */
    public static boolean subsetOf(String host, String pattern) {
        boolean hostWild = HostName.isWildcard(host);
        boolean patternWild = HostName.isWildcard(pattern);
        if (hostWild) {
            return patternWild && host.length() >= pattern.length()
                    && host.regionMatches(host.length() - (pattern.length() - 1), pattern, 1, pattern.length() - 1);
        }
        if (patternWild) {
            // a negative offset (host shorter than the suffix) makes regionMatches false
            return host.regionMatches(host.length() - (pattern.length() - 1), pattern, 1, pattern.length() - 1);
        }
        return host.equals(pattern);
    }

    /** Istio's {@code Matches}: the two names overlap (either covers the other). Both sides are folded first. */
    public static boolean overlaps(String a, String b) {
        String x = HostName.fold(a);
        String y = HostName.fold(b);
        return subsetOf(x, y) || subsetOf(y, x);
    }

}
