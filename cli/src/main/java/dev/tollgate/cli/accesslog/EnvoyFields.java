package dev.tollgate.cli.accesslog;

import dev.tollgate.core.model.net.Authority;

import java.util.Optional;

/**
 * The fields of an Envoy access log line that say what was asked for, whichever way the line was written (Istio's
 * JSON, Istio's text, Envoy's text). {@code "-"} is Envoy's word for "none".
 *
 * @param principal        the downstream peer's URI SAN, when the format logs it ({@code downstream_peer_uri_san})
 * @param cluster          the upstream cluster ({@code outbound|PORT|SUBSET|HOST}, {@code PassthroughCluster}...)
 * @param downstreamLocal  where the connection went ({@code address:port}; at a sidecar, the original destination)
 */
record EnvoyFields(String method, String path, String code, String authority, String cluster,
                   String downstreamLocal, String sni, String principal) {

    LineResult toResult(String where, LogFormat format) {
        int status;
        try {
            status = none(code) ? 0 : Integer.parseInt(code);
        } catch (NumberFormatException e) {
            return new LineResult.Skipped(where, "response code " + shown(code) + " is not a number");
        }
        Optional<Source> source = Optional.empty();
        Optional<String> unattributed = Optional.of("the " + format.text() + " format names no source workload");
        if (!none(principal)) {
            source = Source.ofPrincipal(principal);
            unattributed = source.isPresent() ? Optional.empty()
                    : Optional.of("the peer principal " + shown(principal) + " is not a SPIFFE ID");
        }
        try {
            if (!none(method)) {
                if (none(authority)) {
                    return new LineResult.Skipped(where, "an HTTP request without an authority (Host)");
                }
                // HTTP writes the port in Host only when it is not the scheme's default (RFC 9110 7.2)
                Authority a = Authority.parse(authority, 80);
                String p = none(path) ? "/" : path;
                if (!visiblePath(p)) {
                    return new LineResult.Skipped(where, "path " + shown(p)
                            + " does not start with / or holds a character that is not visible ASCII");
                }
                return observed(where, format, source, unattributed, "http", method, a, p, status);
            }
            Optional<Integer> clusterPort = clusterPort();
            Optional<Integer> localPort = none(downstreamLocal) ? Optional.empty()
                    : Authority.tryParse(downstreamLocal, -1).map(Authority::port);
            Optional<Integer> port = clusterPort.or(() -> localPort);
            if (!none(sni)) {
                if (port.isEmpty()) {
                    return new LineResult.Skipped(where, "a TLS connection (SNI " + shown(sni)
                            + ") without a port (no outbound cluster, no downstream local address)");
                }
                return observed(where, format, source, unattributed, "https", null, Authority.parse(sni + ":" + port.get(), -1),
                        "/", status);
            }
            Optional<String> clusterHost = clusterHost();
            if (clusterHost.isPresent() && clusterPort.isPresent()) {
                return observed(where, format, source, unattributed, "tcp", null,
                        Authority.parse(hostText(clusterHost.get()) + ":" + clusterPort.get(), -1), "/", status);
            }
            if (!none(downstreamLocal)) {
                return observed(where, format, source, unattributed, "tcp", null, Authority.parse(downstreamLocal, -1),
                        "/", status);
            }
            return new LineResult.Skipped(where, "no destination: no method, authority, SNI, cluster or local address");
        } catch (IllegalArgumentException e) {
            return new LineResult.Skipped(where, e.getMessage());
        }
    }

    private static LineResult observed(String where, LogFormat format, Optional<Source> source,
                                       Optional<String> unattributed, String scheme, String method, Authority a,
                                       String path, int status) {
        return new LineResult.Observed(new ObservedRequest(where, format, source, unattributed, scheme, method,
                a.host(), a.port(), path, status, Optional.empty()));
    }

    /** {@code outbound|443||api.example.com}: the port, when the cluster is Istio's outbound one. */
    private Optional<Integer> clusterPort() {
        String[] parts = outbound();
        if (parts == null) {
            return Optional.empty();
        }
        try {
            int p = Integer.parseInt(parts[1]);
            return p >= 1 && p <= 65535 ? Optional.of(p) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private Optional<String> clusterHost() {
        String[] parts = outbound();
        return parts == null || parts[3].isEmpty() ? Optional.empty() : Optional.of(parts[3]);
    }

    private String[] outbound() {
        if (none(cluster) || !cluster.startsWith("outbound|")) {
            return null;
        }
        String[] parts = cluster.split("\\|", -1);
        return parts.length == 4 ? parts : null;
    }

    private static String hostText(String host) {
        return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    /** An HTTP request target in origin form: visible ASCII only (RFC 9112 3.2), so nothing reaches a terminal. */
    static boolean visiblePath(String p) {
        return p.startsWith("/") && dev.tollgate.core.model.net.RequestTarget.problem(p).isEmpty();
    }

    static boolean none(String s) {
        return s == null || s.isEmpty() || s.equals("-");
    }

    /** For messages: hostile bytes must not reach a terminal. */
    static String shown(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.append(s.length() > 80 ? "...\"" : "\"").toString();
    }
}
