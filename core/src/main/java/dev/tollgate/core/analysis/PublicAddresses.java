package dev.tollgate.core.analysis;

import dev.tollgate.core.model.net.IpPrefix;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether an ipBlock reaches the internet. Tollgate does not know a cluster's own ranges, so "outside" is the
 * globally reachable space: for IPv4 everything but the IANA special-purpose blocks that are not globally reachable
 * (RFC 6890 and its registry: private, shared, loopback, link-local, documentation, benchmarking, multicast,
 * reserved); for IPv6 the global unicast space {@code 2000::/3} less documentation, plus NAT64's
 * {@code 64:ff9b::/96}, which reaches IPv4 public addresses. A block of private addresses may well leave the
 * cluster too (a company network), but only its owner can say so; a public one always does.
 */
final class PublicAddresses {
    private static final List<IPAddress> ROUTABLE = blocks("0.0.0.0/0", "2000::/3", "64:ff9b::/96");
    private static final List<IPAddress> NOT_GLOBAL = blocks(
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
            "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
            "224.0.0.0/4", "240.0.0.0/4",
            "2001:db8::/32");

    private PublicAddresses() {
    }

    /**
     * The first public block that {@code cidr} less every block of {@code except} still covers; empty when it covers
     * none, or when {@code cidr} is not a block (validation reports that).
     */
    static Optional<String> firstPublic(String cidr, List<String> except) {
        Optional<IPAddress> block = block(cidr);
        if (block.isEmpty()) {
            return Optional.empty();
        }
        List<IPAddress> left = List.of(block.get());
        for (String e : except) {
            Optional<IPAddress> hole = block(e);
            if (hole.isPresent()) {
                left = subtract(left, hole.get());
            }
        }
        List<IPAddress> routable = new ArrayList<>();
        for (IPAddress r : left) {
            for (IPAddress root : ROUTABLE) {
                IPAddress both = r.isIPv4() == root.isIPv4() ? r.intersect(root) : null;
                if (both != null) {
                    routable.add(both);
                }
            }
        }
        left = routable;
        for (IPAddress n : NOT_GLOBAL) {
            left = subtract(left, n);
        }
        return left.stream().findFirst()
                .map(r -> r.getLower().spanWithPrefixBlocks(r.getUpper())[0].toCanonicalString());
    }

    private static List<IPAddress> subtract(List<IPAddress> from, IPAddress hole) {
        List<IPAddress> out = new ArrayList<>();
        for (IPAddress r : from) {
            if (r.isIPv4() != hole.isIPv4()) {
                out.add(r);
                continue;
            }
            IPAddress[] rest = r.subtract(hole);
            if (rest != null) {
                out.addAll(List.of(rest));
            }
        }
        return out;
    }

    /** Parsed as every IP block in Tollgate is ({@link IpPrefix}); host bits are masked as Kubernetes does. */
    private static Optional<IPAddress> block(String text) {
        return IpPrefix.parse(text).map(p -> new IPAddressString(p.network() + "/" + p.bits()).getAddress()
                .toPrefixBlock());
    }

    private static List<IPAddress> blocks(String... texts) {
        return java.util.Arrays.stream(texts).map(t -> new IPAddressString(t).getAddress().toPrefixBlock()).toList();
    }
}
