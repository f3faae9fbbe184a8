package dev.tollgate.core.model.net;

import inet.ipaddr.AddressStringParameters.RangeParameters;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import inet.ipaddr.IPAddressStringParameters;
import inet.ipaddr.ipv4.IPv4Address;
import inet.ipaddr.ipv6.IPv6Address;

import java.util.Arrays;
import java.util.Optional;

/**
 * One IPv4 or IPv6 address: the only place Tollgate reads an IP literal (configuration values, requested hosts,
 * addresses a proxy reports). Immutable; equal when the bytes are equal; {@link #toString()} is the canonical form.
 *
 * <p><b>What is an address.</b> Exactly what Istio's validation accepts through Go's {@code netip.ParseAddr}
 * ({@code pkg/config/validation/agent.ValidateIPAddress}, and {@code pkg/config/security.ValidateIPs} for policies):
 * <ul>
 *   <li>IPv4 only as four decimal parts of 0-255 written with ASCII digits and no leading zero. inet_aton's forms
 *       ({@code 2130706433}, {@code 0x7f.1}, {@code 0177.0.0.1}, {@code 127.1}) are refused: their meaning depends on
 *       who reads them (octal for inet_aton, decimal for Java and Netty), the mismatch that lets a name pass a check
 *       and reach another address. Non-ASCII digits (Arabic-Indic, fullwidth), spaces and a trailing dot are
 *       refused.</li>
 *   <li>IPv6 as RFC 4291 text: at most four hex digits a group, one {@code ::}, optionally an IPv4 tail (with the
 *       IPv4 rules above). No brackets: they belong to an authority ({@code [::1]:443}), whose parser strips them.</li>
 *   <li>No zone ({@code fe80::1%eth0}). Go accepts one in {@code ParseAddr} but {@code ParsePrefix} refuses it and
 *       Envoy's {@code CidrRange} cannot carry it; a zone names an interface of one host, meaningless in mesh
 *       configuration, so Tollgate refuses it everywhere rather than accept something that matches nothing.</li>
 *   <li>No DNS, ever: the parser is {@code inet.ipaddr} with every lenient option off; it never resolves.</li>
 * </ul>
 *
 * <p><b>IPv4-mapped IPv6 ({@code ::ffff:10.0.0.1}).</b> It is a valid <em>IPv6</em> address and stays one: it is
 * never folded into the IPv4 address {@code 10.0.0.1}. Sources (istio/istio at 86c9f01, envoyproxy/envoy):
 * <ul>
 *   <li>Istio's validation accepts it: {@code netip.ParseAddr} returns a "4in6" address ({@code Is4()} false,
 *       {@code BitLen()} 128).</li>
 *   <li>AuthorizationPolicy ip blocks become Envoy {@code CidrRange}s through
 *       {@code pilot/pkg/networking/util.AddrStrToPrefix}: {@code netip.PrefixFrom(addr, addr.BitLen())}, so a
 *       /128 whose {@code AddressPrefix} is {@code ::ffff:10.0.0.1}, an IPv6 range. (Older Istio, in
 *       {@code authz/matcher/cidr.go} with {@code net.ParseIP}, wrote it as {@code 10.0.0.1}/32; the current code
 *       no longer folds it.)</li>
 *   <li>ServiceEntry {@code addresses} are kept as written ({@code serviceentry/conversion.go}), so the sidecar
 *       matches an IPv6 destination {@code ::ffff:10.0.0.1}.</li>
 *   <li>Envoy's {@code CidrRange::isInRange} ({@code source/common/network/cidr_range.cc}) is false whenever the
 *       range's IP version differs from the address's: an IPv6 range never matches an IPv4 peer and the reverse.
 *       Java reports an IPv4 client of a dual-stack socket as an {@code Inet4Address}, so a peer is never seen in
 *       mapped form here. (Newer Envoy is understood to unmap such peers on dual-stack listeners too; the stored
 *       {@code address_impl.cc} that was read predates that and was not re-checked.)</li>
 * </ul>
 * So validation accepts it, routing and the registry match it only against IPv6 destinations written the same way
 * (as Envoy's listener/filter-chain prefix match does), authz blocks keep the families apart, and a proxy that
 * connects to it reaches the IPv4 host it embeds (the SSRF guard classifies it by that embedded address).
 * The canonical text writes it as Go does, {@code ::ffff:10.0.0.1} (RFC 5952 section 5).
 */
public final class IpAddress {
    /** inet.ipaddr with everything lenient off: what remains is Go's {@code netip.ParseAddr} minus zones. */
    static final IPAddressStringParameters STRICT = strict(false);

    private final IPAddress address;

    private IpAddress(IPAddress address) {
        this.address = address.withoutPrefixLength();
    }

    static IPAddressStringParameters strict(boolean prefix) {
        IPAddressStringParameters.Builder b = new IPAddressStringParameters.Builder()
                .allowEmpty(false).allowAll(false).allowSingleSegment(false).allowMask(false)
                .allowPrefix(prefix).allowPrefixOnly(false).setEmptyAsLoopback(false);
        b.getIPv4AddressParametersBuilder()
                .allow_inet_aton(false).allowLeadingZeros(false).allowUnlimitedLeadingZeros(false)
                .allowBinary(false).allowWildcardedSeparator(false).setRangeOptions(RangeParameters.NO_RANGE)
                .allowPrefixesBeyondAddressSize(false);
        b.getIPv6AddressParametersBuilder()
                .allowLeadingZeros(true) // "0db8": up to four hex digits a group, as RFC 4291 and Go allow
                .allowUnlimitedLeadingZeros(false).allowBinary(false).allowWildcardedSeparator(false)
                .allowZone(false).allowEmptyZone(false).allowBase85(false).allowMixed(true)
                .setRangeOptions(RangeParameters.NO_RANGE).allowPrefixesBeyondAddressSize(false)
                .getEmbeddedIPv4AddressParametersBuilder()
                .allow_inet_aton(false).allowLeadingZeros(false).allowUnlimitedLeadingZeros(false)
                .allowBinary(false).allowWildcardedSeparator(false).setRangeOptions(RangeParameters.NO_RANGE);
        return b.toParams();
    }

    /** The address {@code text} writes, or empty when it is not exactly an IP literal (see the class comment). */
    public static Optional<IpAddress> parse(String text) {
        if (text == null || !literalCharacters(text)) {
            return Optional.empty();
        }
        IPAddress a = new IPAddressString(text, STRICT).getAddress();
        return a == null || a.isMultiple() || a.isPrefixed() ? Optional.empty() : Optional.of(new IpAddress(a));
    }

    /** True when {@code text} is an IP literal by {@link #parse}'s rules. */
    public static boolean isLiteral(String text) {
        return parse(text).isPresent();
    }

    /** The address of 4 (IPv4) or 16 (IPv6) bytes, as a socket reports it. */
    public static IpAddress ofBytes(byte[] bytes) {
        return switch (bytes.length) {
            case 4 -> new IpAddress(new IPv4Address(bytes));
            case 16 -> new IpAddress(new IPv6Address(bytes));
            default -> throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + bytes.length);
        };
    }

    /**
     * The library refuses most junk itself, but trims surrounding spaces and knows other spellings; only ASCII hex
     * digits, '.' and ':' can make a literal, so anything else is refused before it is consulted.
     */
    private static boolean literalCharacters(String s) {
        if (s.isEmpty() || s.length() > 45) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '.' || c == ':')) {
                return false;
            }
        }
        return true;
    }

    public boolean isIpv4() {
        return address.isIPv4();
    }

    public boolean isIpv6() {
        return address.isIPv6();
    }

    /** 32 or 128. */
    public int bitLength() {
        return address.getBitCount();
    }

    /** The address in network order: 4 or 16 bytes (a copy). */
    public byte[] bytes() {
        return address.getBytes();
    }

    IPAddress ipaddr() {
        return address;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpAddress a && Arrays.equals(a.address.getBytes(), address.getBytes());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(address.getBytes());
    }

    /** Dotted quad; RFC 5952 for IPv6, with an IPv4-mapped address in its mixed form {@code ::ffff:a.b.c.d}. */
    @Override
    public String toString() {
        if (address instanceof IPv6Address v6 && v6.isIPv4Mapped()) {
            byte[] b = v6.getBytes();
            return "::ffff:" + (b[12] & 0xff) + "." + (b[13] & 0xff) + "." + (b[14] & 0xff) + "." + (b[15] & 0xff);
        }
        return address.toCanonicalString();
    }
}
