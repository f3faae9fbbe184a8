package dev.tollgate.core.snapshot;

import dev.tollgate.core.model.HttpRequestInfo;
import java.util.Objects;
import java.util.Optional;

/**
 * What an application asked its sidecar for.
 *
 * @param host the requested host as given (the snapshot normalises case and a trailing dot)
 * @param sni  for TLS: the ClientHello's SNI, when the proxy has read it; the host otherwise
 * @param http present for {@link Protocol#HTTP}
 */
public record OutboundRequest(Protocol protocol, String host, int port, Optional<String> sni,
                              Optional<HttpRequestInfo> http) {
    public OutboundRequest {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(host, "host");
        sni = sni == null ? Optional.empty() : sni;
        http = http == null ? Optional.empty() : http;
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    public static OutboundRequest http(String host, int port, HttpRequestInfo http) {
        return new OutboundRequest(Protocol.HTTP, host, port, Optional.empty(), Optional.of(http));
    }

    public static OutboundRequest tls(String host, int port) {
        return new OutboundRequest(Protocol.TLS, host, port, Optional.of(host), Optional.empty());
    }

    public static OutboundRequest tcp(String host, int port) {
        return new OutboundRequest(Protocol.TCP, host, port, Optional.empty(), Optional.empty());
    }
}
