package dev.tollgate.core.snapshot;

import dev.tollgate.core.model.HttpRequestInfo;
import java.util.Objects;
import java.util.Optional;

/**
 * What arrives at the egress gateway.
 *
 * @param port               the Gateway server's port ({@code destination.port}), not a mapped listen port
 * @param sni                the SNI of the (m)TLS connection the gateway terminated or peeked, if any
 * @param peer               the authenticated peer, for ISTIO_MUTUAL / MUTUAL servers
 * @param http               present when the gateway reads HTTP on this server
 * @param sourceAddress      the peer's IP ({@code source.ip} / {@code remote.ip})
 * @param destinationAddress the gateway's local IP ({@code destination.ip})
 */
public record GatewayRequest(int port, Optional<String> sni, Optional<Peer> peer, Optional<HttpRequestInfo> http,
                             String sourceAddress, String destinationAddress) {
    public GatewayRequest {
        sni = sni == null ? Optional.empty() : sni;
        peer = peer == null ? Optional.empty() : peer;
        http = http == null ? Optional.empty() : http;
        Objects.requireNonNull(sourceAddress);
        Objects.requireNonNull(destinationAddress);
    }
}
