package dev.tollgate.core.authz;

import java.util.List;

/** The request attributes the matcher leaves read. {@link #read} returns null when the attribute is absent. */
enum Attr {
    SOURCE_PRINCIPAL, SOURCE_IP, REMOTE_IP, DESTINATION_IP, DESTINATION_PORT, SNI, METHOD, HOST, PATH, HEADER,
    REQUEST_AUTH, ENVOY_METADATA;

    String read(AuthzRequest r, String headerName) {
        return switch (this) {
            case SOURCE_PRINCIPAL -> r.sourcePrincipal().orElse(null);
            case SOURCE_IP -> r.sourceIp();
            case REMOTE_IP -> r.remoteIp();
            case DESTINATION_IP -> r.destinationIp();
            case DESTINATION_PORT -> Integer.toString(r.destinationPort());
            // Envoy's requested_server_name is the empty string without SNI: "*" (.+) does not match it.
            case SNI -> r.sni().orElse("");
            // No Optional.map on the hot path: it would allocate per request.
            case METHOD -> r.http().isPresent() ? r.http().get().method() : null;
            case HOST -> r.http().isPresent() ? r.http().get().authority() : null;
            // The Authorizer has normalized the path already (PathNormalizer), as Envoy does before its filters.
            case PATH -> r.http().isPresent() ? urlPath(r.http().get().path()) : null;
            case HEADER -> r.http().isPresent() ? header(r.http().get(), headerName) : null;
            case REQUEST_AUTH, ENVOY_METADATA -> null;
        };
    }

    /** What explain prints for the actual value. */
    String describe(AuthzRequest r, String headerName) {
        if (this == SOURCE_PRINCIPAL && r.sourcePrincipal().isEmpty()) {
            return "an unauthenticated peer (no mTLS principal)";
        }
        if (this == SNI && r.sni().isEmpty()) {
            return "a connection without SNI";
        }
        if (this == REQUEST_AUTH) {
            return "a request without a validated JWT (Tollgate has no RequestAuthentication)";
        }
        if (this == ENVOY_METADATA) {
            return "no Envoy filter metadata (Tollgate has none)";
        }
        String v = read(r, headerName);
        if (v == null) {
            return this == HEADER ? "no header " + headerName : "a TCP connection (no HTTP request)";
        }
        return v;
    }

    /** Envoy's url_path: the path without query and fragment. */
    static String urlPath(String path) {
        int q = path.indexOf('?');
        int f = path.indexOf('#');
        int end = q < 0 ? f : (f < 0 ? q : Math.min(q, f));
        return end < 0 ? path : path.substring(0, end);
    }

    /** Envoy joins repeated header values with ','; the pseudo-headers come from the request line. */
    static String header(dev.tollgate.core.model.HttpRequestInfo h, String name) {
        switch (name) {
            case ":authority":
                return h.authority();
            case ":method":
                return h.method();
            case ":path":
                return h.path();
            default:
                List<String> values = h.headers().get(name);
                if (values == null || values.isEmpty()) {
                    return null;
                }
                return values.size() == 1 ? values.get(0) : String.join(",", values);
        }
    }
}
