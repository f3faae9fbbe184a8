package dev.tollgate.proxy;

import dev.tollgate.core.model.net.IpAddress;
import dev.tollgate.core.model.net.IpPrefix;
import dev.tollgate.core.model.AsciiCase;

import io.netty.handler.codec.http.HttpResponseStatus;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Where upstream connections may go: the proxies' protection against being turned on their own host and network
 * (SSRF). It judges the one address a connection is about to use, after {@link HostMap} resolved it once, so that
 * every spelling of a host (names, DNS answers, IPv4-mapped IPv6, trailing dots) meets the same rule.
 *
 * <ul>
 *   <li>The proxy's own listeners and admin server ({@link Rule#SELF}) are never a destination, whoever named them:
 *       a local address (loopback, unspecified, or one of this host's interfaces) on one of the proxy's bound
 *       ports. No allow-list entry lifts this.</li>
 *   <li>Addresses the operator gave ({@code --resolve}, {@code --connect-to} with an address, ServiceEntry
 *       {@code endpoints} addresses and {@code addresses}) are trusted otherwise.</li>
 *   <li>Everything else (DNS answers, addresses the client wrote) must not be loopback, unspecified, link-local
 *       (cloud metadata services live there), multicast, reserved, or private (RFC 1918, shared 100.64/10, IPv6
 *       unique-local), also when embedded in IPv6 (IPv4-mapped, IPv4-compatible, NAT64, 6to4). Private addresses are
 *       refused as Smokescreen does by default: an egress proxy that reaches the internal network for any name an
 *       attacker controls the DNS of is a pivot. Mesh peers (ISTIO_MUTUAL upstreams, e.g. the egress gateway's
 *       Service in the cluster's private range) may be private: they must prove a mesh identity before any request
 *       byte is sent. {@code --allow-destination-cidr} lets blocks through.</li>
 * </ul>
 */
final class AddressGuard {

    /** Why an address is refused; {@link #label} is the metric tag and the token in the log reason. */
    enum Rule {
        SELF("self", "this proxy's own listener or admin port"),
        LOOPBACK("loopback", "a loopback address"),
        UNSPECIFIED("unspecified", "an unspecified address (0.0.0.0/8 or ::), which reaches this host"),
        LINK_LOCAL("link-local", "a link-local address"),
        METADATA("metadata", "a cloud metadata service address"),
        MULTICAST("multicast", "a multicast address"),
        RESERVED("reserved", "a reserved or broadcast address"),
        PRIVATE("private", "a private-network address (RFC 1918, 100.64.0.0/10 or IPv6 unique-local)"),
        NUMERIC_HOST("numeric-host", "a numeric host that is not a dotted-quad IPv4 or an IPv6 literal");

        final String label;
        final String what;

        Rule(String label, String what) {
            this.label = label;
            this.what = what;
        }
    }

    /** A refused destination: the message is the access log reason and the client's one-line answer. */
    static final class Refused extends IOException {
        final Rule rule;

        Refused(Rule rule, String message) {
            super(message);
            this.rule = rule;
        }
    }

    static final AddressGuard DEFAULT = new AddressGuard(List.of(), List::of, HttpResponseStatus.BAD_GATEWAY);

    private final List<IpPrefix> allowed;
    private final Supplier<? extends Collection<InetSocketAddress>> own;
    private final HttpResponseStatus status;
    private final Set<InetAddress> localInterfaces;

    /**
     * @param allowed blocks that DNS answers and client addresses may reach ({@code --allow-destination-cidr})
     * @param own     the proxy's bound listener and admin addresses, read on every check (gateway listeners follow
     *                the configuration)
     * @param status  what an HTTP client is answered on a refusal: 502 from the sidecar, 503 from the gateway
     */
    AddressGuard(List<String> allowed, Supplier<? extends Collection<InetSocketAddress>> own,
                 HttpResponseStatus status) {
        List<IpPrefix> blocks = new ArrayList<>();
        for (String a : allowed) {
            blocks.add(allowedBlock(a));
        }
        this.allowed = List.copyOf(blocks);
        this.own = own;
        this.status = status;
        this.localInterfaces = interfaceAddresses();
    }

    HttpResponseStatus status() {
        return status;
    }

    /**
     * The refusal for connecting to {@code resolved}, if any.
     *
     * @param host     the host the connection is for, named in the reason
     * @param meshPeer the upstream must prove a mesh identity (ISTIO_MUTUAL) before any request byte is sent
     */
    Optional<Refused> check(String host, HostMap.Resolved resolved, boolean meshPeer) {
        InetSocketAddress to = resolved.address();
        InetAddress a = to.getAddress();
        if (a == null) {
            return Optional.of(refuse(Rule.RESERVED, host, resolved, "an unresolved address"));
        }
        if (isLocal(a) && ownPorts().contains(to.getPort())) {
            return Optional.of(refuse(Rule.SELF, host, resolved, Rule.SELF.what));
        }
        if (resolved.explicit()) {
            return Optional.empty();
        }
        Optional<Rule> rule = classify(a);
        if (rule.isEmpty() || rule.get() == Rule.PRIVATE && meshPeer || allowed(a)) {
            return Optional.empty();
        }
        return Optional.of(refuse(rule.get(), host, resolved, rule.get().what));
    }

    private static Refused refuse(Rule rule, String host, HostMap.Resolved r, String what) {
        String how = switch (r.via()) {
            case "dns" -> "resolved by DNS to";
            case "literal" -> "is the address";
            case Upstreams.ORIGINAL_DESTINATION -> "was captured on its way to";
            default -> "mapped by " + r.via() + " to";
        };
        String remedy = rule == Rule.SELF ? "a proxy never connects to itself"
                : r.via().equals(Upstreams.ORIGINAL_DESTINATION)
                ? "the application chose this address, so nothing vouches for it; only --allow-destination-cidr "
                + "reaches it"
                : "only --resolve, --connect-to, ServiceEntry endpoints/addresses or --allow-destination-cidr reach it";
        return new Refused(rule, "address guard [" + rule.label + "]: " + host + " " + how + " "
                + Upstreams.format(r.address()) + ", " + what + "; " + remedy);
    }

    /** Refuses a host that ends in a number but is no plain literal: resolvers read {@code 0x7f.1} as 127.0.0.1. */
    static Refused numericHost(String host) {
        return new Refused(Rule.NUMERIC_HOST, "address guard [" + Rule.NUMERIC_HOST.label + "]: " + host + " is "
                + Rule.NUMERIC_HOST.what + " (resolvers read forms such as 2130706433, 0177.0.0.1 and 0x7f.1 as "
                + "127.0.0.1); write the address as a dotted quad");
    }

    private boolean allowed(InetAddress a) {
        byte[] b = a.getAddress();
        byte[] v4 = embeddedV4(b);
        IpAddress ip = IpAddress.ofBytes(b);
        IpAddress embedded = v4 == null ? null : IpAddress.ofBytes(v4);
        for (IpPrefix block : allowed) {
            if (block.contains(ip) || embedded != null && block.contains(embedded)) {
                return true;
            }
        }
        return false;
    }

    /** The {@link Rule#SELF} test alone: {@code to} reaches one of this proxy's own listeners or its admin server. */
    boolean self(InetSocketAddress to) {
        InetAddress a = to.getAddress();
        return a != null && isLocal(a) && ownPorts().contains(to.getPort());
    }

    private Set<Integer> ownPorts() {
        Set<Integer> ports = new HashSet<>();
        for (InetSocketAddress a : own.get()) {
            ports.add(a.getPort());
        }
        return ports;
    }

    private boolean isLocal(InetAddress a) {
        if (a.isLoopbackAddress() || a.isAnyLocalAddress() || localInterfaces.contains(a)) {
            return true;
        }
        byte[] v4 = embeddedV4(a.getAddress());
        return v4 != null && (v4[0] == 127 || v4[0] == 0);
    }

    /** This host's interface addresses when the guard is built: a proxy bound to 0.0.0.0 answers on each. */
    private static Set<InetAddress> interfaceAddresses() {
        Set<InetAddress> out = new HashSet<>();
        try {
            var interfaces = NetworkInterface.getNetworkInterfaces();
            while (interfaces != null && interfaces.hasMoreElements()) {
                interfaces.nextElement().inetAddresses().forEach(a -> {
                    // compare without the scope id, as answers and literals carry none
                    try {
                        out.add(InetAddress.getByAddress(a.getAddress()));
                    } catch (java.net.UnknownHostException e) {
                        // cannot happen for a 4- or 16-byte array
                    }
                });
            }
        } catch (SocketException e) {
            // no interface list: loopback and unspecified are still recognised
        }
        return Set.copyOf(out);
    }

    /** Which default-deny rule {@code a} falls under, if any. */
    static Optional<Rule> classify(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length == 4) {
            return classifyV4(b);
        }
        if (isZero(b, 0, 14)) {
            return Optional.of(b[15] == 0 ? Rule.UNSPECIFIED : b[15] == 1 ? Rule.LOOPBACK : Rule.RESERVED);
        }
        byte[] v4 = embeddedV4(b);
        if (v4 != null) {
            return classifyV4(v4);
        }
        int b0 = b[0] & 0xff;
        int b1 = b[1] & 0xff;
        if (b0 == 0xff) {
            return Optional.of(Rule.MULTICAST);
        }
        if (b0 == 0xfe && (b1 & 0xc0) == 0x80) {
            return Optional.of(Rule.LINK_LOCAL);
        }
        if (b0 == 0xfe && (b1 & 0xc0) == 0xc0) {
            return Optional.of(Rule.PRIVATE); // site-local, deprecated but still routed inside some sites
        }
        if ((b0 & 0xfe) == 0xfc) {
            return Optional.of(isEc2Metadata(b) ? Rule.METADATA : Rule.PRIVATE);
        }
        if (b0 == 0x00 && b1 == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b && b[4] == 0 && b[5] == 1) {
            return Optional.of(Rule.PRIVATE); // 64:ff9b:1::/48, local-use NAT64
        }
        if (b0 == 0x01 && b1 == 0x00 && isZero(b, 2, 7)) {
            return Optional.of(Rule.RESERVED); // 100::/64, discard-only
        }
        return Optional.empty();
    }

    private static boolean isEc2Metadata(byte[] b) {
        // fd00:ec2::254 = fd00:0ec2:0000:0000:0000:0000:0000:0254
        return (b[0] & 0xff) == 0xfd && b[1] == 0 && b[2] == 0x0e && (b[3] & 0xff) == 0xc2 && isZero(b, 4, 13)
                && b[14] == 0x02 && b[15] == 0x54;
    }

    private static Optional<Rule> classifyV4(byte[] b) {
        int b0 = b[0] & 0xff;
        int b1 = b[1] & 0xff;
        int b2 = b[2] & 0xff;
        int b3 = b[3] & 0xff;
        if (b0 == 0) {
            return Optional.of(Rule.UNSPECIFIED);
        }
        if (b0 == 127) {
            return Optional.of(Rule.LOOPBACK);
        }
        if (b0 == 169 && b1 == 254) {
            return Optional.of(b2 == 169 && b3 == 254 ? Rule.METADATA : Rule.LINK_LOCAL);
        }
        if (b0 == 100 && b1 == 100 && b2 == 100 && b3 == 200) {
            return Optional.of(Rule.METADATA); // Alibaba Cloud's metadata service
        }
        if (b0 == 10 || b0 == 172 && (b1 & 0xf0) == 16 || b0 == 192 && b1 == 168 || b0 == 100 && (b1 & 0xc0) == 64) {
            return Optional.of(Rule.PRIVATE);
        }
        if (b0 == 192 && b1 == 0 && b2 == 0 || b0 == 198 && (b1 & 0xfe) == 18) {
            return Optional.of(Rule.RESERVED); // IETF protocol assignments; benchmarking (fake-IP resolvers use it)
        }
        if (b0 >= 224 && b0 <= 239) {
            return Optional.of(Rule.MULTICAST);
        }
        if (b0 >= 240) {
            return Optional.of(Rule.RESERVED);
        }
        return Optional.empty();
    }

    /**
     * The IPv4 address inside an IPv6 one that carries it to an IPv4 host: IPv4-mapped {@code ::ffff:0:0/96},
     * IPv4-compatible {@code ::/96}, NAT64 {@code 64:ff9b::/96} and 6to4 {@code 2002::/16}; null otherwise.
     */
    static byte[] embeddedV4(byte[] b) {
        if (b.length != 16) {
            return null;
        }
        if (isZero(b, 0, 9) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff
                || isZero(b, 0, 11) && !isZero(b, 12, 15)
                || b[0] == 0 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b && isZero(b, 4, 11)) {
            return new byte[]{b[12], b[13], b[14], b[15]};
        }
        if (b[0] == 0x20 && b[1] == 0x02) {
            return new byte[]{b[2], b[3], b[4], b[5]};
        }
        return null;
    }

    private static boolean isZero(byte[] b, int from, int toInclusive) {
        for (int i = from; i <= toInclusive; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** An {@code --allow-destination-cidr} block, by the one rule for IP blocks ({@link IpPrefix}). */
    static IpPrefix allowedBlock(String cidr) {
        String s = cidr.trim();
        Optional<IpPrefix> p = IpPrefix.parse(s);
        if (p.isPresent()) {
            return p.get();
        }
        int slash = s.indexOf('/');
        Optional<IpAddress> a = IpAddress.parse(slash < 0 ? s : s.substring(0, slash));
        if (a.isEmpty()) {
            throw new IllegalArgumentException("--allow-destination-cidr " + cidr
                    + ": expected ADDRESS/BITS with a numeric IPv4 or IPv6 address, e.g. 10.0.0.0/8");
        }
        throw new IllegalArgumentException("--allow-destination-cidr " + cidr + ": the prefix length must be 0-"
                + a.get().bitLength());
    }
}
