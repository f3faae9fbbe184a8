package dev.tollgate.proxy;

import dev.tollgate.core.model.ProxyDecision;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The limits on what a client sends before a request is handled, on one HTTP connection: the header-read timeout,
 * the request-line and header sizes (with their reasons), and the request rate.
 *
 * <p>The header-read timeout runs from the first byte of a request head (or, for bytes that came while the previous
 * request was in flight, from the end of its response) until the codec has the whole head; bytes trickling in do not
 * restart it, unlike the idle timeout. On expiry the client gets 408 and the connection closes. A connection that
 * sends nothing is left to the idle timeout, so idle keep-alive connections (the sidecar's pool to the gateway) stay.
 *
 * <p>It is two handlers around the codec: {@code head-bytes} before it sees the raw bytes, {@code head-gate} after
 * it sees decoded requests and the responses written. A refused request is handed on with a failed
 * {@link DecoderResult} carrying a {@link LimitExceeded}, so that the request handler answers it in turn (after any
 * response still in flight) like any request it cannot read.
 */
final class HeadGuard {
    private final ProxyContext px;
    private final Consumer<Exchange> sourceInfo;
    private final String rateKey;
    private final Bytes bytes = new Bytes();
    private final Gate gate = new Gate();
    private ChannelHandlerContext bytesCtx;
    private ScheduledFuture<?> timer;
    /** Requests decoded whose responses are not complete yet (more than one when the client pipelines). */
    private int outstanding;
    /** Whether the last request decoded has been read to its end (its body included). */
    private boolean requestEnded = true;
    private boolean informational;
    /** Bytes arrived after the last request ended: the next head started before the responses finished. */
    private boolean nextHeadStarted;

    private HeadGuard(ProxyContext px, Consumer<Exchange> sourceInfo, String rateKey) {
        this.px = px;
        this.sourceInfo = sourceInfo;
        this.rateKey = rateKey;
    }

    /** Why a request is refused by a limit: the status and the reason (response body and access log reason). */
    static final class LimitExceeded extends RuntimeException {
        final HttpResponseStatus status;

        LimitExceeded(HttpResponseStatus status, String reason) {
            super(reason, null, false, false);
            this.status = status;
        }
    }

    /**
     * Adds {@code pipeline-gate}, {@code head-bytes}, {@code http-codec} (sized by the proxy's limits) and {@code head-gate}; the caller adds
     * the request handler after them.
     *
     * @param rateKey whose token bucket this connection's requests take from
     */
    static void install(ChannelPipeline p, ProxyContext px, Consumer<Exchange> sourceInfo, String rateKey) {
        HeadGuard g = new HeadGuard(px, sourceInfo, rateKey);
        // the pipeline gate holds back bytes beyond the pipelining depth, so the header timer starts only for bytes
        // that are let through to the decoder
        p.addLast("pipeline-gate", new PipelineGate(px, px.limits.maxPipelinedRequests()));
        p.addLast("head-bytes", g.bytes);
        p.addLast("http-codec", PipelineGate.codec(decoderConfig(px.limits), px.limits.maxPipelinedRequests()));
        p.addLast("head-gate", g.gate);
    }

    static HttpDecoderConfig decoderConfig(Limits limits) {
        return new HttpDecoderConfig().setMaxInitialLineLength(limits.maxRequestLine())
                .setMaxHeaderSize(limits.maxHeaders()).setMaxChunkSize(64 * 1024);
    }

    private void startTimer() {
        if (timer == null) {
            long ms = px.limits.headerTimeout().toMillis();
            timer = bytesCtx.executor().schedule(this::expired, ms, TimeUnit.MILLISECONDS);
        }
    }

    private void stopTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void expired() {
        timer = null;
        if (outstanding > 0 || !bytesCtx.channel().isActive()) {
            return;
        }
        px.metrics.limitRejected("header_timeout");
        String reason = "request head not received within " + px.limits.headerTimeout().toMillis()
                + " ms (limit: header-timeout)";
        Exchange ex = new Exchange("http");
        sourceInfo.accept(ex);
        ex.decide(ProxyDecision.ERROR, reason);
        ex.responseCode = 408;
        byte[] body = (reason + "\n").getBytes(StandardCharsets.UTF_8);
        // written below the codec: its decoder holds a partial request, and no request exists to answer
        byte[] head = ("HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain\r\ncontent-length: " + body.length
                + "\r\nconnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        ByteBuf out = bytesCtx.alloc().buffer(head.length + body.length).writeBytes(head).writeBytes(body);
        ex.bytesSent = out.readableBytes();
        px.log(ex);
        bytesCtx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
    }

    private void responseFinished() {
        outstanding = Math.max(0, outstanding - 1);
        if (outstanding == 0 && nextHeadStarted) {
            nextHeadStarted = false;
            startTimer();
        }
    }

    private final class Bytes extends ChannelInboundHandlerAdapter {
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            bytesCtx = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf b && b.isReadable()) {
                if (outstanding == 0 && requestEnded) {
                    startTimer();
                } else if (requestEnded) {
                    nextHeadStarted = true;
                }
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            stopTimer();
            ctx.fireChannelInactive();
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            stopTimer();
        }
    }

    private final class Gate extends ChannelDuplexHandler {

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest request) {
                stopTimer();
                outstanding++;
                requestEnded = msg instanceof LastHttpContent;
                check(request);
                if (request.method().equals(HttpMethod.CONNECT) && request.decoderResult().isSuccess()) {
                    // a tunnel follows, with deadlines of its own: these guards are for HTTP only
                    ctx.pipeline().remove(bytes);
                    ctx.pipeline().remove(this);
                }
            } else if (msg instanceof LastHttpContent) {
                requestEnded = true;
            }
            ctx.fireChannelRead(msg);
        }

        private void check(HttpRequest request) {
            DecoderResult r = request.decoderResult();
            if (r.isFailure()) {
                if (r.cause() instanceof TooLongHttpLineException) {
                    refuse(request, "request_line", HttpResponseStatus.REQUEST_URI_TOO_LONG, "malformed request: request line too long (over "
                            + px.limits.maxRequestLine() + " bytes; limit: max-request-line)");
                } else if (r.cause() instanceof TooLongHttpHeaderException) {
                    refuse(request, "headers", HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                            "malformed request: headers too large (over " + px.limits.maxHeaders()
                                    + " bytes; limit: max-headers)");
                }
                return;
            }
            if (!px.rate.tryAcquire(rateKey)) {
                refuse(request, "request_rate", HttpResponseStatus.TOO_MANY_REQUESTS, px.rate.reason(rateKey));
            }
        }

        private void refuse(HttpRequest request, String limit, HttpResponseStatus status, String reason) {
            px.metrics.limitRejected(limit);
            request.setDecoderResult(DecoderResult.failure(new LimitExceeded(status, reason)));
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof HttpResponse response) {
                informational = response.status().codeClass() == HttpStatusClass.INFORMATIONAL
                        && response.status().code() != 101;
            }
            if (msg instanceof LastHttpContent) {
                if (informational) {
                    informational = false;
                } else {
                    responseFinished();
                }
            }
            ctx.write(msg, promise);
        }
    }
}
