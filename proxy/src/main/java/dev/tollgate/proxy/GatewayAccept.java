package dev.tollgate.proxy;

import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.GatewayListener;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.Peer;
import dev.tollgate.identity.SpiffeId;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Sets up one accepted gateway connection on server port {@code port}, by the listener that the snapshot current at
 * accept time has for that port: mTLS termination (ISTIO_MUTUAL: a client certificate from the mesh CA is
 * required, its SPIFFE identity is the peer), an SNI peek (PASSTHROUGH), or nothing (plain servers).
 */
final class GatewayAccept extends ChannelInitializer<SocketChannel> {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayAccept.class);

    private final ProxyContext px;
    private final WorkloadRef gateway;
    private final int port;
    /** The connections accepted on this listener, drained when the listener goes away. */
    final io.netty.channel.group.ChannelGroup accepted =
            new io.netty.channel.group.DefaultChannelGroup(io.netty.util.concurrent.GlobalEventExecutor.INSTANCE);

    GatewayAccept(ProxyContext px, WorkloadRef gateway, int port) {
        this.px = px;
        this.gateway = gateway;
        this.port = port;
    }

    /** The listener was removed: idle connections close now, busy ones after their current request. */
    void drainAccepted() {
        for (io.netty.channel.Channel c : accepted) {
            c.eventLoop().execute(() -> c.pipeline().fireUserEventTriggered(HttpProxyHandler.DRAIN));
        }
    }

    /** The TLS modes this gateway serves; others need credentials Tollgate does not load. */
    static boolean supported(GatewayListener l) {
        return switch (l.tlsMode().toUpperCase(Locale.ROOT)) {
            case "NONE" -> true;
            case "ISTIO_MUTUAL" -> true;
            case "PASSTHROUGH" -> !l.readsHttp();
            default -> false;
        };
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        px.track(ch);
        accepted.add(ch);
        Optional<MeshSnapshot> snapshot = px.snapshot();
        Optional<GatewayListener> listener = snapshot.flatMap(s -> s.gatewayListeners(gateway).stream()
                .filter(l -> l.port() == port).findFirst());
        if (listener.isEmpty() || !supported(listener.get())) {
            ch.close();
            return;
        }
        ch.pipeline().addLast("idle", new IdleStateHandler(0, 0, px.idleTimeout.toMillis(), TimeUnit.MILLISECONDS));
        ch.pipeline().addLast("idle-close", IdleCloser.INSTANCE);
        GatewayListener l = listener.get();
        switch (l.tlsMode().toUpperCase(Locale.ROOT)) {
            case "ISTIO_MUTUAL" -> {
                ch.pipeline().addLast("sni", new SniHandler((io.netty.util.Mapping<String, SslContext>) h -> meshServer(),
                        ClientHello.MAX_BYTES, ClientHello.TIMEOUT.toMillis()));
                ch.pipeline().addLast("mtls", new MeshTermination(px, gateway, l, snapshot.get()));
            }
            case "PASSTHROUGH" -> ch.pipeline().addLast("sni-peek", new SniPeek(px, gateway, l, snapshot.get()));
            default -> new GatewayConnection(px, gateway, l, snapshot.get(), Optional.empty(), Optional.empty())
                    .serve(ch, null);
        }
    }

    private SslContext meshServer() {
        try {
            return px.tls.meshServer();
        } catch (SSLException e) {
            LOG.error("{}: cannot build the mTLS server context: {}", px.name, e.toString());
            throw new IllegalStateException(e);
        }
    }

    /** Waits for the mTLS handshake, then reads the SNI and the peer's SPIFFE identity. */
    static final class MeshTermination extends ChannelInboundHandlerAdapter {
        private final ProxyContext px;
        private final WorkloadRef gateway;
        private final GatewayListener listener;
        private final MeshSnapshot snapshot;
        private Optional<String> sni = Optional.empty();

        MeshTermination(ProxyContext px, WorkloadRef gateway, GatewayListener listener, MeshSnapshot snapshot) {
            this.px = px;
            this.gateway = gateway;
            this.listener = listener;
            this.snapshot = snapshot;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SniCompletionEvent sniEvent) {
                sni = Optional.ofNullable(sniEvent.hostname()).map(h -> HostMap.normalise(h));
            } else if (evt instanceof SslHandshakeCompletionEvent hs) {
                if (!hs.isSuccess()) {
                    Exchange ex = new Exchange("tcp");
                    new GatewayConnection(px, gateway, listener, snapshot, sni, Optional.empty())
                            .source(ex, ctx.channel());
                    ex.decide("error", "mTLS handshake failed: " + MeshPeerTrust.describe(hs.cause()));
                    px.log(ex);
                    ctx.close();
                    return;
                }
                Optional<SpiffeId> id = leaf(ctx.pipeline().get(SslHandler.class)).flatMap(SpiffeId::fromCertificate);
                Optional<Peer> peer = id.map(i -> new Peer(i.principal(), i.namespace()));
                ctx.pipeline().remove(this);
                new GatewayConnection(px, gateway, listener, snapshot, sni, peer).serve(ctx.channel(), null);
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        private static Optional<X509Certificate> leaf(SslHandler ssl) {
            if (ssl == null) {
                return Optional.empty();
            }
            try {
                Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
                if (chain.length > 0 && chain[0] instanceof X509Certificate leaf) {
                    return Optional.of(leaf);
                }
            } catch (SSLPeerUnverifiedException e) {
                return Optional.empty();
            }
            return Optional.empty();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            // nothing is read before the handshake completes; anything else is dropped
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** PASSTHROUGH servers: reads the SNI from the ClientHello without terminating TLS. */
    static final class SniPeek extends ChannelInboundHandlerAdapter {
        private final ProxyContext px;
        private final WorkloadRef gateway;
        private final GatewayListener listener;
        private final MeshSnapshot snapshot;
        private ByteBuf buffered;
        private io.netty.util.concurrent.Future<?> timeout;

        SniPeek(ProxyContext px, WorkloadRef gateway, GatewayListener listener, MeshSnapshot snapshot) {
            this.px = px;
            this.gateway = gateway;
            this.listener = listener;
            this.snapshot = snapshot;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            timeout = ctx.executor().schedule(() -> fail(ctx, "no whole ClientHello within "
                    + ClientHello.TIMEOUT.toSeconds() + " s"), ClientHello.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf in)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (buffered == null) {
                buffered = ctx.alloc().buffer(Math.max(512, in.readableBytes()));
            }
            if (buffered.readableBytes() + in.readableBytes() > ClientHello.MAX_BYTES + 5) {
                in.release();
                fail(ctx, "malformed ClientHello: too large");
                return;
            }
            buffered.writeBytes(in);
            in.release();
            switch (ClientHello.parse(buffered)) {
                case ClientHello.NeedMore n -> {
                }
                case ClientHello.NotTls n -> fail(ctx, "not a TLS ClientHello");
                case ClientHello.Malformed m -> fail(ctx, "malformed ClientHello: " + m.reason());
                case ClientHello.Hello h -> {
                    ByteBuf hello = buffered;
                    buffered = null;
                    ctx.pipeline().remove(this);
                    new GatewayConnection(px, gateway, listener, snapshot, h.sni(), Optional.empty())
                            .serve(ctx.channel(), hello);
                }
            }
        }

        private void fail(ChannelHandlerContext ctx, String reason) {
            if (!ctx.channel().isActive()) {
                return;
            }
            release();
            Exchange ex = new Exchange("tcp");
            new GatewayConnection(px, gateway, listener, snapshot, Optional.empty(), Optional.empty())
                    .source(ex, ctx.channel());
            ex.decide("error", reason);
            px.log(ex);
            ctx.close();
        }

        private void release() {
            if (buffered != null) {
                buffered.release();
                buffered = null;
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            release();
            ctx.fireChannelInactive();
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            timeout.cancel(false);
            release();
        }
    }
}
