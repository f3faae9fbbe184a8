package dev.tollgate.core.registry;

import dev.tollgate.core.model.net.IpAddress;
import dev.tollgate.core.model.net.IpPrefix;

import java.util.Comparator;
import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.model.net.HostPattern;

import java.util.Map;
import java.util.Optional;

/**
 * Host lookups in the registry, on names as Istio compares them ({@link HostPattern},
 * {@code istio/istio pkg/config/host/name.go}), after Tollgate's normalisation
 * (DESIGN.md: "Host names match case-insensitively, with a trailing dot ignored"), folded by {@link HostName#fold}.
 *
 * <p>A wildcard is a name that starts with {@code *}. {@code *.example.com} covers every name that ends in
 * {@code .example.com}, at any depth ({@code a.example.com}, {@code a.b.example.com}), but not {@code example.com}
 * itself; {@code *} covers every name. The most specific name wins: an exact name beats any wildcard, and a longer
 * wildcard beats a shorter one.
 */
public final class Hosts {

    /** Exact names first, then wildcards from the longest to the shortest; ties by text, so the order is total. */
    public static final Comparator<String> MOST_SPECIFIC_FIRST = Comparator
            .comparing(HostName::isWildcard)
            .thenComparing(Comparator.comparingInt(String::length).reversed())
            .thenComparing(Comparator.naturalOrder());

    private Hosts() {
    }

    /** True when {@code host} (folded) is short enough to be a DNS name; longer ones match nothing. */
    public static boolean plausible(String host) {
        return !host.isEmpty() && host.length() <= HostName.MAX_LENGTH;
    }

    /**
     * The entry of {@code byHost} (keys are folded names, exact or wildcard) that is the most specific match for
     * {@code host}: the exact key, else the longest wildcard key that covers it.
     */
    public static <T> Optional<T> mostSpecific(String host, Map<String, T> byHost) {
        String h = HostName.fold(host);
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
