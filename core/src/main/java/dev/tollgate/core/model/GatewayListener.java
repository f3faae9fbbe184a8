package dev.tollgate.core.model;

import dev.tollgate.core.model.ResourceKey;

import java.util.List;

/**
 * One port the egress gateway listens on, merged from the servers of every Gateway that selects it.
 *
 * @param protocol the server protocol as Istio names it: HTTP, HTTPS, HTTP2, GRPC, TLS, TCP, MONGO...
 * @param tlsMode  the server {@code tls.mode} (PASSTHROUGH, SIMPLE, MUTUAL, AUTO_PASSTHROUGH, ISTIO_MUTUAL,
 *                 OPTIONAL_MUTUAL), or {@code NONE} for plain servers
 * @param hosts    the server hosts, as written ({@code ns/host} forms kept)
 */
public record GatewayListener(int port, String protocol, String tlsMode, List<String> hosts,
                              List<ResourceKey> gateways) {
    public GatewayListener {
        hosts = List.copyOf(hosts);
        gateways = List.copyOf(gateways);
    }

    /** True when the gateway reads HTTP on this port (HTTP/HTTPS/HTTP2/GRPC servers). */
    public boolean readsHttp() {
        return switch (protocol.toUpperCase()) {
            case "HTTP", "HTTPS", "HTTP2", "GRPC", "GRPC-WEB" -> true;
            default -> false;
        };
    }
}
