package dev.tollgate.proxy;

import dev.tollgate.core.snapshot.MeshSnapshot;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** What every handler of one proxy shares: the snapshot source, name maps, TLS, logging, and the open connections. */
final class ProxyContext {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyContext.class);

    final String name;
    final Supplier<MeshSnapshot> snapshots;
    final HostMap hosts;
    final TlsContexts tls;
    final ProxyMetrics metrics;
    final Consumer<AccessLogEntry> accessLog;
    final EventLoopGroup workers;
    final Duration idleTimeout;
    /** Client connections, for draining. */
    final ChannelGroup clients = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    volatile boolean draining;
    /** Idle connections to mesh peers, reused by HTTP requests. */
    final UpstreamPool pool = new UpstreamPool();
    /** Splice direct tunnels when the transport allows ({@link Splice}). */
    volatile boolean splice;
    /** Tunnels are closed this long after they were joined; zero for no limit. */
    volatile Duration maxTunnelLifetime = Duration.ZERO;

    ProxyContext(String name, Supplier<MeshSnapshot> snapshots, HostMap hosts, TlsContexts tls, ProxyMetrics metrics,
                 Consumer<AccessLogEntry> accessLog, EventLoopGroup workers, Duration idleTimeout) {
        this.name = name;
        this.snapshots = snapshots;
        this.hosts = hosts;
        this.tls = tls;
        this.metrics = metrics;
        this.accessLog = accessLog;
        this.workers = workers;
        this.idleTimeout = idleTimeout;
    }

    /** The current snapshot, or empty before the first good configuration was loaded. */
    Optional<MeshSnapshot> snapshot() {
        try {
            return Optional.ofNullable(snapshots.get());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Logs an exchange once: access log and metrics. */
    void log(Exchange ex) {
        if (!ex.markLogged()) {
            return;
        }
        AccessLogEntry entry = ex.entry(name);
        try {
            accessLog.accept(entry);
        } catch (RuntimeException e) {
            LOG.warn("access log sink failed: {}", e.toString());
        }
        metrics.record(entry);
    }

    /** Registers a client connection: counted, drained, and closed when idle for {@link #idleTimeout}. */
    void track(Channel client) {
        clients.add(client);
        metrics.activeConnections.incrementAndGet();
        client.closeFuture().addListener(f -> metrics.activeConnections.decrementAndGet());
    }
}
