package dev.tollgate.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;

import java.util.concurrent.TimeUnit;

/**
 * Holds the first bytes of a TLS connection until the strict {@link ClientHello} parser finds a whole ClientHello in
 * them, without terminating TLS, and hands the outcome to the subclass, which decides once: the hello with every byte
 * read so far (to be passed on unchanged), bytes that are not TLS, a refusal, a timeout, or the client going away
 * first. The buffer is capped at {@link ClientHello#MAX_BYTES} plus one record header; the bytes are handed over
 * with the hello and with non-TLS bytes, and released on every other path.
 */
abstract class ClientHelloPeek extends ChannelInboundHandlerAdapter {
    private ByteBuf buffered;
    /** One of the outcomes has been handed to the subclass: nothing more is buffered or decided. */
    private boolean decided;
    private io.netty.util.concurrent.Future<?> timeout;

    /** How long, from when this handler is added, a whole ClientHello may take: {@link ClientHello#TIMEOUT} by default. */
    protected long timeoutMillis() {
        return ClientHello.TIMEOUT.toMillis();
    }

    /** No whole ClientHello arrived in time; the connection is still open. By default a refusal saying so. */
    protected void timedOut(ChannelHandlerContext ctx) {
        refused(ctx, "no whole ClientHello within " + ClientHello.TIMEOUT.toSeconds() + " s");
    }

    /**
     * What the client sent is not TLS at all (its first bytes are no handshake record). {@code bytes} are all the
     * bytes read so far; the subclass owns them: it refuses, or hands them to whatever serves plain bytes.
     */
    protected abstract void notTls(ChannelHandlerContext ctx, ByteBuf bytes);

    /** The bytes are refused by the parser (or the cap) for {@code reason}; nothing is buffered any more. */
    protected abstract void refused(ChannelHandlerContext ctx, String reason);

    /**
     * A whole ClientHello. {@code bytes} are all the bytes read so far, the hello and whatever followed it; the
     * subclass owns them (passes them on or releases them).
     */
    protected abstract void hello(ChannelHandlerContext ctx, ClientHello.Hello hello, ByteBuf bytes);

    /** The client closed the connection, or its sending side, before a whole ClientHello. */
    protected void endedEarly(ChannelHandlerContext ctx) {
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        timeout = ctx.executor().schedule(() -> {
            if (!decided && ctx.channel().isActive()) {
                decide();
                timedOut(ctx);
            }
        }, timeoutMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (decided || !(msg instanceof ByteBuf in)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (buffered == null) {
            buffered = ctx.alloc().buffer(Math.max(512, in.readableBytes()));
        }
        if (buffered.readableBytes() + in.readableBytes() > ClientHello.MAX_BYTES + 5) {
            in.release();
            refuse(ctx, "malformed ClientHello: larger than " + ClientHello.MAX_BYTES + " bytes");
            return;
        }
        buffered.writeBytes(in);
        in.release();
        switch (ClientHello.parse(buffered)) {
            case ClientHello.NeedMore n -> {
            }
            case ClientHello.NotTls n -> notTls(ctx, handOver());
            case ClientHello.Malformed m -> refuse(ctx, "malformed ClientHello: " + m.reason());
            case ClientHello.Hello h -> hello(ctx, h, handOver());
        }
    }

    /** Decides, and gives the subclass every byte read so far. */
    private ByteBuf handOver() {
        ByteBuf bytes = buffered;
        buffered = null;
        decided = true;
        return bytes;
    }

    private void refuse(ChannelHandlerContext ctx, String reason) {
        decide();
        refused(ctx, reason);
    }

    private void decide() {
        decided = true;
        release();
    }

    private void release() {
        if (buffered != null) {
            buffered.release();
            buffered = null;
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent && !decided) {
            // where half-closure is on, an EOF before the whole ClientHello ends the connection here
            decide();
            endedEarly(ctx);
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!decided) {
            decide();
            endedEarly(ctx);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        timeout.cancel(false);
        release();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
