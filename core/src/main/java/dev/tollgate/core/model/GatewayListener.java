package dev.tollgate.core.model;

import java.util.List;

/**
 * One port the egress gateway listens on, merged from the servers of every Gateway that selects it, as Istio's
 * {@code mergeGateways} (pilot/pkg/model/gateway.go) keeps them: servers of several kinds can share one port (TLS
 * servers told apart by SNI, plus at most one group of plain servers), each connection going to one of them by the
 * core's server selection ({@code MeshSnapshot.gatewayServerKind}).
 *
 * @param kind  the first server's protocol and TLS mode
 * @param hosts the server hosts, as written ({@code ns/host} forms kept)
 * @param kinds the distinct kinds of every server kept on the port, the first server's first
 */
public record GatewayListener(int port, GatewayServerKind kind, List<String> hosts, List<ResourceKey> gateways,
                              List<GatewayServerKind> kinds) {
    public GatewayListener {
        hosts = List.copyOf(hosts);
        gateways = List.copyOf(gateways);
        kinds = List.copyOf(kinds);
        if (kinds.isEmpty() || !kinds.get(0).equals(kind)) {
            throw new IllegalArgumentException("kinds must start with the first server's kind " + kind);
        }
    }

    /** A port whose servers are all of one kind. */
    public GatewayListener(int port, GatewayServerKind kind, List<String> hosts, List<ResourceKey> gateways) {
        this(port, kind, hosts, gateways, List.of(kind));
    }

    /** True when the gateway reads HTTP on this port: {@link GatewayServerKind#isHttpServer()}. */
    public boolean readsHttp() {
        return kind.readsHttp();
    }
}
