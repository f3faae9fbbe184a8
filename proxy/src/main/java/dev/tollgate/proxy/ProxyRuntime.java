package dev.tollgate.proxy;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** The threads, admin server and drain logic every proxy has. */
final class ProxyRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyRuntime.class);

    final ProxyContext px;
    final EventLoopGroup boss;
    final EventLoopGroup workers;
    private final List<Channel> servers = new CopyOnWriteArrayList<>();
    private volatile Channel admin;
    private volatile EventLoopGroup adminGroup;
    private volatile boolean closed;

    ProxyRuntime(ProxyContext px, EventLoopGroup boss, EventLoopGroup workers) {
        this.px = px;
        this.boss = boss;
        this.workers = workers;
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
        Channel a = admin;
        if (a != null && a.localAddress() instanceof InetSocketAddress ia) {
            out.add(ia);
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
        Channel a = admin;
        if (a != null) {
            a.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
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
