package dev.tollgate.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds how many pipelined requests a client connection may have decoded and waiting, by holding raw bytes before
 * the HTTP decoder. Netty's decoder turns a whole read (up to 64 KiB, thousands of tiny requests) into requests at
 * once, whatever the channel's autoRead says; its own guard ({@code maxPipelineDepth}) then throws and resets the
 * connection, losing the response in flight (issue 6 section 1.7). This gate hands the decoder only as many bytes as
 * cannot make more than {@code limit} requests wait: every request takes at least {@link #MIN_REQUEST_BYTES}. When the
 * limit is reached it keeps the rest, stops reading from the socket, and gives the bytes to the decoder as responses
 * drain ({@link #drain}): deep pipelines are served whole and in order, with bounded memory.
 */
final class PipelineGate extends ChannelDuplexHandler {
    private static final Logger LOG = LoggerFactory.getLogger(PipelineGate.class);

    /** The shortest request line plus its end, {@code A * A/1.1\n\n}: fewer bytes can never complete a request. */
    static final int MIN_REQUEST_BYTES = 11;

    /** Deeper than any browser or client library pipelines; shallow enough to bound a connection's memory. */
    static final int DEFAULT_DEPTH = 128;

    /** What the gate asks of the HTTP handler behind the decoder. */
    interface Depth {
        /** Requests decoded and waiting behind the one being served. */
        int queued();

        /** Bytes of the current request's body still to come when known (Content-Length), else 0. */
        long bodyRemaining();
    }

    private final ProxyContext px;
    private final int limit;
    private Depth depth;
    private ByteBuf held;
    private boolean readWanted;
    private boolean told;
    private boolean passing;
    private ChannelHandlerContext ctx;

    PipelineGate(ProxyContext px, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("pipeline depth must be at least 1: " + limit);
        }
        this.px = px;
        this.limit = limit;
    }

    void depth(Depth d) {
        this.depth = d;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf) || depth == null) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (held == null) {
            held = buf;
        } else {
            held = ctx.alloc().compositeBuffer().addComponents(true, held, buf);
        }
        pass(ctx);
    }

    /** True while bytes wait for responses to drain: the socket must not be read. */
    boolean holding() {
        return held != null;
    }

    /** Gives held bytes to the decoder while responses have made room; called by the handler as requests leave. */
    void drain() {
        if (held != null && !ctx.isRemoved()) {
            pass(ctx);
            ctx.fireChannelReadComplete();
        }
    }

    /**
     * The HTTP server codec for a connection behind a gate of {@code limit}. Netty's codec resets the connection when
     * more requests than its {@code maxPipelineDepth} are unanswered; the gate keeps fewer than {@code limit + 2}
     * decoded (those waiting, the one served, and one malformed), so the codec's guard is set above that and trips
     * only if this accounting is wrong.
     */
    static io.netty.handler.codec.http.HttpServerCodec codec(io.netty.handler.codec.http.HttpDecoderConfig config,
                                                             int limit) {
        return new io.netty.handler.codec.http.HttpServerCodec(config, limit + 8);
    }

    private void pass(ChannelHandlerContext ctx) {
        if (passing) {
            // a request handled while a part is being decoded: the loop below carries on with the new depth
            return;
        }
        passing = true;
        try {
            passHeld(ctx);
        } finally {
            passing = false;
        }
    }

    private void passHeld(ChannelHandlerContext ctx) {
        while (held != null && ctx.channel().isActive() && depth != null) {
            int room = limit - depth.queued();
            if (room <= 0) {
                pause(ctx);
                return;
            }
            long allowed = Math.min(Integer.MAX_VALUE, (long) room * MIN_REQUEST_BYTES + depth.bodyRemaining());
            ByteBuf part;
            if (held.readableBytes() <= allowed) {
                part = held;
                held = null;
            } else {
                part = held.readRetainedSlice((int) allowed);
            }
            ctx.fireChannelRead(part);
        }
        if (held == null && readWanted && ctx.channel().isActive()) {
            readWanted = false;
            ctx.read();
        }
    }

    private void pause(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(false);
        if (!told) {
            told = true;
            px.metrics.limitReached("pipeline_depth");
            LOG.info("{}: {} pipelined more than {} requests: reading paused until responses drain", px.name,
                    ctx.channel().remoteAddress(), limit);
        }
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (held != null) {
            // the decoder or the handler wants more, but the client is already this far ahead
            readWanted = true;
            return;
        }
        ctx.read();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        ctx.fireChannelInactive();
    }

    /**
     * Removed when the HTTP handler leaves (a CONNECT tunnel takes the connection over): bytes still held go on to the
     * decoder, exactly as if the gate had never held them.
     */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        ByteBuf h = held;
        held = null;
        if (h != null && h.isReadable() && ctx.channel().isActive()) {
            ctx.fireChannelRead(h);
            ctx.fireChannelReadComplete();
        } else {
            ReferenceCountUtil.release(h);
        }
    }

    private void release() {
        ByteBuf h = held;
        held = null;
        ReferenceCountUtil.release(h);
    }
}
