package dev.tollgate.core.authz;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Istio's trust-domain handling of policy principals ({@code pilot/pkg/security/trustdomain}, the "trust domain
 * migration" task): the mesh's trust domain and its {@code trustDomainAliases} are treated as one, so a principal
 * naming any of them (or {@code cluster.local}, which always points at the local trust domain) matches peers of all.
 *
 * @param all the mesh's trust domain first, then its aliases
 */
record TrustDomains(List<String> all) {
    static final String CLUSTER_LOCAL = "cluster.local";

    TrustDomains {
        all = List.copyOf(all);
    }

    static TrustDomains of(String trustDomain, List<String> aliases) {
        List<String> all = new ArrayList<>(1 + aliases.size());
        all.add(trustDomain);
        all.addAll(aliases);
        return new TrustDomains(all);
    }

    /**
     * Istio's {@code ReplaceTrustDomainAliases} for one principal: {@code <td>/ns/<ns>/sa/<sa>} whose trust domain is
     * one of {@link #all} (by Istio's prefix/suffix {@code *} rules) or {@code cluster.local} becomes one principal
     * per trust domain (a {@code *td} pattern matching that trust domain is kept as written); any other principal,
     * one of another shape, or one with {@code *} as the trust domain, is kept as written.
     */
    List<String> principals(String principal) {
        String[] parts = principal.split("/", -1);
        if (parts.length != 5 || parts[0].equals("*")) {
            return List.of(principal); // the trust domain is not enforced
        }
        String td = parts[0];
        if (!(matchesAny(td) || td.equals(CLUSTER_LOCAL))) {
            return List.of(principal);
        }
        LinkedHashSet<String> out = new LinkedHashSet<>();
        String rest = principal.substring(td.length());
        for (String domain : all) {
            out.add(suffixMatch(domain, td) ? principal : domain + rest);
        }
        return List.copyOf(out);
    }

    /** Istio's {@code ExpandTrustDomainAliases} for a {@code trustDomains} value: one of ours stands for all of ours. */
    List<String> trustDomains(String value) {
        return all.contains(value) ? all : List.of(value);
    }

    private boolean matchesAny(String td) {
        for (String s : all) {
            if (td.equals(s) || s.equals("*") || prefixMatch(td, s) || prefixMatch(s, td) || suffixMatch(td, s)
                    || suffixMatch(s, td)) {
                return true;
            }
        }
        return false;
    }

    private static boolean prefixMatch(String a, String pattern) {
        return pattern.endsWith("*") && a.startsWith(pattern.substring(0, pattern.length() - 1));
    }

    private static boolean suffixMatch(String a, String pattern) {
        return pattern.startsWith("*") && a.endsWith(pattern.substring(1));
    }
}
