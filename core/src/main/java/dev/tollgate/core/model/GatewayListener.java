package dev.tollgate.core.model;

import java.util.List;

/**
 * One port the egress gateway listens on, merged from the servers of every Gateway that selects it. Istio keeps the
 * first server's kind for a port; the later servers that share the listener are compatible with it.
 *
 * @param kind  the first server's protocol and TLS mode
 * @param hosts the server hosts, as written ({@code ns/host} forms kept)
 */
public record GatewayListener(int port, GatewayServerKind kind, List<String> hosts, List<ResourceKey> gateways) {
    public GatewayListener {
        hosts = List.copyOf(hosts);
        gateways = List.copyOf(gateways);
    }

    /** True when the gateway reads HTTP on this port: {@link GatewayServerKind#isHttpServer()}. */
    public boolean readsHttp() {
        return kind.readsHttp();
    }
}
