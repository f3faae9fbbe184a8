package dev.tollgate.core.routing;

import dev.tollgate.core.model.GatewayServerKind;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.ResourceKey;

import java.util.List;

/**
 * One server of a Gateway: port, hosts ({@code ns/dnsName} forms split) and what kind of server it is.
 *
 * @param gatewayName the Gateway as VirtualServices name it, {@code ns/name}
 */
public record GatewayServer(ResourceKey gateway, String gatewayName, int index, int port, GatewayServerKind kind,
                            String portName, List<ServerHost> hosts, Origin origin) {
    public GatewayServer {
        hosts = List.copyOf(hosts);
    }

    /**
     * A server host: "A host is specified as a dnsName with an optional namespace/ prefix"; {@code ./} means the
     * Gateway's namespace and {@code *} (or no prefix) any namespace. It restricts which VirtualServices may bind.
     */
    public record ServerHost(String namespace, String dnsName, String written) {
        /** Whether a VirtualService of {@code vsNamespace} may bind to this host. */
        public boolean admitsNamespace(String vsNamespace) {
            return namespace.equals("*") || namespace.equals(vsNamespace);
        }

        @Override
        public String toString() {
            return written;
        }
    }

    public String label() {
        return gateway + " servers[" + index + "] (port " + port + " " + kind + ", hosts " + hosts + ")";
    }
}
