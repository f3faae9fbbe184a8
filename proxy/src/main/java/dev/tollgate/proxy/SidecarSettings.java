package dev.tollgate.proxy;

import dev.tollgate.core.model.WorkloadRef;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * How to run one sidecar.
 *
 * @param workload    whose sidecar this is: its namespace, service account and labels (its identity, never a
 *                    config default)
 * @param listen      where the application's {@code http_proxy}/{@code https_proxy} point (port 0: any free port)
 * @param identity    the workload certificate (for mTLS to the egress gateway) and the mesh roots
 * @param hosts       {@code --resolve}/{@code --connect-to} maps
 * @param caBundle    PEM roots that direct TLS origination (DestinationRule SIMPLE) trusts instead of the system's
 * @param admin       the admin server's address ({@code /metrics}, {@code /ready}, {@code /healthz},
 *                    {@code /config_dump}); empty for none
 * @param accessLog   where access log entries go (see {@link AccessLog#stdout})
 * @param idleTimeout a connection with no traffic either way for this long is closed
 * @param ioThreads   event loop threads (0: Netty's default)
 * @param reloads     reload counters for the metrics
 * @param splice      relay bulk direct CONNECT tunnels with splice(2) when both ends are epoll sockets; off by
 *                    default, as byte counts and the idle timer then see the traffic only in chunks (see Splice)
 * @param limits      what clients may hold and ask for ({@link Limits}; {@link Limits#DEFAULTS} by default)
 * @param connect     upstream connect timeout and the address blocks the {@link AddressGuard} lets through
 * @param upstreamPool how long and how many idle upstream connections are kept for reuse
 * @param capture     the transparent capture listener's port ({@code --capture}): connections the kernel redirects
 *                    there (nftables {@code redirect}) are decided by their original destination, SNI or Host
 *                    ({@link CaptureListener}); empty for none (port 0: any free port)
 */
public record SidecarSettings(WorkloadRef workload, InetSocketAddress listen, MeshIdentity identity, HostMap hosts,
                              Optional<java.nio.file.Path> caBundle, Optional<InetSocketAddress> admin, Consumer<AccessLogEntry> accessLog,
                              Duration idleTimeout, int ioThreads, ReloadStats reloads,
                              boolean splice, Limits limits, ConnectSettings connect,
                              UpstreamPoolSettings upstreamPool, Optional<Integer> capture) implements ProxySettings {
    public SidecarSettings(WorkloadRef workload, InetSocketAddress listen, MeshIdentity identity, HostMap hosts,
                           Optional<java.nio.file.Path> caBundle, Optional<InetSocketAddress> admin,
                           Consumer<AccessLogEntry> accessLog, Duration idleTimeout, int ioThreads,
                           ReloadStats reloads, boolean splice, Limits limits, ConnectSettings connect,
                           UpstreamPoolSettings upstreamPool) {
        this(workload, listen, identity, hosts, caBundle, admin, accessLog, idleTimeout, ioThreads, reloads, splice,
                limits, connect, upstreamPool, Optional.empty());
    }

    public SidecarSettings {
        Objects.requireNonNull(workload, "workload");
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(hosts, "hosts");
        caBundle = caBundle == null ? Optional.empty() : caBundle;
        admin = admin == null ? Optional.empty() : admin;
        Objects.requireNonNull(accessLog, "accessLog");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(reloads, "reloads");
        Objects.requireNonNull(limits, "limits");
        connect = connect == null ? ConnectSettings.DEFAULTS : connect;
        upstreamPool = upstreamPool == null ? UpstreamPoolSettings.DEFAULTS : upstreamPool;
        capture = capture == null ? Optional.empty() : capture;
        if (capture.isPresent() && (capture.get() < 0 || capture.get() > 65535)) {
            throw new IllegalArgumentException("capture port out of range: " + capture.get());
        }
    }

    /** Listen on {@code 127.0.0.1:15001}, no admin server, JSON access log on stdout, 1 h idle timeout, no splice. */
    public static SidecarSettings defaults(WorkloadRef workload, MeshIdentity identity) {
        return new SidecarSettings(workload, new InetSocketAddress("127.0.0.1", 15001), identity, HostMap.EMPTY,
                Optional.empty(), Optional.empty(), AccessLog.stdout(AccessLog.Format.JSON), Duration.ofHours(1), 0,
                ReloadStats.NONE,
                false, Limits.DEFAULTS, ConnectSettings.DEFAULTS,
                UpstreamPoolSettings.DEFAULTS, Optional.empty());
    }

    public SidecarSettings withListen(InetSocketAddress a) {
        return new SidecarSettings(workload, a, identity, hosts,
                caBundle, admin, accessLog, idleTimeout, ioThreads, reloads, splice, limits, connect, upstreamPool, capture);
    }

    public SidecarSettings withHosts(HostMap h) {
        return new SidecarSettings(workload, listen, identity, h,
                caBundle, admin, accessLog, idleTimeout, ioThreads, reloads, splice, limits, connect, upstreamPool, capture);
    }

    public SidecarSettings withCaBundle(Optional<java.nio.file.Path> b) {
        return new SidecarSettings(workload, listen, identity, hosts, b, admin, accessLog, idleTimeout, ioThreads,
                reloads, splice, limits, connect, upstreamPool, capture);
    }

    public SidecarSettings withAdmin(Optional<InetSocketAddress> a) {
        return new SidecarSettings(workload, listen, identity, hosts,
                caBundle, a, accessLog, idleTimeout, ioThreads, reloads, splice, limits, connect, upstreamPool, capture);
    }

    public SidecarSettings withAccessLog(Consumer<AccessLogEntry> l) {
        return new SidecarSettings(workload, listen, identity, hosts,
                caBundle, admin, l, idleTimeout, ioThreads, reloads, splice, limits, connect, upstreamPool, capture);
    }

    public SidecarSettings withIdleTimeout(Duration d) {
        return new SidecarSettings(workload, listen, identity, hosts,
                caBundle, admin, accessLog, d, ioThreads, reloads, splice, limits, connect, upstreamPool, capture);
    }

    public SidecarSettings withIoThreads(int n) {
        return new SidecarSettings(workload, listen, identity, hosts,
                caBundle, admin, accessLog, idleTimeout, n, reloads, splice, limits, connect, upstreamPool, capture);
    }

    public SidecarSettings withSplice(boolean on) {
        return new SidecarSettings(workload, listen, identity, hosts,
                caBundle, admin, accessLog, idleTimeout, ioThreads,
                reloads, on, limits, connect, upstreamPool, capture);
    }

    public SidecarSettings withReloads(ReloadStats r) {
        return new SidecarSettings(workload, listen, identity, hosts,
                caBundle, admin, accessLog, idleTimeout, ioThreads, r, splice, limits, connect, upstreamPool, capture);
    }

    public SidecarSettings withLimits(Limits l) {
        return new SidecarSettings(workload, listen, identity, hosts,
                caBundle, admin, accessLog, idleTimeout, ioThreads, reloads, splice, l, connect, upstreamPool, capture);
    }

    public SidecarSettings withConnect(ConnectSettings c) {
        return new SidecarSettings(workload, listen, identity, hosts,
                caBundle, admin, accessLog, idleTimeout, ioThreads, reloads, splice, limits, c, upstreamPool, capture);
    }

    public SidecarSettings withUpstreamPool(UpstreamPoolSettings p) {
        return new SidecarSettings(workload, listen, identity, hosts,
                caBundle, admin, accessLog, idleTimeout, ioThreads, reloads, splice, limits, connect, p, capture);
    }

    /** Shorthand for {@code withLimits(limits().withMaxTunnelLifetime(d))}. */
    public SidecarSettings withMaxTunnelLifetime(Duration d) {
        return withLimits(limits.withMaxTunnelLifetime(d));
    }

    /** Adds the transparent capture listener on {@code port} (0: any free port). */
    public SidecarSettings withCapture(Optional<Integer> port) {
        return new SidecarSettings(workload, listen, identity, hosts, caBundle, admin, accessLog, idleTimeout,
                ioThreads, reloads, splice, limits, connect, upstreamPool, port);
    }
}
