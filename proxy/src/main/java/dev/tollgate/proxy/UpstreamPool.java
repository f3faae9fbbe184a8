package dev.tollgate.proxy;

import dev.tollgate.core.model.TlsMode;
import dev.tollgate.core.snapshot.Upstream;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Idle HTTP/1.1 connections to upstreams, kept for the next request to the same place: direct HTTP, TLS origination
 * (DestinationRule SIMPLE) and mTLS to mesh peers (the egress gateway). Without it every request paid a connect and
 * close (a third of the sidecar's event-loop CPU) and the gateway a full TLS handshake (issue 6 section 4).
 *
 * <p>Connections are interchangeable only when their {@link Key} is equal: the same {@link Upstream} (host, port,
 * operator addresses and its whole TLS setting: mode, SNI, subjectAltNames, CA bundle), the same connected address,
 * and the same trust domain. A connection opened for one SNI or CA is therefore never used for another.
 *
 * <p>Each event loop has its own idle lists, touched only from that loop, so a request reuses only a connection of
 * its own loop (no locks, no hand-off). A connection leaves the pool when it has been idle longer than the idle
 * timeout, is older than the maximum age (so that a renewed workload certificate is used soon), the peer closes it or
 * sends anything while idle ({@link UpstreamCodec} then sees a response to no request), the key already has
 * {@link UpstreamPoolSettings#maxIdlePerKey} idle connections on that loop, or the proxy has {@link UpstreamPoolSettings#maxIdle} in all.
 *
 * <p>Idle timeouts: an origin's keep-alive timeout is unknown, and reusing a connection the origin has just closed is
 * the one failure pooling adds. Common short server timeouts are 5 s (Apache httpd, Node.js) and 15 s (Jetty's old
 * default); 4 s stays below them, so such a race needs an origin faster than 4 s to give up; the rest is handled by
 * {@link HttpProxyHandler}'s single retry of idempotent requests. Mesh peers are Tollgate gateways, whose own idle
 * timeout ({@code --idle-timeout}, 1 h by default) is known to be long: their mTLS connections stay warm for a minute.
 */
final class UpstreamPool {
    static final AttributeKey<Long> CREATED = AttributeKey.valueOf("tollgate.upstream.created");
    private static final String HANDLER = "pooled";

    /** Connections are interchangeable when they go to the same upstream and address, with the same TLS, in the same mesh. */
    record Key(Upstream upstream, InetSocketAddress address, String trustDomain) {
    }

    private final UpstreamPoolSettings settings;
    /** Told the limit's name when a connection is closed instead of kept because a cap was reached. */
    private final java.util.function.Consumer<String> limitReached;
    private final Map<EventLoop, LoopPool> loops = new ConcurrentHashMap<>();
    private final AtomicInteger idleCount = new AtomicInteger();

    UpstreamPool(UpstreamPoolSettings settings, java.util.function.Consumer<String> limitReached) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.limitReached = Objects.requireNonNull(limitReached, "limitReached");
    }

    UpstreamPool() {
        this(UpstreamPoolSettings.DEFAULTS, limit -> { });
    }

    /** MUTUAL origination is refused before connecting; every other mode speaks HTTP/1.1 on a reusable connection. */
    static boolean poolable(Upstream upstream) {
        return upstream.tls().mode() != TlsMode.MUTUAL;
    }

    /** Idle connections now kept (all loops). */
    int idle() {
        return idleCount.get();
    }

    /** An idle, open, young enough connection for {@code key}, now owned by the caller; null when there is none. */
    Channel acquire(EventLoop loop, Key key) {
        LoopPool lp = loops.get(loop);
        ArrayDeque<Channel> idle = lp == null ? null : lp.byKey.get(key);
        if (idle == null) {
            return null;
        }
        long now = System.nanoTime();
        Channel ch;
        // newest first: the one least likely to have been closed by its peer
        while ((ch = idle.pollLast()) != null) {
            Pooled p = (Pooled) ch.pipeline().get(HANDLER);
            if (p == null || !p.idle) {
                continue;
            }
            p.idle = false;
            idleCount.decrementAndGet();
            if (ch.isActive() && !p.expired(now)) {
                return ch;
            }
            ch.close();
        }
        return null;
    }

    /** Keeps {@code ch} for later under its key, or closes it when it is too old or a limit is reached. */
    void release(Channel ch, Upstream upstream, String trustDomain) {
        Long created = ch.attr(CREATED).get();
        long now = System.nanoTime();
        if (!ch.isActive() || created == null || now - created > settings.maxAge().toNanos()
                || !(ch.remoteAddress() instanceof InetSocketAddress address)) {
            ch.close();
            return;
        }
        Key key = new Key(upstream, address, trustDomain);
        LoopPool lp = loops.computeIfAbsent(ch.eventLoop(), LoopPool::new);
        ArrayDeque<Channel> idle = lp.byKey.computeIfAbsent(key, k -> new ArrayDeque<>());
        if (idle.size() >= settings.maxIdlePerKey()) {
            limitReached.accept("upstream_idle_per_key");
            ch.close();
            return;
        }
        if (idleCount.incrementAndGet() > settings.maxIdle()) {
            idleCount.decrementAndGet();
            limitReached.accept("upstream_idle");
            ch.close();
            return;
        }
        Pooled p = (Pooled) ch.pipeline().get(HANDLER);
        if (p == null) {
            p = new Pooled(created, upstream.tls().mode() == TlsMode.ISTIO_MUTUAL ? settings.meshIdle() : settings.idle());
            ch.pipeline().addLast(HANDLER, p);
        }
        p.idle = true;
        p.idleSince = now;
        p.list = idle;
        idle.addLast(ch);
        // read while idle, to notice the peer closing (and UpstreamCodec any byte sent to no request)
        ch.config().setAutoRead(true);
        ch.read();
    }

    /** Drops an idle connection that closed or failed. */
    private void forget(Channel ch, Pooled p) {
        if (p.idle) {
            p.idle = false;
            idleCount.decrementAndGet();
            if (p.list != null) {
                p.list.remove(ch);
            }
        }
    }

    /**
     * One event loop's idle connections by key. A sweep every second closes the expired ones, instead of a timer per
     * idle period: a timer scheduled and cancelled per request was garbage and heap churn on the event loop.
     */
    private final class LoopPool {
        final Map<Key, ArrayDeque<Channel>> byKey = new HashMap<>();

        LoopPool(EventLoop loop) {
            loop.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
        }

        private void sweep() {
            long now = System.nanoTime();
            List<Channel> expired = null;
            for (Iterator<ArrayDeque<Channel>> it = byKey.values().iterator(); it.hasNext(); ) {
                ArrayDeque<Channel> idle = it.next();
                for (Channel ch : idle) {
                    if (ch.pipeline().get(HANDLER) instanceof Pooled p && p.expired(now)) {
                        if (expired == null) {
                            expired = new ArrayList<>();
                        }
                        expired.add(ch);
                    }
                }
                if (idle.isEmpty()) {
                    it.remove();
                }
            }
            if (expired != null) {
                expired.forEach(Channel::close);
            }
        }
    }

    /** Stays in a pooled connection's pipeline: its age, whether it is idle, and leaving the pool when it closes. */
    private final class Pooled extends ChannelInboundHandlerAdapter {
        final long created;
        final long idleNanos;
        boolean idle;
        long idleSince;
        ArrayDeque<Channel> list;

        Pooled(long created, Duration idleTimeout) {
            this.created = created;
            this.idleNanos = idleTimeout.toNanos();
        }

        boolean expired(long now) {
            return now - idleSince > idleNanos || now - created > settings.maxAge().toNanos();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (idle) {
                // a response to no request: UpstreamCodec closes such a connection first; never hand it out
                ReferenceCountUtil.release(msg);
                ctx.close();
                return;
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            forget(ctx.channel(), this);
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (idle) {
                forget(ctx.channel(), this);
                ctx.close();
                return;
            }
            ctx.fireExceptionCaught(cause);
        }
    }
}
