package dev.tollgate.proxy;

import dev.tollgate.core.model.ProxyDecision;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A connection over a connection limit. On HTTP it reads the client's first request and answers it with the
 * refusal's status (429 or 503), so that the client sees why instead of a reset; a connection that sends no request
 * in time, one that cannot carry an answer (TLS not yet terminated, a TCP server), and refusals beyond
 * {@link ConnectionLimits#MAX_ANSWERING} at once are just closed. Each is counted and logged once.
 */
final class RefuseConnection extends ChannelInboundHandlerAdapter {
    /** A refused connection waits at most this long for its request. */
    private static final Duration MAX_WAIT = Duration.ofSeconds(2);

    private final ProxyContext px;
    private final ConnectionLimits.Refusal refusal;
    private final Exchange ex;
    private ScheduledFuture<?> timer;

    private RefuseConnection(ProxyContext px, ConnectionLimits.Refusal refusal, Exchange ex) {
        this.px = px;
        this.refusal = refusal;
        this.ex = ex;
    }

    /** Refuses an HTTP connection: answers its first request, or closes. */
    static void http(ProxyContext px, Channel ch, ConnectionLimits.Refusal refusal, Consumer<Exchange> sourceInfo) {
        px.metrics.limitRejected(refusal.limit());
        Exchange ex = exchange("http", refusal, sourceInfo);
        if (!px.connections.mayAnswer(ch)) {
            close(px, ch, ex);
            return;
        }
        ch.pipeline().addLast("http-codec", new HttpServerCodec(HeadGuard.decoderConfig(px.limits)));
        ch.pipeline().addLast("refuse", new RefuseConnection(px, refusal, ex));
    }

    /** Refuses a connection that cannot carry an answer: logs and closes it. */
    static void close(ProxyContext px, Channel ch, ConnectionLimits.Refusal refusal, String protocol,
                      Consumer<Exchange> sourceInfo) {
        px.metrics.limitRejected(refusal.limit());
        close(px, ch, exchange(protocol, refusal, sourceInfo));
    }

    private static void close(ProxyContext px, Channel ch, Exchange ex) {
        px.log(ex);
        ch.close();
    }

    private static Exchange exchange(String protocol, ConnectionLimits.Refusal refusal, Consumer<Exchange> source) {
        Exchange ex = new Exchange(protocol);
        source.accept(ex);
        ex.decide(ProxyDecision.ERROR, refusal.reason());
        return ex;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        long wait = Math.min(MAX_WAIT.toMillis(), px.limits.headerTimeout().toMillis());
        timer = ctx.executor().schedule(() -> close(px, ctx.channel(), ex), wait, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpRequest request) || ex.responseCode != 0) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ex.request = request.method().name() + " " + request.uri();
        ReferenceCountUtil.release(msg);
        timer.cancel(false);
        var response = HttpMessages.reply(ctx.alloc(), refusal.status(), refusal.reason());
        ex.responseCode = refusal.status().code();
        ex.bytesSent = response.content().readableBytes();
        px.log(ex);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        timer.cancel(false);
        px.log(ex);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
