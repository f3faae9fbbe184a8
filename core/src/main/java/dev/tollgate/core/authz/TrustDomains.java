package dev.tollgate.core.authz;

/** Istio's trust-domain handling of policy principals ({@code pilot/pkg/security/trustdomain}), without aliases. */
final class TrustDomains {
    static final String CLUSTER_LOCAL = "cluster.local";

    private TrustDomains() {
    }

    /** The principal as Istio enforces it in a mesh whose trust domain is {@code trustDomain}. */
    static String migrate(String principal, String trustDomain) {
        String[] parts = principal.split("/", -1);
        if (parts.length != 5 || parts[0].equals("*")) {
            return principal; // the trust domain is not enforced
        }
        String td = parts[0];
        if (!(stringMatch(td, trustDomain) || td.equals(CLUSTER_LOCAL))) {
            return principal;
        }
        if (suffixMatch(trustDomain, td)) {
            return principal;
        }
        return trustDomain + principal.substring(td.length());
    }

    private static boolean stringMatch(String a, String s) {
        return a.equals(s) || s.equals("*") || prefixMatch(a, s) || prefixMatch(s, a) || suffixMatch(a, s)
                || suffixMatch(s, a);
    }

    private static boolean prefixMatch(String a, String pattern) {
        return pattern.endsWith("*") && a.startsWith(pattern.substring(0, pattern.length() - 1));
    }

    private static boolean suffixMatch(String a, String pattern) {
        return pattern.startsWith("*") && a.endsWith(pattern.substring(1));
    }
}
