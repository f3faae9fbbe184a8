package dev.tollgate.core.model.net;

import inet.ipaddr.IPAddress;

import java.util.Optional;

/**
 * An IP block: an {@link IpAddress} and a prefix length, as AuthorizationPolicy {@code ipBlocks}/
 * {@code remoteIpBlocks}/{@code notIpBlocks}, ServiceEntry {@code addresses} and VirtualService
 * {@code destinationSubnets} write them. Immutable; equal when the masked network and the length are equal.
 *
 * <p>Text is Go's {@code netip.ParsePrefix} when it has a '/', else {@code netip.ParseAddr} (a /32 or /128), which
 * is how Istio validates all three fields ({@code ValidateIPSubnet}, authorization {@code ValidateIPs}). The address
 * part follows {@link IpAddress}; the length is ASCII decimal without a leading zero, at most the address's bits.
 *
 * <p>Host bits need not be zero: Istio accepts {@code 10.0.0.1/8} for every one of these fields, and Envoy's
 * {@code CidrRange::create} truncates the address to the prefix, so the block is {@code 10.0.0.0/8}. The type keeps
 * what was written ({@link #address()}, {@link #isCanonical()}) for a check that wants to warn about it, and matches
 * on the masked network. A block never matches an address of the other family ({@link IpAddress} explains why, for
 * {@code ::ffff:a.b.c.d} too).
 */
public final class IpPrefix {
    private final IpAddress address;
    private final int bits;
    private final IPAddress block;
    private final IpAddress network;

    private IpPrefix(IpAddress address, int bits) {
        this.address = address;
        this.bits = bits;
        this.block = address.ipaddr().setPrefixLength(bits, false).toPrefixBlock();
        this.network = IpAddress.ofBytes(block.getLower().getBytes());
    }

    /** {@code address/bits} or a bare address; empty when it is not exactly that (see the class comment). */
    public static Optional<IpPrefix> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        int slash = text.indexOf('/');
        Optional<IpAddress> a = IpAddress.parse(slash < 0 ? text : text.substring(0, slash));
        if (a.isEmpty()) {
            return Optional.empty();
        }
        int max = a.get().bitLength();
        if (slash < 0) {
            return Optional.of(new IpPrefix(a.get(), max));
        }
        int bits = bits(text.substring(slash + 1));
        return bits < 0 || bits > max ? Optional.empty() : Optional.of(new IpPrefix(a.get(), bits));
    }

    /** The block of {@code bits} leading bits of {@code address}. */
    public static IpPrefix of(IpAddress address, int bits) {
        if (bits < 0 || bits > address.bitLength()) {
            throw new IllegalArgumentException("prefix length " + bits + " out of 0-" + address.bitLength());
        }
        return new IpPrefix(address, bits);
    }

    /** Decimal, one to three ASCII digits, no leading zero (Go's ParsePrefix refuses "/08"); -1 otherwise. */
    private static int bits(String s) {
        if (s.isEmpty() || s.length() > 3 || s.length() > 1 && s.charAt(0) == '0') {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** The address as written (host bits included). */
    public IpAddress address() {
        return address;
    }

    public int bits() {
        return bits;
    }

    /** The first address of the block: {@link #address()} with the host bits cleared. */
    public IpAddress network() {
        return network;
    }

    /** True when no host bit is set ({@code 10.0.0.0/8}, not {@code 10.0.0.1/8}). */
    public boolean isCanonical() {
        return network().equals(address);
    }

    public boolean isIpv4() {
        return address.isIpv4();
    }

    public boolean contains(IpAddress ip) {
        return ip.bitLength() == address.bitLength() && block.contains(ip.ipaddr());
    }

    /** True when {@code ip} parses as an {@link IpAddress} and lies in the block; false for anything else. */
    public boolean contains(String ip) {
        Optional<IpAddress> a = IpAddress.parse(ip);
        return a.isPresent() && contains(a.get());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpPrefix p && p.bits == bits && p.network().equals(network());
    }

    @Override
    public int hashCode() {
        return network().hashCode() * 31 + bits;
    }

    /** The masked network and the length: {@code 10.0.0.0/8}, {@code 2001:db8::/32}. */
    @Override
    public String toString() {
        return network() + "/" + bits;
    }
}
