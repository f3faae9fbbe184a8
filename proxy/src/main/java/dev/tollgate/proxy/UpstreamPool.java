package dev.tollgate.proxy;

import dev.tollgate.core.snapshot.TlsMode;
import dev.tollgate.core.snapshot.Upstream;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Idle HTTP connections to mesh peers (ISTIO_MUTUAL upstreams: the egress gateway), kept for the next request so that
 * a sidecar does not pay an mTLS handshake per request. Only mesh peers are pooled: they are Tollgate gateways whose
 * idle timeout is known to be longer than {@link #IDLE}, so a pooled connection is not closed under a request.
 *
 * <p>Each event loop has its own pool, touched only from that loop. A pooled connection is dropped when it has been
 * idle for {@link #IDLE}, when it is older than {@link #MAX_AGE} (so that a renewed workload certificate is used
 * soon), when the peer closes it, or when it sends anything while idle.
 */
final class UpstreamPool {
    static final Duration IDLE = Duration.ofSeconds(20);
    static final Duration MAX_AGE = Duration.ofMinutes(10);
    private static final int MAX_IDLE_PER_KEY = 32;
    static final AttributeKey<Long> CREATED = AttributeKey.valueOf("tollgate.upstream.created");

    /** Connections are interchangeable when they go to the same upstream, with the same TLS, in the same mesh. */
    record Key(Upstream upstream, String trustDomain) {
    }

    private final Map<EventLoop, Map<Key, ArrayDeque<Channel>>> pools = new ConcurrentHashMap<>();

    static boolean poolable(Upstream upstream) {
        return upstream.tls().mode() == TlsMode.ISTIO_MUTUAL;
    }

    /** An idle, open connection for {@code key}, now owned by the caller; null when there is none. */
    Channel acquire(EventLoop loop, Key key) {
        Map<Key, ArrayDeque<Channel>> byKey = pools.get(loop);
        ArrayDeque<Channel> idle = byKey == null ? null : byKey.get(key);
        Channel ch;
        while (idle != null && (ch = idle.pollLast()) != null) {
            Idle marker = (Idle) ch.pipeline().get("pooled");
            if (ch.isActive() && marker != null) {
                ch.pipeline().remove(marker);
                return ch;
            }
            ch.close();
        }
        return null;
    }

    /** Keeps {@code ch} for later, or closes it when it is too old or the pool is full. */
    void release(EventLoop loop, Key key, Channel ch) {
        Long created = ch.attr(CREATED).get();
        if (!ch.isActive() || created == null
                || System.nanoTime() - created > MAX_AGE.toNanos()) {
            ch.close();
            return;
        }
        ArrayDeque<Channel> idle = pools.computeIfAbsent(loop, l -> new HashMap<>())
                .computeIfAbsent(key, k -> new ArrayDeque<>());
        if (idle.size() >= MAX_IDLE_PER_KEY) {
            ch.close();
            return;
        }
        ch.pipeline().addLast("pooled", new Idle(idle));
        idle.addLast(ch);
        // read while idle, to notice the peer closing
        ch.config().setAutoRead(true);
        ch.read();
    }

    /** Marks a pooled connection and ends it when it idles too long or the peer does anything. */
    private static final class Idle extends ChannelInboundHandlerAdapter {
        private final ArrayDeque<Channel> pool;
        private ScheduledFuture<?> timer;

        Idle(ArrayDeque<Channel> pool) {
            this.pool = pool;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            timer = ctx.executor().schedule(() -> {
                pool.remove(ctx.channel());
                ctx.close();
            }, IDLE.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            timer.cancel(false);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            pool.remove(ctx.channel());
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            pool.remove(ctx.channel());
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            pool.remove(ctx.channel());
            ctx.close();
        }
    }
}
