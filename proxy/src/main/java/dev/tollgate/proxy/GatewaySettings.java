package dev.tollgate.proxy;

import dev.tollgate.core.model.EgressGatewayIdentity;
import dev.tollgate.core.model.WorkloadRef;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * How to run the egress gateway.
 *
 * @param workload        the gateway's own workload: authorization applies the policies of the root namespace and
 *                        those of its namespace whose selector matches its labels
 * @param bindAddress     the address every listener binds (e.g. {@code 127.0.0.1} or {@code 0.0.0.0})
 * @param portOffset      a Gateway server on port P listens on P + offset ({@code destination.port} stays P);
 *                        {@link #EPHEMERAL_PORTS} binds each server to a free port instead (tests)
 * @param identity        the gateway's workload certificate and the mesh roots (ISTIO_MUTUAL servers)
 * @param hosts           {@code --resolve}/{@code --connect-to} maps for upstream connections
 * @param caBundle        PEM roots that TLS origination trusts instead of the system trust store
 * @param admin           the admin server's address; empty for none
 * @param accessLog       where access log entries go
 * @param idleTimeout     a connection with no traffic either way for this long is closed
 * @param ioThreads       event loop threads (0: Netty's default)
 * @param reloads         reload counters for the metrics
 * @param refreshInterval how often the listener set is compared with the current snapshot's (reloads also call
 *                        {@link EgressGateway#refresh()})
 * @param limits          what clients may hold and ask for ({@link Limits}; {@link Limits#DEFAULTS} by default)
 * @param connect     upstream connect timeout and the address blocks the {@link AddressGuard} lets through
 * @param upstreamPool how long and how many idle upstream connections are kept for reuse
 */
public record GatewaySettings(WorkloadRef workload, String bindAddress, int portOffset, MeshIdentity identity,
                              HostMap hosts, Optional<Path> caBundle, Optional<InetSocketAddress> admin,
                              Consumer<AccessLogEntry> accessLog, Duration idleTimeout, int ioThreads,
                              ReloadStats reloads, Duration refreshInterval, Limits limits, ConnectSettings connect,
                              UpstreamPoolSettings upstreamPool) implements ProxySettings {
    public static final int EPHEMERAL_PORTS = -1;

    public GatewaySettings {
        Objects.requireNonNull(workload, "workload");
        Objects.requireNonNull(bindAddress, "bindAddress");
        if (portOffset < EPHEMERAL_PORTS || portOffset > 65534) {
            throw new IllegalArgumentException("port offset out of range: " + portOffset);
        }
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(hosts, "hosts");
        caBundle = caBundle == null ? Optional.empty() : caBundle;
        admin = admin == null ? Optional.empty() : admin;
        Objects.requireNonNull(accessLog, "accessLog");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(reloads, "reloads");
        Objects.requireNonNull(refreshInterval, "refreshInterval");
        Objects.requireNonNull(limits, "limits");
        connect = connect == null ? ConnectSettings.DEFAULTS : connect;
        upstreamPool = upstreamPool == null ? UpstreamPoolSettings.DEFAULTS : upstreamPool;
    }

    /** Istio's gateway workload, on 127.0.0.1 with no port offset, JSON access log on stdout. */
    public static GatewaySettings defaults(MeshIdentity identity) {
        return new GatewaySettings(EgressGatewayIdentity.WORKLOAD, "127.0.0.1", 0, identity, HostMap.EMPTY, Optional.empty(),
                Optional.empty(), AccessLog.stdout(AccessLog.Format.JSON), Duration.ofHours(1), 0, ReloadStats.NONE,
                Duration.ofSeconds(1), Limits.DEFAULTS, ConnectSettings.DEFAULTS,
                UpstreamPoolSettings.DEFAULTS);
    }

    public GatewaySettings withWorkload(WorkloadRef w) {
        return new GatewaySettings(w, bindAddress, portOffset, identity, hosts, caBundle, admin, accessLog,
                idleTimeout, ioThreads, reloads, refreshInterval, limits, connect, upstreamPool);
    }

    public GatewaySettings withBind(String address, int offset) {
        return new GatewaySettings(workload, address, offset, identity, hosts, caBundle, admin, accessLog,
                idleTimeout, ioThreads, reloads, refreshInterval, limits, connect, upstreamPool);
    }

    public GatewaySettings withHosts(HostMap h) {
        return new GatewaySettings(workload, bindAddress, portOffset, identity, h, caBundle, admin, accessLog,
                idleTimeout, ioThreads, reloads, refreshInterval, limits, connect, upstreamPool);
    }

    public GatewaySettings withCaBundle(Optional<Path> b) {
        return new GatewaySettings(workload, bindAddress, portOffset, identity, hosts, b, admin, accessLog,
                idleTimeout, ioThreads, reloads, refreshInterval, limits, connect, upstreamPool);
    }

    public GatewaySettings withAdmin(Optional<InetSocketAddress> a) {
        return new GatewaySettings(workload, bindAddress, portOffset, identity, hosts, caBundle, a, accessLog,
                idleTimeout, ioThreads, reloads, refreshInterval, limits, connect, upstreamPool);
    }

    public GatewaySettings withAccessLog(Consumer<AccessLogEntry> l) {
        return new GatewaySettings(workload, bindAddress, portOffset, identity, hosts, caBundle, admin, l,
                idleTimeout, ioThreads, reloads, refreshInterval, limits, connect, upstreamPool);
    }

    public GatewaySettings withIdleTimeout(Duration d) {
        return new GatewaySettings(workload, bindAddress, portOffset, identity, hosts, caBundle, admin, accessLog,
                d, ioThreads, reloads, refreshInterval, limits, connect, upstreamPool);
    }

    public GatewaySettings withIoThreads(int n) {
        return new GatewaySettings(workload, bindAddress, portOffset, identity, hosts, caBundle, admin, accessLog,
                idleTimeout, n, reloads, refreshInterval, limits, connect, upstreamPool);
    }

    public GatewaySettings withReloads(ReloadStats r) {
        return new GatewaySettings(workload, bindAddress, portOffset, identity, hosts, caBundle, admin, accessLog,
                idleTimeout, ioThreads, r, refreshInterval, limits, connect, upstreamPool);
    }

    public GatewaySettings withRefreshInterval(Duration d) {
        return new GatewaySettings(workload, bindAddress, portOffset, identity, hosts, caBundle, admin, accessLog,
                idleTimeout, ioThreads, reloads, d, limits, connect, upstreamPool);
    }

    public GatewaySettings withLimits(Limits l) {
        return new GatewaySettings(workload, bindAddress, portOffset, identity, hosts, caBundle, admin, accessLog,
                idleTimeout, ioThreads, reloads, refreshInterval, l, connect, upstreamPool);
    }

    public GatewaySettings withConnect(ConnectSettings c) {
        return new GatewaySettings(workload, bindAddress, portOffset, identity, hosts, caBundle, admin, accessLog,
                idleTimeout, ioThreads, reloads, refreshInterval, limits, c, upstreamPool);
    }

    public GatewaySettings withUpstreamPool(UpstreamPoolSettings p) {
        return new GatewaySettings(workload, bindAddress, portOffset, identity, hosts, caBundle, admin, accessLog,
                idleTimeout, ioThreads, reloads, refreshInterval, limits, connect, p);
    }

    /** Shorthand for {@code withLimits(limits().withMaxTunnelLifetime(d))}. */
    public GatewaySettings withMaxTunnelLifetime(Duration d) {
        return withLimits(limits.withMaxTunnelLifetime(d));
    }
}
