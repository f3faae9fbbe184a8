package dev.tollgate.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.SslCloseCompletionEvent;

/**
 * One direction of a {@link Tunnel}, in the pipeline of the side it reads from: hands each buffer to the tunnel,
 * with back-pressure (when the other side's outbound buffer is full this side stops reading until it drains), and
 * reports this side's EOF ({@code ChannelInputShutdownEvent}, or {@code close_notify} on a TLS leg), reset or
 * failure to the tunnel.
 */
final class Relay extends ChannelInboundHandlerAdapter {
    /** After this many bytes one way, a tunnel counts as a bulk transfer (see {@link Splice}). */
    static final long BULK_BYTES = 1024 * 1024;

    private final Tunnel tunnel;
    private final Tunnel.Leg from;
    private final Runnable onBulk;
    private long seen;

    /** @param onBulk run once when {@link #BULK_BYTES} have been read this way; may be null */
    Relay(Tunnel tunnel, Tunnel.Leg from, Runnable onBulk) {
        this.tunnel = tunnel;
        this.from = from;
        this.onBulk = onBulk;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        int n = msg instanceof ByteBuf b ? b.readableBytes() : 0;
        tunnel.forward(from, msg);
        if (onBulk != null && seen < BULK_BYTES && seen + n >= BULK_BYTES) {
            seen += n;
            onBulk.run();
            return;
        }
        seen += n;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Channel peer = from.other().ch;
        peer.flush();
        if (!peer.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            from.other().ch.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            tunnel.inputEnded(from);
        } else if (evt instanceof SslCloseCompletionEvent close && close.isSuccess()) {
            tunnel.closeNotify(from);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        tunnel.inactive(from);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        tunnel.abort(from, from.name + " " + reset(cause));
    }

    private static String reset(Throwable cause) {
        String m = String.valueOf(cause.getMessage());
        return m.contains("reset") ? "reset the connection" : "failed: " + HttpProxyHandler.describe(cause);
    }

    /** Flushes what is queued for {@code ch}, then closes it. */
    static void closeOnFlush(Channel ch) {
        if (ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            ch.close();
        }
    }
}
