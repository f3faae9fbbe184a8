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
    private final Channel peer;
    private final LongConsumer counter;

    /** @param counter told the size of each buffer read here */
    Relay(Channel peer, LongConsumer counter) {
        this.peer = peer;
        this.counter = counter;
    }

    /** Connects two channels both ways and starts reading on both. */
    static void join(Channel client, Channel upstream, LongConsumer fromClient, LongConsumer toClient) {
        client.pipeline().addLast("relay", new Relay(upstream, fromClient));
        upstream.pipeline().addLast("relay", new Relay(client, toClient));
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
            counter.accept(buf.readableBytes());
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
