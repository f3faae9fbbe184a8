package dev.tollgate.core.routing;

import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.ResourceKey;

import java.util.List;
import java.util.Locale;

/**
 * One server of a Gateway: port, protocol, hosts ({@code ns/dnsName} forms split) and TLS mode.
 *
 * @param gatewayName the Gateway as VirtualServices name it, {@code ns/name}
 * @param tlsMode     {@code NONE} for plain servers; otherwise the server's tls.mode (PASSTHROUGH when unset)
 */
public record GatewayServer(ResourceKey gateway, String gatewayName, int index, int port, String protocol,
                            String portName, List<ServerHost> hosts, String tlsMode, Origin origin) {
    public GatewayServer {
        hosts = List.copyOf(hosts);
        protocol = protocol.toUpperCase(Locale.ROOT);
    }

    /**
     * A server host: "A host is specified as a dnsName with an optional namespace/ prefix"; {@code ./} means the
     * Gateway's namespace and {@code *} (or no prefix) any namespace. It restricts which VirtualServices may bind.
     */
    public record ServerHost(String namespace, String dnsName, String written) {
        boolean admitsNamespace(String vsNamespace) {
            return namespace.equals("*") || namespace.equals(vsNamespace);
        }

        @Override
        public String toString() {
            return written;
        }
    }

    /** TLS or HTTPS servers select by SNI; plain HTTP/TCP servers do not. */
    public boolean tlsBased() {
        return protocol.equals("HTTPS") || protocol.equals("TLS");
    }

    public boolean passthrough() {
        return tlsMode.equals("PASSTHROUGH") || tlsMode.equals("AUTO_PASSTHROUGH");
    }

    /** "HTTP routes will be applied to ... gateway ports with protocol HTTP/HTTP2/GRPC/ TLS-terminated-HTTPS". */
    public boolean readsHttp() {
        return switch (protocol) {
            case "HTTP", "HTTP2", "GRPC", "GRPC-WEB" -> true;
            case "HTTPS" -> !passthrough();
            default -> false;
        };
    }

    /** Servers whose TLS the gateway terminates with a client certificate requirement. */
    public boolean requiresClientCertificate() {
        return tlsMode.equals("MUTUAL") || tlsMode.equals("ISTIO_MUTUAL");
    }

    public String label() {
        return gateway + " servers[" + index + "] (port " + port + " " + protocol
                + (tlsMode.equals("NONE") ? "" : " " + tlsMode) + ", hosts " + hosts + ")";
    }
}
