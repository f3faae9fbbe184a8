package dev.tollgate.core.model;

import io.fabric8.istio.api.api.networking.v1alpha3.Server;
import io.fabric8.istio.api.api.networking.v1alpha3.ServerTLSSettings;

import java.util.Optional;

/**
 * What a Gateway server is, from its port protocol and TLS mode: the one classification that validation, routing,
 * analysis, the snapshot and the gateway proxy share. The predicates mirror Istio's {@code pkg/config/gateway}
 * ({@code gateway.go}) one for one, and {@link #routes} and {@link #transport} follow how Istio's
 * {@code pilot/pkg/networking/core/gateway.go} builds the listener from them ({@code buildGatewayTCPBasedFilterChains},
 * {@code createGatewayTCPFilterChainOpts}).
 *
 * <p>The case this type exists for: an HTTPS server in PASSTHROUGH is not an HTTP server
 * ({@code IsHTTPServer} is false), so the gateway reads its SNI and routes it by {@code tls} routes exactly as a
 * TLS server in PASSTHROUGH, never terminating it.
 */
public record GatewayServerKind(PortProtocol protocol, ServerTlsMode tlsMode) {

    /**
     * The kind of one Gateway server as written. A server without a protocol is refused by validation; if one gets
     * this far it is read as HTTP, as Tollgate always has.
     */
    public static GatewayServerKind of(Server server) {
        String written = server.getPort() == null ? null : server.getPort().getProtocol();
        PortProtocol protocol = written == null ? PortProtocol.HTTP : PortProtocol.parse(written);
        ServerTLSSettings tls = server.getTls();
        return new GatewayServerKind(protocol, ServerTlsMode.of(protocol, tls != null,
                Optional.ofNullable(tls).map(ServerTLSSettings::getMode).map(Enum::name)));
    }

    /** How the gateway handles a connection's bytes before routing it. */
    public enum Transport {
        /** Read as sent: plain HTTP or opaque TCP. */
        PLAIN,
        /** TLS left intact: the SNI is read from the ClientHello and decides. */
        PASSTHROUGH,
        /** TLS terminated by the gateway with the server's credentials. */
        TERMINATE
    }

    /** Istio's {@code IsHTTPServer}: HTTP is the port's transport, or HTTPS whose TLS the gateway terminates. */
    public boolean isHttpServer() {
        return protocol.isHttp() || protocol == PortProtocol.HTTPS && !isPassThroughServer();
    }

    /**
     * Istio's {@code IsTLSServer}: a non-HTTP server with TLS settings (termination or passthrough). Its filter chains
     * match by SNI on the server's hosts. HTTP servers with TLS settings only redirect to HTTPS, so they are excluded.
     */
    public boolean isTlsServer() {
        return tlsMode != ServerTlsMode.NONE && !protocol.isHttp();
    }

    /** Istio's {@code IsPassThroughServer}: TLS settings in PASSTHROUGH or AUTO_PASSTHROUGH. */
    public boolean isPassThroughServer() {
        return tlsMode.passthrough();
    }

    /** Istio's {@code IsHTTPSServerWithTLSTermination}. */
    public boolean isHttpsServerWithTlsTermination() {
        return tlsMode != ServerTlsMode.NONE && protocol == PortProtocol.HTTPS && !isPassThroughServer();
    }

    /**
     * Istio's {@code IsTCPServerWithTLSTermination}, as Istio writes it: true for any non-passthrough server whose
     * protocol is neither HTTP nor HTTPS, with or without TLS settings (its callers test {@code server.Tls} first).
     */
    public boolean isTcpServerWithTlsTermination() {
        return !isPassThroughServer() && !protocol.isHttp() && !protocol.isHttps();
    }

    /** The gateway reads HTTP on this server: {@link #isHttpServer}. */
    public boolean readsHttp() {
        return isHttpServer();
    }

    /**
     * The route list that applies: Istio builds an HTTP connection manager for HTTP servers; for the others,
     * {@code createGatewayTCPFilterChainOpts} uses {@code tls} routes for passthrough servers and {@code tcp} routes
     * for opaque TCP and terminated TLS.
     */
    public RouteKind routes() {
        if (isHttpServer()) {
            return RouteKind.HTTP;
        }
        return isPassThroughServer() ? RouteKind.TLS : RouteKind.TCP;
    }

    /** What the gateway does with TLS: HTTP-protocol servers use TLS settings only to redirect, never to terminate. */
    public Transport transport() {
        if (tlsMode == ServerTlsMode.NONE || protocol.isHttp()) {
            return Transport.PLAIN;
        }
        return isPassThroughServer() ? Transport.PASSTHROUGH : Transport.TERMINATE;
    }

    /** Connections are matched to servers by SNI rather than by port alone or by Host. */
    public boolean selectsBySni() {
        return isTlsServer();
    }

    /** The gateway terminates TLS here, so a client that sends plain bytes fails its handshake. */
    public boolean terminatesTls() {
        return transport() == Transport.TERMINATE;
    }

    /**
     * Servers Tollgate's gateway listens for. It loads no server credentials, so of the terminating modes it serves
     * only ISTIO_MUTUAL (the mesh certificate); AUTO_PASSTHROUGH needs Istio's {@code outbound_.port_._.host} SNI
     * scheme, which it does not implement; and it does not implement {@code httpsRedirect}, the only use of TLS
     * settings on an HTTP server, so it does not serve those rather than forward what Istio would redirect.
     */
    public boolean servedByTollgate() {
        return switch (transport()) {
            case PLAIN -> tlsMode == ServerTlsMode.NONE;
            case PASSTHROUGH -> tlsMode == ServerTlsMode.PASSTHROUGH;
            case TERMINATE -> tlsMode == ServerTlsMode.ISTIO_MUTUAL;
        };
    }

    /** As Tollgate's messages write it: {@code HTTPS PASSTHROUGH}, {@code HTTP}. */
    @Override
    public String toString() {
        return protocol + (tlsMode == ServerTlsMode.NONE ? "" : " " + tlsMode);
    }
}
