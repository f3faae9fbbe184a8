package dev.tollgate.core.registry;

import dev.tollgate.core.model.net.IpAddress;
import dev.tollgate.core.model.net.IpPrefix;

import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Host names as Istio compares them ({@code istio/istio pkg/config/host/name.go}), after Tollgate's normalisation
 * (DESIGN.md: "Host names match case-insensitively, with a trailing dot ignored").
 *
 * <p>A wildcard is a name that starts with {@code *}. {@code *.example.com} covers every name that ends in
 * {@code .example.com}, at any depth ({@code a.example.com}, {@code a.b.example.com}), but not {@code example.com}
 * itself; {@code *} covers every name. The most specific name wins: an exact name beats any wildcard, and a longer
 * wildcard beats a shorter one.
 */
public final class Hosts {

    /** Exact names first, then wildcards from the longest to the shortest; ties by text, so the order is total. */
    public static final Comparator<String> MOST_SPECIFIC_FIRST = Comparator
            .comparing(Hosts::isWildcard)
            .thenComparing(Comparator.comparingInt(String::length).reversed())
            .thenComparing(Comparator.naturalOrder());

    /**
     * The longest name DNS allows (RFC 1035: 253 characters without the trailing dot). Longer names are never in
     * the registry; the bound also keeps a hostile name from making suffix matching quadratic.
     */
    public static final int MAX_LENGTH = 253;

    private Hosts() {
    }

    /** True when {@code host} (normalised) is short enough to be a DNS name; longer ones match nothing. */
    public static boolean plausible(String host) {
        return !host.isEmpty() && host.length() <= MAX_LENGTH;
    }

    /** Lower case (ASCII rules, whatever the JVM's locale), without one trailing dot. Idempotent. */
    public static String normalise(String host) {
        String h = host;
        if (h.endsWith(".") && h.length() > 1 && !h.endsWith("..")) {
            h = h.substring(0, h.length() - 1);
        }
        for (int i = 0; i < h.length(); i++) {
            char c = h.charAt(i);
            if (c >= 'A' && c <= 'Z' || c > 0x7f) {
                return h.toLowerCase(Locale.ROOT);
            }
        }
        return h;
    }

    public static boolean isWildcard(String host) {
        return !host.isEmpty() && host.charAt(0) == '*';
    }

    /**
     * Istio's {@code SubsetOf}: true when every name {@code host} stands for is also covered by {@code pattern}.
     * For a plain {@code host} that is "does the pattern match this name". Both sides are normalised first.
     */
    public static boolean matches(String pattern, String host) {
        return subsetOf(normalise(host), normalise(pattern));
    }

    /** {@code SubsetOf} on names that are already normalised. */
    static boolean subsetOf(String host, String pattern) {
        boolean hostWild = isWildcard(host);
        boolean patternWild = isWildcard(pattern);
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

    /** Istio's {@code Matches}: the two names overlap (either covers the other). Both sides are normalised first. */
    public static boolean overlaps(String a, String b) {
        String x = normalise(a);
        String y = normalise(b);
        return subsetOf(x, y) || subsetOf(y, x);
    }

    /**
     * The entry of {@code byHost} (keys are normalised names, exact or wildcard) that is the most specific match for
     * {@code host}: the exact key, else the longest wildcard key that covers it.
     */
    public static <T> Optional<T> mostSpecific(String host, Map<String, T> byHost) {
        String h = normalise(host);
        if (!plausible(h)) {
            return Optional.empty();
        }
        T exact = byHost.get(h);
        if (exact != null) {
            return Optional.of(exact);
        }
        for (int dot = h.indexOf('.', 1); dot > 0; dot = h.indexOf('.', dot + 1)) {
            T found = byHost.get("*" + h.substring(dot));
            if (found != null) {
                return Optional.of(found);
            }
        }
        return Optional.ofNullable(byHost.get("*"));
    }

    /**
     * True when {@code ip} (a plain IPv4 or IPv6 literal) lies in one of a ServiceEntry's {@code addresses} (IPs or
     * CIDR blocks): the operator declared it, so a proxy may connect there as given.
     */
    public static boolean declaredAddress(String ip, java.util.List<String> addresses) {
        Optional<IpAddress> address = IpAddress.parse(ip);
        if (address.isEmpty() || addresses == null) {
            return false;
        }
        for (String a : addresses) {
            Optional<IpPrefix> p = IpPrefix.parse(a);
            if (p.isPresent() && p.get().contains(address.get())) {
                return true;
            }
        }
        return false;
    }
}
