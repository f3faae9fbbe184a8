package dev.tollgate.core.snapshot;

import dev.tollgate.core.model.net.Authority;
import dev.tollgate.core.model.net.HostName;

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

    private static String unbracket(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static String hostPort(String host, int port) {
        return host + (port == HTTP_DEFAULT_PORT ? "" : ":" + port);
    }
}
