package dev.tollgate.core.snapshot;

import dev.tollgate.core.model.net.Authority;
import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.model.net.HostPattern;
import dev.tollgate.core.model.net.IpAddress;
import dev.tollgate.core.registry.ServiceMatch;

import java.util.Optional;

/**
 * The sidecar's own-name rule (DESIGN.md: "the sidecar: Host or SNI differs from the requested host -> 502, with the
 * reason"). The registry, routes and the gateway's policies decide on the requested host; an HTTP Host header or a
 * TLS SNI naming another host would let a client reach that other host under the requested host's permissions, so
 * the request is refused. The proxies ask this too (the SNI is known only after the tunnel is up), so the rule has
 * one implementation. Names compare as DESIGN.md says: case-insensitively, a trailing dot ignored, the scheme's
 * default port implied (80: the sidecar reads HTTP only as plain {@code http://}).
 */
public final class RequestedHost {
    private static final int HTTP_DEFAULT_PORT = 80;

    private RequestedHost() {
    }

    /**
     * Why the request names another host than the one it asked for, or a host Tollgate refuses everywhere (not
     * ASCII: {@link HostName#nonAscii}; a number that is no strict IPv4 address: {@link HostName#ambiguousNumber}); empty when it names the same one.
     */
    public static Optional<String> mismatch(OutboundRequest request) {
        Optional<String> nonAscii = HostName.nonAscii(request.host())
                .or(() -> request.http().flatMap(h -> Authority.nonAscii(h.authority().trim())))
                .or(() -> request.sni().flatMap(HostName::nonAscii))
                .or(() -> HostName.ambiguousNumber(unbracket(request.host())));
        if (nonAscii.isPresent()) {
            return nonAscii;
        }
        String host = HostName.fold(unbracket(request.host()));
        if (request.protocol() == Protocol.HTTP && request.http().isPresent()) {
            String authority = request.http().get().authority();
            Optional<Authority> named = Authority.tryParse(authority.trim(), HTTP_DEFAULT_PORT);
            if (named.isEmpty() || !named.get().host().equals(host) || named.get().port() != request.port()) {
                return Optional.of("Host header " + authority + " does not match the request's host "
                        + hostPort(host, request.port()));
            }
        }
        if (request.protocol() == Protocol.TLS && request.sni().isPresent()
                && !HostName.fold(request.sni().get()).equals(host)) {
            return Optional.of("TLS SNI " + request.sni().get() + " does not match the CONNECT host "
                    + hostPort(host, request.port()));
        }
        return Optional.empty();
    }

    /**
     * The pinned-address rule for a captured connection: the application connected to an address that a
     * ServiceEntry of its view declares in {@code addresses} (so the configuration pins that address to the entry's
     * hosts), while its Host header or SNI names a host the entry does not have. Deciding by the name would send the
     * client's bytes, under that name's permissions, either to the pinned service or elsewhere than it connected:
     * refused.
     *
     * @param pinned the entry the workload's registry finds for the original destination address, if any
     */
    static Optional<String> pinnedElsewhere(OutboundRequest request, Optional<ServiceMatch> pinned) {
        if (request.originalDestination().isEmpty() || pinned.isEmpty()) {
            return Optional.empty();
        }
        String original = request.originalDestination().get();
        String named = HostName.fold(unbracket(request.protocol() == Protocol.TLS
                ? request.sni().orElse(request.host()) : request.host()));
        Optional<IpAddress> namedIp = IpAddress.parse(named);
        if (namedIp.isPresent() && namedIp.equals(IpAddress.parse(original))) {
            return Optional.empty();
        }
        var entry = pinned.get().entry();
        java.util.List<String> hosts = entry.spec().getHosts() == null ? java.util.List.of() : entry.spec().getHosts();
        for (String h : hosts) {
            if (HostPattern.matches(h, named)) {
                return Optional.empty();
            }
        }
        String what = request.protocol() == Protocol.TLS ? "SNI " : request.protocol() == Protocol.HTTP
                ? "Host header " : "host ";
        return Optional.of(what + named + " does not match the original destination " + original + ", which "
                + entry.key() + " pins to " + String.join(", ", hosts));
    }

    private static String unbracket(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static String hostPort(String host, int port) {
        return host + (port == HTTP_DEFAULT_PORT ? "" : ":" + port);
    }
}
