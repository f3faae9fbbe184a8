package dev.tollgate.proxy;

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
        client.closeFuture().addListener(f -> px.log(ex));
        GatewayDecision d = conn.snapshot().gateway(conn.gateway(), conn.request(client, Optional.empty()));
        switch (d) {
            case GatewayDecision.Denied denied -> {
                ex.policy = denied.policyId().orElse(null);
                ex.decide("denied", GatewayConnection.rbacDetail(denied.policyId()));
                ctx.close();
            }
            case GatewayDecision.NoRoute nr -> {
                ex.decide("no-route", "route_not_found: " + nr.reason());
                ctx.close();
            }
            case GatewayDecision.Forward f -> {
                ex.route = f.route();
                ex.decide("allowed", "forwarded");
                client.config().setAutoRead(false);
                Upstreams.connect(px, client.eventLoop(), f.upstream(), conn.snapshot().mesh().trustDomain(), ex)
                        .addListener(fu -> {
                            if (!fu.isSuccess()) {
                                if (fu.cause() instanceof AddressGuard.Refused refused) {
                                    ex.decide("refused", refused.getMessage());
                                } else {
                                    ex.decide("error", "upstream connect error: "
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
                            while ((o = early.poll()) != null) {
                                if (o instanceof io.netty.buffer.ByteBuf b) {
                                    ex.bytesReceived += b.readableBytes();
                                }
                                upstream.write(o);
                            }
                            upstream.flush();
                            upstream.closeFuture().addListener(c -> Relay.closeOnFlush(client));
                            client.pipeline().remove(this);
                            Relay.join(client, upstream, n -> ex.bytesReceived += n, n -> ex.bytesSent += n);
                        });
            }
        }
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
            ReferenceCountUtil.release(o);
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
