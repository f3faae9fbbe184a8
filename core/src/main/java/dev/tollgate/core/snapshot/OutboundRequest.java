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
 * @param originalDestination for a connection the sidecar captured transparently: the IP literal the application
 *                            connected to (SO_ORIGINAL_DST). A Host or SNI naming another host than the one the
 *                            configuration pins that address to is refused ({@link RequestedHost#pinnedElsewhere});
 *                            where Istio's cluster would be ORIGINAL_DST the upstream is this address
 *                            ({@link Upstream#originalDestination}). Empty for the explicit proxy.
 */
public record OutboundRequest(Protocol protocol, String host, int port, Optional<String> sni,
                              Optional<HttpRequestInfo> http, Optional<String> originalDestination) {
    public OutboundRequest(Protocol protocol, String host, int port, Optional<String> sni,
                           Optional<HttpRequestInfo> http) {
        this(protocol, host, port, sni, http, Optional.empty());
    }

    public OutboundRequest {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(host, "host");
        sni = sni == null ? Optional.empty() : sni;
        http = http == null ? Optional.empty() : http;
        originalDestination = originalDestination == null ? Optional.empty() : originalDestination;
        if (originalDestination.isPresent() && !dev.tollgate.core.model.net.IpAddress.isLiteral(
                originalDestination.get())) {
            throw new IllegalArgumentException("original destination is not an IP literal: "
                    + originalDestination.get());
        }
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

    /** The same request, captured on its way to {@code ip} (an IP literal, without brackets). */
    public OutboundRequest capturedTo(String ip) {
        return new OutboundRequest(protocol, host, port, sni, http, Optional.of(ip));
    }
}
