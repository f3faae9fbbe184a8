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
    /** Idle upstream connections, reused by HTTP requests; replaced by {@link #upstreamPool} before traffic. */
    UpstreamPool pool = new UpstreamPool();
    /** Splice direct tunnels when the transport allows ({@link Splice}). */
    volatile boolean splice;
    /** Connect timeout and allowed address blocks ({@code --connect-timeout}, {@code --allow-destination-cidr}). */
    volatile ConnectSettings connect = ConnectSettings.DEFAULTS;
    /** Judges every upstream address; set by the proxy once it knows its own ports. */
    volatile AddressGuard guard = AddressGuard.DEFAULT;

    /** What clients may hold and ask for. */
    final Limits limits;
    /** Open client connections, in all and per source, against {@link #limits}. */
    final ConnectionLimits connections;
    /** Request token buckets per source, against {@link #limits}. */
    final RequestRate rate;
    /** Closes idle client connections, counting them. */
    final IdleCloser idleCloser;

    ProxyContext(String name, Supplier<MeshSnapshot> snapshots, HostMap hosts, TlsContexts tls, ProxyMetrics metrics,
                 Consumer<AccessLogEntry> accessLog, EventLoopGroup workers, Duration idleTimeout) {
        this(name, snapshots, hosts, tls, metrics, accessLog, workers, idleTimeout, Limits.DEFAULTS);
    }

    ProxyContext(String name, Supplier<MeshSnapshot> snapshots, HostMap hosts, TlsContexts tls, ProxyMetrics metrics,
                 Consumer<AccessLogEntry> accessLog, EventLoopGroup workers, Duration idleTimeout, Limits limits) {
        this.limits = limits;
        this.connections = new ConnectionLimits(name, limits, metrics);
        this.rate = new RequestRate(limits);
        this.idleCloser = new IdleCloser(this);
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

    /** Sets how upstream connections are kept ({@link UpstreamPool}), before the proxy takes traffic. */
    void upstreamPool(UpstreamPoolSettings settings) {
        pool = new UpstreamPool(settings, metrics::limitReached);
        metrics.upstreamPool(pool);
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
