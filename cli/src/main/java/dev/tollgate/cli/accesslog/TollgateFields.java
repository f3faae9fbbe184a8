package dev.tollgate.cli.accesslog;

import dev.tollgate.core.model.net.Authority;

import java.util.Optional;

/**
 * The fields of a Tollgate access log line ({@code dev.tollgate.proxy.AccessLogEntry}) that say who asked for what,
 * read from its JSON or its text form.
 *
 * @param protocol http: {@code request} is {@code METHOD AUTHORITY PATH} ({@code -} for no Host); tunnel: a CONNECT,
 *                 which the sidecar decides as TLS to its target; tcp: a gateway's TLS or TCP server, TLS when it
 *                 has an SNI
 * @param principal the sidecar's own workload, or at the gateway the mTLS peer ({@code td/ns/N/sa/S})
 */
record TollgateFields(String protocol, String request, String principal, String host, int port, String sni,
                      int responseCode, String originalDestination) {

    LineResult toResult(String where, LogFormat format) {
        Optional<Source> source = Source.ofPrincipal(principal);
        Optional<String> unattributed = source.isPresent() ? Optional.empty()
                : Optional.of(EnvoyFields.none(principal) ? "the line names no source principal"
                        : "the source principal " + EnvoyFields.shown(principal) + " is not a SPIFFE ID");
        Optional<String> original = Optional.ofNullable(originalDestination)
                .flatMap(o -> Authority.tryParse(o, -1)).map(Authority::host);
        try {
            String scheme;
            String method = null;
            String path = "/";
            String h = host;
            switch (protocol) {
                case "http" -> {
                    String[] parts = request == null ? new String[0] : request.split(" ", -1);
                    if (parts.length == 2 && parts[1].startsWith("http://")) {
                        // refused before routing, the line keeps the request line's absolute URI
                        int slash = parts[1].indexOf('/', "http://".length());
                        parts = new String[]{parts[0], "-", slash < 0 ? "/" : parts[1].substring(slash)};
                    }
                    if (parts.length != 3 || parts[0].isEmpty() || !EnvoyFields.visiblePath(parts[2])) {
                        return new LineResult.Skipped(where, "an http line whose request is not \"METHOD AUTHORITY "
                                + "PATH\"" + (request == null ? "" : ": " + EnvoyFields.shown(request)));
                    }
                    scheme = "http";
                    method = parts[0];
                    path = parts[2];
                }
                case "tunnel" -> scheme = "https";
                case "tcp" -> {
                    scheme = EnvoyFields.none(sni) ? "tcp" : "https";
                    h = EnvoyFields.none(sni) ? host : sni;
                }
                default -> {
                    return new LineResult.Skipped(where, "unknown protocol " + EnvoyFields.shown(protocol));
                }
            }
            if (EnvoyFields.none(h) || port < 1 || port > 65535) {
                return new LineResult.Skipped(where, "no destination host and port (the request was refused "
                        + "before one was known)");
            }
            Authority a = Authority.parse(h.indexOf(':') >= 0 ? "[" + h + "]:" + port : h + ":" + port, -1);
            return new LineResult.Observed(new ObservedRequest(where, format, source, unattributed, scheme, method,
                    a.host(), a.port(), path, responseCode, original));
        } catch (IllegalArgumentException e) {
            return new LineResult.Skipped(where, e.getMessage());
        }
    }
}
