package dev.tollgate.core.model;

import java.util.Locale;

/**
 * Which route list of a VirtualService applies. At a sidecar the port's protocol decides: "HTTP routes will be
 * applied to ... service entry ports using HTTP/HTTP2/GRPC protocols"; "TLS routes will be applied to ...
 * service entry ports using HTTPS/TLS protocols"; "TCP routes will be applied to any port that is not a HTTP or
 * TLS port". At a gateway the server decides: {@link GatewayServerKind#routes()}.
 */
public enum RouteKind {
    HTTP, TLS, TCP;

    /**
     * The route list for a ServiceEntry port protocol: Istio's {@code IsHTTP} ports take http routes, its
     * {@code IsTLS} ports tls routes, the rest tcp routes (an unsupported protocol, which Istio would sniff, included).
     */
    public static RouteKind forServicePort(PortProtocol protocol) {
        if (protocol.isHttp()) {
            return HTTP;
        }
        return protocol.isTls() ? TLS : TCP;
    }

    /** The VirtualService field that holds this route list: {@code http}, {@code tls}, {@code tcp}. */
    public String field() {
        return name().toLowerCase(Locale.ROOT);
    }
}
