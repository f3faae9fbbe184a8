package dev.tollgate.proxy;

import dev.tollgate.core.model.ProxyDecision;
import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.model.GatewayListener;
import dev.tollgate.core.model.GatewayServerKind;
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
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Sets up one accepted gateway connection on server port {@code port}, by the listener that the snapshot current at
 * accept time has for that port: mTLS termination (ISTIO_MUTUAL: a client certificate from the mesh CA is
 * required, its SPIFFE identity is the peer), an SNI peek (TLS or HTTPS in PASSTHROUGH), or nothing (plain servers).
 * A port whose servers are of several kinds (Istio's mergeGateways keeps TLS servers told apart by SNI and a plain
 * server beside them) peeks the ClientHello once and asks the core which server takes it
 * ({@code MeshSnapshot.gatewayServerKind}, the server selection {@code check} makes), then sets up that server's
 * transport.
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

    /**
     * A port this gateway listens on: one of its servers is of a kind it serves
     * ({@link GatewayServerKind#servedByTollgate()}); connections for the others are refused one by one.
     */
    static boolean supported(GatewayListener l) {
        return l.kinds().stream().anyMatch(GatewayServerKind::servedByTollgate);
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
        ch.pipeline().addLast("idle-close", px.idleCloser);
        GatewayListener l = listener.get();
        ConnectionLimits.Refusal refused = px.connections.admit(ch);
        if (refused != null) {
            GatewayConnection c = new GatewayConnection(px, gateway, l, l.kind(), snapshot.get(), Optional.empty(),
                    Optional.empty());
            if (l.kinds().size() == 1 && l.kind().transport() == GatewayServerKind.Transport.PLAIN && l.readsHttp()) {
                RefuseConnection.http(px, ch, refused, ex -> c.source(ex, ch));
            } else {
                // no answer can be read before TLS is terminated, and terminating it is the work being refused
                RefuseConnection.close(px, ch, refused, "tcp", ex -> c.source(ex, ch));
            }
            return;
        }
        if (l.kinds().size() > 1) {
            ch.pipeline().addLast("sni-peek", new SniPeek(px, gateway, l, snapshot.get()));
            return;
        }
        switch (l.kind().transport()) {
            // supported(l): the only terminating mode served is ISTIO_MUTUAL
            case TERMINATE -> {
                // the handshake deadline is MeshTermination's: these timers only back it up
                long backstop = px.limits.headerTimeout().toMillis() + 1000;
                ch.pipeline().addLast("sni", new SniHandler((io.netty.util.Mapping<String, SslContext>) h -> meshServer(),
                        ClientHello.MAX_BYTES, backstop) {
                    @Override
                    protected SslHandler newSslHandler(SslContext context, io.netty.buffer.ByteBufAllocator alloc) {
                        SslHandler h = super.newSslHandler(context, alloc);
                        h.setHandshakeTimeoutMillis(backstop);
                        return h;
                    }
                });
                ch.pipeline().addLast("mtls", new MeshTermination(px, gateway, l, l.kind(), snapshot.get(),
                        Optional.empty()));
            }
            // HTTPS in PASSTHROUGH as well as TLS: Istio's IsHTTPServer is false for both, so neither is terminated
            case PASSTHROUGH -> ch.pipeline().addLast("sni-peek", new SniPeek(px, gateway, l, snapshot.get()));
            case PLAIN -> admitAndServe(px, new GatewayConnection(px, gateway, l, l.kind(), snapshot.get(),
                    Optional.empty(), Optional.empty()), ch, null);
        }
    }

    /**
     * Serves a connection whose transport facts are known, unless its principal holds too many connections or (for
     * a TLS/TCP server, decided once per connection) its source is over the request rate.
     *
     * @param initial bytes already read, handed on or released
     */
    static void admitAndServe(ProxyContext px, GatewayConnection c, io.netty.channel.Channel ch, ByteBuf initial) {
        java.util.function.Consumer<Exchange> sourceInfo = ex -> c.source(ex, ch);
        if (c.peer().isPresent()) {
            ConnectionLimits.Refusal refused = px.connections.admitPrincipal(ch, c.peer().get().principal());
            if (refused != null) {
                ReferenceCountUtil.release(initial);
                if (c.kind().readsHttp()) {
                    RefuseConnection.http(px, ch, refused, sourceInfo);
                } else {
                    RefuseConnection.close(px, ch, refused, "tcp", sourceInfo);
                }
                return;
            }
        }
        if (!c.kind().readsHttp()) {
            String key = c.rateKey(ch);
            if (!px.rate.tryAcquire(key)) {
                ReferenceCountUtil.release(initial);
                px.metrics.limitRejected("request_rate");
                Exchange ex = new Exchange("tcp");
                sourceInfo.accept(ex);
                ex.decide(ProxyDecision.ERROR, px.rate.reason(key));
                px.log(ex);
                ch.close();
                return;
            }
        }
        c.serve(ch, initial);
    }

    private SslContext meshServer() {
        return meshServer(px);
    }

    private static SslContext meshServer(ProxyContext px) {
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
        private final GatewayServerKind kind;
        private final MeshSnapshot snapshot;
        private Optional<String> sni;
        private io.netty.util.concurrent.Future<?> deadline;
        private boolean timedOut;

        /** @param sni the SNI already read from the ClientHello, when a peek came first (no SniHandler then) */
        MeshTermination(ProxyContext px, WorkloadRef gateway, GatewayListener listener, GatewayServerKind kind,
                        MeshSnapshot snapshot, Optional<String> sni) {
            this.px = px;
            this.gateway = gateway;
            this.listener = listener;
            this.kind = kind;
            this.snapshot = snapshot;
            this.sni = sni;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            // from accept: a peer that never finishes its ClientHello or the handshake is cut, however it trickles
            long ms = px.limits.headerTimeout().toMillis();
            deadline = ctx.executor().schedule(() -> {
                if (!ctx.channel().isActive()) {
                    return;
                }
                timedOut = true;
                px.metrics.limitRejected("handshake_timeout");
                Exchange ex = new Exchange("tcp");
                new GatewayConnection(px, gateway, listener, kind, snapshot, sni, Optional.empty())
                        .source(ex, ctx.channel());
                ex.decide(ProxyDecision.ERROR,
                        "mTLS handshake not complete within " + ms + " ms (limit: header-timeout)");
                px.log(ex);
                ctx.close();
            }, ms, TimeUnit.MILLISECONDS);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            deadline.cancel(false);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            deadline.cancel(false);
            ctx.fireChannelInactive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SniCompletionEvent sniEvent) {
                sni = Optional.ofNullable(sniEvent.hostname()).map(HostName::fold);
            } else if (evt instanceof SslHandshakeCompletionEvent hs) {
                deadline.cancel(false);
                if (!hs.isSuccess()) {
                    if (timedOut) {
                        return;
                    }
                    Exchange ex = new Exchange("tcp");
                    new GatewayConnection(px, gateway, listener, kind, snapshot, sni, Optional.empty())
                            .source(ex, ctx.channel());
                    ex.decide(ProxyDecision.ERROR, "mTLS handshake failed: " + MeshPeerTrust.describe(hs.cause()));
                    px.log(ex);
                    ctx.close();
                    return;
                }
                Optional<SpiffeId> id = leaf(ctx.pipeline().get(SslHandler.class)).flatMap(SpiffeId::fromCertificate);
                Optional<Peer> peer = id.map(i -> new Peer(i.principal(), i.namespace()));
                ctx.pipeline().remove(this);
                admitAndServe(px, new GatewayConnection(px, gateway, listener, kind, snapshot, sni, peer),
                        ctx.channel(), null);
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

    /**
     * Sets up the transport of server kind {@code kind} for a connection whose first bytes ({@code initial}, handed
     * on) were read: the mTLS handshake (fed the bytes read), a passthrough tunnel, or plain bytes.
     */
    static void dispatch(ProxyContext px, WorkloadRef gateway, GatewayListener l, GatewayServerKind kind,
                         MeshSnapshot snapshot, io.netty.channel.Channel ch, Optional<String> sni, ByteBuf initial) {
        if (!kind.servedByTollgate()) {
            ReferenceCountUtil.release(initial);
            Exchange ex = new Exchange("tcp");
            new GatewayConnection(px, gateway, l, kind, snapshot, sni, Optional.empty()).source(ex, ch);
            ex.decide(ProxyDecision.ERROR, "the server for this connection is " + kind
                    + ", which needs credentials Tollgate does not load");
            px.log(ex);
            ch.close();
            return;
        }
        switch (kind.transport()) {
            case TERMINATE -> {
                SslHandler ssl = meshServer(px).newHandler(ch.alloc());
                ssl.setHandshakeTimeoutMillis(px.limits.headerTimeout().toMillis() + 1000);
                ch.pipeline().addLast("tls", ssl);
                ch.pipeline().addLast("mtls", new MeshTermination(px, gateway, l, kind, snapshot, sni));
                ch.pipeline().fireChannelRead(initial);
                ch.pipeline().fireChannelReadComplete();
            }
            case PASSTHROUGH, PLAIN -> admitAndServe(px, new GatewayConnection(px, gateway, l, kind, snapshot, sni,
                    Optional.empty()), ch, initial);
        }
    }

    /**
     * PASSTHROUGH servers, and ports with servers of several kinds: reads the SNI from the ClientHello without
     * terminating TLS, then hands the connection to the server the core selects for it.
     */
    static final class SniPeek extends ClientHelloPeek {
        private final ProxyContext px;
        private final WorkloadRef gateway;
        private final GatewayListener listener;
        private final MeshSnapshot snapshot;

        SniPeek(ProxyContext px, WorkloadRef gateway, GatewayListener listener, MeshSnapshot snapshot) {
            this.px = px;
            this.gateway = gateway;
            this.listener = listener;
            this.snapshot = snapshot;
        }

        @Override
        protected long timeoutMillis() {
            return px.limits.headerTimeout().toMillis();
        }

        @Override
        protected void timedOut(ChannelHandlerContext ctx) {
            px.metrics.limitRejected("handshake_timeout");
            refused(ctx, "no whole ClientHello within " + timeoutMillis() + " ms (limit: header-timeout)");
        }

        @Override
        protected void notTls(ChannelHandlerContext ctx, ByteBuf bytes) {
            // plain bytes go to the port's plain server, if it has one (Envoy: the chain without server_names);
            // a passthrough or terminating server cannot take them
            if (kindFor(Optional.empty()).transport() == GatewayServerKind.Transport.PLAIN) {
                handOff(ctx, Optional.empty(), bytes);
            } else {
                bytes.release();
                refused(ctx, "not a TLS ClientHello");
            }
        }

        @Override
        protected void hello(ChannelHandlerContext ctx, ClientHello.Hello h, ByteBuf hello) {
            handOff(ctx, h.sni(), hello);
        }

        /**
         * The kind of the server that takes this connection, by the core's server selection; when none does, the
         * first server's, so that the core's decision on the connection says why it has no route.
         */
        private GatewayServerKind kindFor(Optional<String> sni) {
            return snapshot.gatewayServerKind(gateway, listener.port(), sni).orElse(listener.kind());
        }

        private void handOff(ChannelHandlerContext ctx, Optional<String> sni, ByteBuf initial) {
            GatewayServerKind kind = kindFor(sni);
            ctx.pipeline().remove(this);
            dispatch(px, gateway, listener, kind, snapshot, ctx.channel(), sni, initial);
        }

        @Override
        protected void refused(ChannelHandlerContext ctx, String reason) {
            if (!ctx.channel().isActive()) {
                return;
            }
            Exchange ex = new Exchange("tcp");
            new GatewayConnection(px, gateway, listener, listener.kind(), snapshot, Optional.empty(),
                    Optional.empty()).source(ex, ctx.channel());
            ex.decide(ProxyDecision.ERROR, reason);
            px.log(ex);
            ctx.close();
        }
    }
}
