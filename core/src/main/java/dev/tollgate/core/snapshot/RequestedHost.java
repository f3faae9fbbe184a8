package dev.tollgate.core.snapshot;

import dev.tollgate.core.registry.Hosts;

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

    /** Why the request names another host than the one it asked for, or empty when it names the same one. */
    public static Optional<String> mismatch(OutboundRequest request) {
        String host = Hosts.normalise(unbracket(request.host()));
        if (request.protocol() == Protocol.HTTP && request.http().isPresent()) {
            String authority = request.http().get().authority();
            Optional<HostPort> named = parse(authority);
            if (named.isEmpty() || !named.get().host().equals(host) || named.get().port() != request.port()) {
                return Optional.of("Host header " + authority + " does not match the request's host "
                        + hostPort(host, request.port()));
            }
        }
        if (request.protocol() == Protocol.TLS && request.sni().isPresent()
                && !Hosts.normalise(request.sni().get()).equals(host)) {
            return Optional.of("TLS SNI " + request.sni().get() + " does not match the CONNECT host "
                    + hostPort(host, request.port()));
        }
        return Optional.empty();
    }

    private record HostPort(String host, int port) {
    }

    /** {@code host}, {@code host:port}, {@code [v6]} or {@code [v6]:port}; anything else is malformed (empty). */
    private static Optional<HostPort> parse(String authority) {
        String a = authority.trim();
        String host;
        String port = "";
        if (a.startsWith("[")) {
            int end = a.indexOf(']');
            if (end < 0) {
                return Optional.empty();
            }
            host = a.substring(1, end);
            String rest = a.substring(end + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    return Optional.empty();
                }
                port = rest.substring(1);
            }
        } else {
            int colon = a.indexOf(':');
            if (colon != a.lastIndexOf(':')) {
                return Optional.empty(); // an IPv6 literal must be bracketed in a Host header
            }
            host = colon < 0 ? a : a.substring(0, colon);
            port = colon < 0 ? "" : a.substring(colon + 1);
        }
        if (host.isEmpty()) {
            return Optional.empty();
        }
        int p = HTTP_DEFAULT_PORT;
        if (!port.isEmpty()) {
            if (port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return Optional.empty();
            }
            p = Integer.parseInt(port);
        }
        return Optional.of(new HostPort(Hosts.normalise(host), p));
    }

    private static String unbracket(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static String hostPort(String host, int port) {
        return host + (port == HTTP_DEFAULT_PORT ? "" : ":" + port);
    }
}
