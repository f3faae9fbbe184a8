package dev.tollgate.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;

import java.util.ArrayList;
import java.util.List;

/**
 * A TLS ClientHello sent to a gateway server that reads plain HTTP. Istio's listener for such a port has no TLS
 * filter chain (mergeGateways kept the plain server and skipped a later TLS one), so Envoy's HTTP codec would fail the
 * bytes. Tollgate hands the connection to {@link GatewayTunnel} instead, which asks the core as it does for any
 * connection without HTTP: the core finds no route on a server that reads HTTP, the access log says so with the
 * reason {@code check} gives, and the connection is closed.
 */
final class TlsOnHttpServer extends ChannelInboundHandlerAdapter {
    /** The first byte of a TLS record carrying a handshake (RFC 8446 section 5.1). */
    private static final int TLS_HANDSHAKE = 0x16;
    private final GatewayConnection conn;

    TlsOnHttpServer(GatewayConnection conn) {
        this.conn = conn;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf b) || !b.isReadable()) {
            ctx.fireChannelRead(msg);
            return;
        }
        ChannelPipeline p = ctx.pipeline();
        if (b.getUnsignedByte(b.readerIndex()) == TLS_HANDSHAKE) {
            List<String> after = new ArrayList<>();
            boolean past = false;
            for (String name : p.toMap().keySet()) {
                if (past) {
                    after.add(name);
                }
                past |= name.equals(ctx.name());
            }
            after.forEach(p::remove);
            p.addLast("tunnel", new GatewayTunnel(conn));
        }
        p.remove(this);
        ctx.fireChannelRead(msg);
    }
}
