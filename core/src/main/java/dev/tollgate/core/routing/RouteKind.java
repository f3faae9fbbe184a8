package dev.tollgate.core.routing;

/**
 * Which route list of a VirtualService applies. At a sidecar the port's protocol decides: "HTTP routes will be
 * applied to ... service entry ports using HTTP/HTTP2/GRPC protocols"; "TLS routes will be applied to ...
 * service entry ports using HTTPS/TLS protocols"; "TCP routes will be applied to any port that is not a HTTP or
 * TLS port".
 */
public enum RouteKind {
    HTTP, TLS, TCP;

    /** The route list for a ServiceEntry port protocol (Istio's protocol names, case-insensitive). */
    public static RouteKind forPortProtocol(String protocol) {
        String p = protocol == null ? "" : protocol;
        return ofUpperCase(isAsciiUpperCase(p) ? p : p.toUpperCase(java.util.Locale.ROOT));
    }

    /** Istio writes protocols in upper case: then there is nothing to convert (this runs on every decision). */
    private static boolean isAsciiUpperCase(String p) {
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c >= 'a' && c <= 'z' || c > 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static RouteKind ofUpperCase(String p) {
        return switch (p) {
            case "HTTP", "HTTP2", "GRPC", "GRPC-WEB" -> HTTP;
            case "HTTPS", "TLS" -> TLS;
            default -> TCP;
        };
    }

    String field() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
