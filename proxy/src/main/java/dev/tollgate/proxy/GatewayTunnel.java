package dev.tollgate.proxy;

import dev.tollgate.core.model.ProxyDecision;
import dev.tollgate.core.snapshot.GatewayDecision;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;
import java.util.Optional;

/**
 * The gateway's TLS/TCP servers: decided once per connection ({@code MeshSnapshot.gateway} without HTTP
 * attributes). A denial closes the connection; a forward relays the bytes as they are (the application's own TLS
 * for TLS servers) to the upstream the route names.
 */
final class GatewayTunnel extends ChannelInboundHandlerAdapter {
    private final GatewayConnection conn;
    /** Markers in {@link #early}: the client's stream ended (TCP FIN, or TLS close_notify) before the upstream was up. */
    private static final Object INPUT_ENDED = new Object();
    private static final Object CLOSE_NOTIFY = new Object();
    private final ArrayDeque<Object> early = new ArrayDeque<>();
    private Exchange ex;
    private boolean joined;

    GatewayTunnel(GatewayConnection conn) {
        this.conn = conn;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        Channel client = ctx.channel();
        ProxyContext px = conn.px();
        ex = new Exchange("tcp");
        conn.source(ex, client);
        client.closeFuture().addListener(f -> {
            if (!ex.relaying) {
                px.log(ex);
            }
        });
        GatewayDecision d = conn.snapshot().gateway(conn.gateway(), conn.request(client, Optional.empty()));
        switch (d) {
            case GatewayDecision.Denied denied -> {
                ex.policy = denied.policyId().orElse(null);
                ex.decide(ProxyDecision.DENIED, GatewayConnection.rbacDetail(denied.policyId()));
                ctx.close();
            }
            case GatewayDecision.NoRoute nr -> {
                ex.decide(ProxyDecision.NO_ROUTE, "route_not_found: " + nr.reason());
                ctx.close();
            }
            case GatewayDecision.Forward f -> {
                ex.route = f.route();
                ex.decide(ProxyDecision.ALLOWED, "forwarded");
                client.config().setAutoRead(false);
                // a FIN (or close_notify) that comes with the first bytes ends only the client's direction
                client.config().setOption(io.netty.channel.ChannelOption.ALLOW_HALF_CLOSURE, true);
                HalfClosure.keepRegistered(client);
                Upstreams.connect(px, client.eventLoop(), f.upstream(), conn.snapshot().mesh().trustDomain(), ex)
                        .addListener(fu -> {
                            if (!fu.isSuccess()) {
                                if (fu.cause() instanceof AddressGuard.Refused refused) {
                                    ex.decide(ProxyDecision.REFUSED, refused.getMessage());
                                } else {
                                    ex.decide(ProxyDecision.ERROR, "upstream connect error: "
                                            + HttpProxyHandler.describe(fu.cause()));
                                }
                                release();
                                ctx.close();
                                return;
                            }
                            Channel upstream = (Channel) fu.getNow();
                            if (!client.isActive()) {
                                upstream.close();
                                release();
                                return;
                            }
                            ex.responseCode = 200;
                            joined = true;
                            Object o;
                            Object eof = null;
                            while ((o = early.poll()) != null) {
                                if (o == INPUT_ENDED || o == CLOSE_NOTIFY) {
                                    eof = o;
                                } else {
                                    int n = o instanceof io.netty.buffer.ByteBuf b ? b.readableBytes() : 0;
                                    upstream.write(o).addListener(w -> {
                                        if (w.isSuccess()) {
                                            ex.bytesReceived += n;
                                        }
                                    });
                                }
                            }
                            upstream.flush();
                            client.pipeline().remove(this);
                            Tunnel t = Tunnel.join(px, ex, client, upstream, false);
                            if (eof == CLOSE_NOTIFY) {
                                t.closeNotify(t.client);
                            } else if (eof == INPUT_ENDED) {
                                t.inputEnded(t.client);
                            }
                        });
            }
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
            early.add(INPUT_ENDED);
        } else if (evt instanceof io.netty.handler.ssl.SslCloseCompletionEvent c && c.isSuccess()) {
            early.add(CLOSE_NOTIFY);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (joined || !ctx.channel().isActive()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        early.add(msg);
    }

    private void release() {
        Object o;
        while ((o = early.poll()) != null) {
            if (o != INPUT_ENDED && o != CLOSE_NOTIFY) {
                ReferenceCountUtil.release(o);
            }
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
