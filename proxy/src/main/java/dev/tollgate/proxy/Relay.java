package dev.tollgate.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

import java.util.function.LongConsumer;

/**
 * Copies bytes from its channel to {@code peer}, with back-pressure: when the peer's outbound buffer is full this side
 * stops reading until the peer drains ({@code autoRead}). When either side closes, the other is flushed and closed.
 */
final class Relay extends ChannelInboundHandlerAdapter {
    /** After this many bytes one way, a tunnel counts as a bulk transfer (see {@link Splice}). */
    static final long BULK_BYTES = 1024 * 1024;

    private final Channel peer;
    private final LongConsumer counter;
    private final Runnable onBulk;
    private long seen;

    /**
     * @param counter told the size of each buffer read here
     * @param onBulk  run once when {@link #BULK_BYTES} have been relayed this way; may be null
     */
    Relay(Channel peer, LongConsumer counter, Runnable onBulk) {
        this.peer = peer;
        this.counter = counter;
        this.onBulk = onBulk;
    }

    /** Connects two channels both ways and starts reading on both. */
    static void join(Channel client, Channel upstream, LongConsumer fromClient, LongConsumer toClient) {
        join(client, upstream, fromClient, toClient, null, null);
    }

    /** As {@link #join(Channel, Channel, LongConsumer, LongConsumer)}, with a hook per direction for bulk transfers. */
    static void join(Channel client, Channel upstream, LongConsumer fromClient, LongConsumer toClient,
                     Runnable clientBulk, Runnable upstreamBulk) {
        client.pipeline().addLast("relay", new Relay(upstream, fromClient, clientBulk));
        upstream.pipeline().addLast("relay", new Relay(client, toClient, upstreamBulk));
        client.config().setAutoRead(true);
        upstream.config().setAutoRead(true);
        client.read();
        upstream.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!peer.isActive()) {
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        if (msg instanceof ByteBuf buf) {
            int n = buf.readableBytes();
            counter.accept(n);
            if (onBulk != null && seen < BULK_BYTES && seen + n >= BULK_BYTES) {
                peer.write(msg).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
                seen += n;
                onBulk.run();
                return;
            }
            seen += n;
        }
        peer.write(msg).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
        if (!peer.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            peer.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeOnFlush(peer);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
        closeOnFlush(peer);
    }

    static void closeOnFlush(Channel ch) {
        if (ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            ch.close();
        }
    }
}
