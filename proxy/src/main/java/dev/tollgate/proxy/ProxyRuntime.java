package dev.tollgate.proxy;

import dev.tollgate.core.model.ProxyRef;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.MeshSnapshot;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** The threads, admin server and drain logic every proxy has. */
final class ProxyRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyRuntime.class);

    final ProxyContext px;
    final EventLoopGroup boss;
    final EventLoopGroup workers;
    private final List<Channel> servers = new CopyOnWriteArrayList<>();
    private volatile Channel admin;
    private volatile Channel health;
    private volatile EventLoopGroup adminGroup;
    private volatile boolean closed;

    ProxyRuntime(ProxyContext px, EventLoopGroup boss, EventLoopGroup workers) {
        this.px = px;
        this.boss = boss;
        this.workers = workers;
    }

    /**
     * Builds what a proxy of {@code kind} runs on, from its settings: the TLS contexts, metrics, event loops and the
     * context its handlers share, with its upstream pool, connect settings and address guard. The caller binds its
     * servers and starts the admin server; on failure it drains the runtime.
     *
     * @param refused the status an upstream address the {@link AddressGuard} refuses is answered with
     */
    static ProxyRuntime create(ProxyRef.Kind kind, ProxySettings settings, Supplier<MeshSnapshot> snapshots,
                               HttpResponseStatus refused) {
        WorkloadRef workload = settings.workload();
        String name = (kind == ProxyRef.Kind.SIDECAR ? ProxyRef.sidecar(workload) : ProxyRef.gateway(workload))
                .toString();
        TlsContexts tls = new TlsContexts(settings.identity(), settings.caBundle());
        ProxyMetrics metrics = new ProxyMetrics(kind.text(), workload, settings.reloads(), settings.identity());
        var boss = Transport.group("tollgate-" + kind.text() + "-accept", 1);
        var workers = Transport.group("tollgate-" + kind.text() + "-io", settings.ioThreads());
        ProxyContext px = new ProxyContext(name, snapshots, settings.hosts(), tls, metrics, settings.accessLog(),
                workers, settings.idleTimeout(), settings.limits());
        px.upstreamPool(settings.upstreamPool());
        ProxyRuntime runtime = new ProxyRuntime(px, boss, workers);
        px.connect = settings.connect();
        px.guard = new AddressGuard(settings.connect().allowedCidrs(), runtime::ownAddresses, refused);
        return runtime;
    }

    void addServer(Channel server) {
        servers.add(server);
        server.closeFuture().addListener(f -> servers.remove(server));
    }

    void startAdmin(Optional<InetSocketAddress> address, AdminServer.Readiness readiness) throws InterruptedException {
        if (address.isPresent()) {
            adminGroup = Transport.group("tollgate-admin", 1);
            admin = AdminServer.start(adminGroup, address.get(), px, readiness);
        }
    }

    /** The health port: {@code /healthz}, {@code /ready} and {@code /metrics} only, on the admin server's thread. */
    synchronized InetSocketAddress startHealth(InetSocketAddress address, AdminServer.Readiness readiness)
            throws InterruptedException {
        if (closed || health != null) {
            throw new IllegalStateException(closed ? "the proxy is closed" : "the health port is already served");
        }
        if (adminGroup == null) {
            adminGroup = Transport.group("tollgate-admin", 1);
        }
        health = AdminServer.start(adminGroup, address, px, readiness, false);
        return (InetSocketAddress) health.localAddress();
    }

    Optional<InetSocketAddress> adminAddress() {
        Channel a = admin;
        return a == null ? Optional.empty() : Optional.of((InetSocketAddress) a.localAddress());
    }

    /** The addresses this proxy listens on (servers and admin), for the {@link AddressGuard}'s self rule. */
    java.util.List<InetSocketAddress> ownAddresses() {
        java.util.List<InetSocketAddress> out = new java.util.ArrayList<>();
        for (Channel s : servers) {
            if (s.localAddress() instanceof InetSocketAddress a) {
                out.add(a);
            }
        }
        for (Channel a : new Channel[] {admin, health}) {
            if (a != null && a.localAddress() instanceof InetSocketAddress ia) {
                out.add(ia);
            }
        }
        return out;
    }

    boolean closed() {
        return closed;
    }

    synchronized boolean drain(Duration deadline) {
        if (closed) {
            return true;
        }
        px.draining = true;
        long until = System.nanoTime() + deadline.toNanos();
        for (Channel s : servers) {
            s.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        for (Channel c : px.clients) {
            c.eventLoop().execute(() -> c.pipeline().fireUserEventTriggered(HttpProxyHandler.DRAIN));
        }
        boolean drained = true;
        while (!px.clients.isEmpty()) {
            if (System.nanoTime() >= until) {
                drained = false;
                LOG.info("{}: drain deadline reached, closing {} open connection(s)", px.name, px.clients.size());
                break;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                drained = false;
                break;
            }
        }
        px.clients.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        for (Channel a : new Channel[] {admin, health}) {
            if (a != null) {
                a.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        }
        closed = true;
        EventLoopGroup ag = adminGroup;
        if (ag != null) {
            ag.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        return drained;
    }
}
