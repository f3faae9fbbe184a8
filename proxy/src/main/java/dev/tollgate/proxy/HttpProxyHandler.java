package dev.tollgate.proxy;

import dev.tollgate.core.model.ProxyDecision;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Consumer;

/**
 * Proxies HTTP/1.1 requests on one client connection, one at a time: each request is decided by the
 * {@link HttpRouter}, answered locally or sent to a fresh upstream connection, and its response streamed back with
 * back-pressure both ways. Requests the client pipelines are read only after the current response is complete
 * (reading stops at the end of each request), so at most one read's worth of them is ever queued.
 * The client connection is kept alive while both sides allow it; every local refusal closes it.
 */
final class HttpProxyHandler extends ChannelInboundHandlerAdapter {
    /** Sent down the pipeline when the proxy drains: an idle keep-alive connection closes. */
    static final Object DRAIN = new Object();
    private static final Logger LOG = LoggerFactory.getLogger(HttpProxyHandler.class);

    private enum State { IDLE, CONNECTING, FORWARDING, CLOSING }

    private final ProxyContext px;
    private final HttpRouter router;
    private final Consumer<Exchange> sourceInfo;
    private final ArrayDeque<Object> pending = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private State state = State.IDLE;
    private Exchange ex;
    private Channel upstream;
    private boolean keepAlive;
    private boolean requestDone;
    private boolean responseStarted;
    private boolean responseDone;
    private boolean informational;
    private boolean headRequest;
    private String upstreamError;
    /** Where the current request goes. */
    private HttpRouter.Forward route;
    /** The current request is on a connection taken from the pool (it may have been closed by its peer meanwhile). */
    private boolean reused;
    /** The head of the current request, kept while it may be sent again on a new connection ({@link #retryable}). */
    private HttpRequest retryHead;
    /** The head could not be written at all: the reused connection was already dead, nothing reached the upstream. */
    private boolean headUnsent;
    private boolean closeAfterResponse;
    private boolean upstreamKeepAlive;
    /** Requests in {@link #pending}: pipelined behind the one being served. */
    private int queuedRequests;
    /** Body bytes of the current request still to come, when it has a Content-Length. */
    private long bodyRemaining;
    private PipelineGate gate;

    /** @param sourceInfo fills in an exchange's source (address, principal) */
    HttpProxyHandler(ProxyContext px, HttpRouter router, Consumer<Exchange> sourceInfo) {
        this.px = px;
        this.router = router;
        this.sourceInfo = sourceInfo;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        gate = ctx.pipeline().get(PipelineGate.class);
        if (gate != null) {
            gate.depth(new PipelineGate.Depth() {
                @Override
                public int queued() {
                    return queuedRequests;
                }

                @Override
                public long bodyRemaining() {
                    return state == State.CLOSING ? 0 : bodyRemaining;
                }
            });
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.CLOSING) {
            ReferenceCountUtil.release(msg);
        } else if (state == State.FORWARDING && !requestDone && msg instanceof HttpContent c
                && !(msg instanceof HttpRequest)) {
            forwardContent(c);
        } else if (state == State.IDLE) {
            handle(msg);
        } else {
            if (msg instanceof HttpRequest) {
                queuedRequests++;
            }
            pending.add(msg);
        }
    }

    /** The next pipelined message; the gate may let the client further ahead once a request leaves the queue. */
    private Object nextPending() {
        Object o = pending.poll();
        if (o instanceof HttpRequest) {
            queuedRequests--;
        }
        return o;
    }

    private void handle(Object msg) {
        if (!(msg instanceof HttpRequest request)) {
            // body of a request already answered, or a stray chunk
            ReferenceCountUtil.release(msg);
            return;
        }
        ex = new Exchange("http");
        sourceInfo.accept(ex);
        requestDone = request instanceof LastHttpContent;
        responseStarted = false;
        responseDone = false;
        informational = false;
        upstreamError = null;
        route = null;
        reused = false;
        retryHead = null;
        headUnsent = false;
        upstreamKeepAlive = false;
        ex.request = request.method().name() + " " + request.uri();
        if (request.decoderResult().isFailure()) {
            ReferenceCountUtil.release(request);
            HttpRouter.Reply r = HttpMessages.malformed(request.decoderResult().cause());
            fail(r.status(), r.body());
            return;
        }
        String smuggle = HttpMessages.smuggling(request);
        if (smuggle != null) {
            ReferenceCountUtil.release(request);
            fail(HttpResponseStatus.BAD_REQUEST, "ambiguous request framing: " + smuggle);
            return;
        }
        String connection = HttpMessages.connectionProblem(request.headers());
        if (connection != null) {
            ReferenceCountUtil.release(request);
            fail(HttpResponseStatus.BAD_REQUEST, "malformed request: " + connection);
            return;
        }
        bodyRemaining = requestDone ? 0 : Math.max(0, HttpUtil.getContentLength(request, 0L));
        if (!request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
            // Envoy's default (Istio sets accept_http_10 only with PILOT_HTTP10): HTTP/1.0 is refused with 426,
            // with or without a Host header
            ReferenceCountUtil.release(request);
            fail(HttpResponseStatus.UPGRADE_REQUIRED, request.protocolVersion().text()
                    + " requests are not accepted: use HTTP/1.1");
            return;
        }
        keepAlive = HttpUtil.isKeepAlive(request) && !px.draining;
        headRequest = request.method().equals(HttpMethod.HEAD);
        // routing and authorization see the request as it will be forwarded, as in Envoy, where the codec and the
        // connection manager sanitize headers before any filter runs
        HttpMessages.stripHopByHop(request.headers());
        List<String> internal = HttpMessages.stripMeshInternal(request.headers());
        HttpRouter.Route route;
        try {
            route = router.route(ctx, request, ex);
        } catch (RuntimeException e) {
            ReferenceCountUtil.release(request);
            fail(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error: " + e);
            return;
        }
        switch (route) {
            case HttpRouter.Reply r -> {
                ReferenceCountUtil.release(request);
                if (ex.reason.isEmpty()) {
                    ex.reason = r.body();
                }
                reply(r);
            }
            case HttpRouter.Tunnel t -> {
                // the router's tunnel handler has taken the request and the connection over
                state = State.CLOSING;
                releasePending();
            }
            case HttpRouter.Forward f -> {
                if (!internal.isEmpty()) {
                    ex.reason += "; removed " + String.join(", ", internal);
                }
                forward(request, f);
            }
        }
    }

    private void forward(HttpRequest request, HttpRouter.Forward f) {
        state = State.CONNECTING;
        ctx.channel().config().setAutoRead(false);
        route = f;
        // no Connection: close towards the upstream for a closing client: the upstream connection outlives it
        io.netty.channel.EventLoop loop = ctx.channel().eventLoop();
        Channel pooled = reuse(f, loop);
        io.netty.util.concurrent.Future<Channel> connected;
        if (pooled != null) {
            reused = true;
            ex.upstreamAddress = pooled.remoteAddress() instanceof java.net.InetSocketAddress a
                    ? Upstreams.format(a) : String.valueOf(pooled.remoteAddress());
            if (retryable(request)) {
                retryHead = request;
                ReferenceCountUtil.retain(request);
            }
            connected = loop.newSucceededFuture(pooled);
        } else {
            connected = Upstreams.connect(px, loop, f.upstream(), f.trustDomain(), ex);
        }
        send(request, connected);
    }

    /**
     * An idle pooled connection for {@code f}, or null. The address is looked up without waiting (literals, the
     * operator's maps and recent DNS answers are known at once); a name that needs DNS first gets a new connection,
     * which {@link Upstreams#connect} resolves. A pooled connection is keyed by the address it was opened to, which
     * the address guard already let through for the same host and TLS mode.
     */
    private Channel reuse(HttpRouter.Forward f, io.netty.channel.EventLoop loop) {
        if (!UpstreamPool.poolable(f.upstream())) {
            return null;
        }
        var up = f.upstream();
        io.netty.util.concurrent.Future<HostMap.Resolved> where =
                px.hosts.resolve(up.host(), up.port(), up.addresses(), loop);
        if (!where.isSuccess()) {
            return null;
        }
        return px.pool.acquire(loop, new UpstreamPool.Key(up, where.getNow().address(), f.trustDomain()));
    }

    /**
     * May the request be sent once more on a new connection if the reused one fails before any response byte? Only
     * when the proxy still holds all of it (no body: bodies are streamed, not kept), and either its method is
     * idempotent (RFC 9110 section 9.2.2: GET, HEAD, OPTIONS, TRACE, PUT, DELETE; RFC 9112 section 9.3.1 allows
     * retrying those automatically) or nothing of it was written ({@link #headUnsent}). A POST that was written may
     * have been acted on by an upstream that then closed, so it is never sent twice: the client gets a 503 and decides.
     * Go's http.Transport follows the same rule; Envoy's (and Istio's default) retry policy retries resets of any
     * method, which can replay a POST.
     */
    private static boolean retryable(HttpRequest request) {
        return !HttpUtil.isTransferEncodingChunked(request) && HttpUtil.getContentLength(request, 0L) == 0
                && (!(request instanceof HttpContent c) || !c.content().isReadable());
    }

    private static boolean idempotent(HttpMethod m) {
        return m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD) || m.equals(HttpMethod.OPTIONS)
                || m.equals(HttpMethod.TRACE) || m.equals(HttpMethod.PUT) || m.equals(HttpMethod.DELETE);
    }

    /** Writes the request (and the body that has arrived) once {@code connected} is ready. */
    private void send(HttpRequest request, io.netty.util.concurrent.Future<Channel> connected) {
        connected.addListener(fu -> {
            if (!fu.isSuccess()) {
                ReferenceCountUtil.release(request);
                if (state == State.CONNECTING && fu.cause() instanceof AddressGuard.Refused refused) {
                    ex.decision = ProxyDecision.REFUSED;
                    ex.reason = refused.getMessage();
                    reply(new HttpRouter.Reply(px.guard.status(), refused.getMessage()));
                } else if (state == State.CONNECTING) {
                    fail(HttpResponseStatus.SERVICE_UNAVAILABLE, "upstream connect error: " + describe(fu.cause()));
                }
                return;
            }
            Channel up = (Channel) fu.getNow();
            if (state != State.CONNECTING || !ctx.channel().isActive()) {
                ReferenceCountUtil.release(request);
                up.close();
                return;
            }
            upstream = up;
            state = State.FORWARDING;
            if (up.pipeline().get("http") == null) {
                up.pipeline().addLast("http", new UpstreamCodec());
            }
            up.pipeline().addLast("response", new ResponseRelay());
            up.config().setAutoRead(true);
            up.read();
            boolean whole = requestDone && !(request instanceof LastHttpContent);
            if (retryHead != null) {
                up.write(request).addListener(w -> {
                    if (!w.isSuccess() && up == upstream) {
                        headUnsent = true;
                    }
                });
            } else {
                up.write(request);
            }
            if (whole) {
                // a retry: the end of this bodiless request already went to the connection that failed
                up.write(LastHttpContent.EMPTY_LAST_CONTENT);
            }
            if (request instanceof LastHttpContent) {
                requestDone = true;
            }
            while (state == State.FORWARDING && !requestDone && !pending.isEmpty()
                    && pending.peek() instanceof HttpContent c && !(c instanceof HttpRequest)) {
                nextPending();
                forwardContent(c);
            }
            up.flush();
            if (!requestDone) {
                ctx.channel().config().setAutoRead(true);
                ctx.read();
            }
        });
    }

    private void forwardContent(HttpContent c) {
        if (c.decoderResult().isFailure()) {
            // e.g. a bad chunk size: the upstream must not see a body that ends early as if complete
            String why = "malformed request body: " + describe(c.decoderResult().cause());
            ReferenceCountUtil.release(c);
            if (!responseStarted) {
                fail(HttpResponseStatus.BAD_REQUEST, why);
            } else {
                ex.decision = ProxyDecision.ERROR;
                ex.reason = why;
                closeClient();
            }
            return;
        }
        ex.bytesReceived += c.content().readableBytes();
        bodyRemaining = Math.max(0, bodyRemaining - c.content().readableBytes());
        if (c instanceof LastHttpContent last) {
            List<String> dropped = HttpMessages.dropTrailers(last);
            if (!dropped.isEmpty()) {
                ex.reason += "; request trailers dropped: " + String.join(", ", dropped);
            }
            requestDone = true;
            bodyRemaining = 0;
            // do not read pipelined requests before this response is complete
            ctx.channel().config().setAutoRead(false);
        }
        upstream.write(c);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (upstream != null) {
            upstream.flush();
            if (!upstream.isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && upstream != null) {
            upstream.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    /** Streams the upstream's response to the client. */
    private final class ResponseRelay extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext uctx, Object msg) {
            if (state != State.FORWARDING || responseDone) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (msg instanceof HttpResponse response) {
                if (response.decoderResult().isFailure()) {
                    ReferenceCountUtil.release(msg);
                    if (!responseStarted) {
                        fail(HttpResponseStatus.BAD_GATEWAY, "upstream sent a malformed response");
                    } else {
                        ex.decision = ProxyDecision.ERROR;
                        ex.reason = "upstream sent a malformed response";
                        closeClient();
                    }
                    return;
                }
                int code = response.status().code();
                informational = response.status().codeClass() == HttpStatusClass.INFORMATIONAL && code != 101;
                if (code == 101) {
                    ReferenceCountUtil.release(msg);
                    fail(HttpResponseStatus.BAD_GATEWAY, "protocol upgrades are not proxied");
                    return;
                }
                if (!informational) {
                    responseStarted = true;
                    ex.responseCode = code;
                    // HTTP/1.0 keep-alive is an extension some servers get wrong: such connections are not reused
                    upstreamKeepAlive = HttpUtil.isKeepAlive(response)
                            && response.protocolVersion().equals(HttpVersion.HTTP_1_1);
                    dropRetry();
                    HttpMessages.stripHopByHop(response.headers());
                    if (!keepAlive || px.draining || closeAfterResponse) {
                        keepAlive = false;
                    }
                    boolean emptyBody = headRequest || code == 204 || code == 304;
                    if (!emptyBody && !HttpUtil.isContentLengthSet(response)
                            && !HttpUtil.isTransferEncodingChunked(response)) {
                        // a body delimited by the upstream closing (RFC 9112 section 6.3 item 8, HTTP/1.0 servers):
                        // re-framed as chunked so a keep-alive client connection survives, else delimited the same
                        // way, by closing the client connection once the upstream has closed
                        if (keepAlive) {
                            HttpUtil.setTransferEncodingChunked(response, true);
                        }
                        upstreamKeepAlive = false;
                    }
                    if (!keepAlive) {
                        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                    }
                }
                // we speak HTTP/1.1 to the client whatever the upstream spoke; chunked framing needs it
                response.setProtocolVersion(HttpVersion.HTTP_1_1);
            }
            if (msg instanceof HttpContent c) {
                ex.bytesSent += c.content().readableBytes();
            }
            boolean last = msg instanceof LastHttpContent;
            ctx.write(msg);
            if (last) {
                if (informational) {
                    informational = false;
                } else {
                    responseDone = true;
                    ctx.flush();
                    responseComplete();
                }
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext uctx) {
            ctx.flush();
            if (!ctx.channel().isWritable() && uctx.channel().isActive()) {
                uctx.channel().config().setAutoRead(false);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext uctx) {
            if (uctx.channel().isWritable() && state == State.FORWARDING && !requestDone) {
                ctx.channel().config().setAutoRead(true);
            }
            uctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext uctx) {
            upstreamClosed(uctx.channel());
            uctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext uctx, Throwable cause) {
            if (!responseDone) {
                upstreamError = "upstream error: " + describe(cause);
            }
            uctx.close();
        }
    }

    private void upstreamClosed(Channel up) {
        if (up != upstream || responseDone) {
            return;
        }
        upstream = null;
        boolean answering = up.pipeline().get("http") instanceof UpstreamCodec c && c.responseBegun();
        if (reused && !responseStarted && !answering) {
            staleConnection();
            return;
        }
        dropRetry();
        ex.decision = ProxyDecision.ERROR;
        if (!responseStarted) {
            fail(HttpResponseStatus.BAD_GATEWAY, upstreamError != null ? upstreamError
                    : "upstream closed before the response");
        } else {
            ex.reason = "upstream closed during the response";
            closeClient();
        }
    }

    /**
     * A connection from the pool failed before any byte of a response: its peer most likely closed it while it was
     * idle, just as it was reused. Sent again on a new connection when {@link #retryable}, once; otherwise 503.
     */
    private void staleConnection() {
        HttpRequest again = retryHead;
        retryHead = null;
        reused = false;
        String why = "upstream closed the reused connection before responding"
                + (upstreamError != null ? " (" + upstreamError + ")" : "");
        upstreamError = null;
        if (again != null && (headUnsent || idempotent(again.method()))) {
            px.metrics.upstreamRetried();
            ex.reason += "; retried on a new connection: " + why;
            state = State.CONNECTING;
            send(again, Upstreams.connect(px, ctx.channel().eventLoop(), route.upstream(), route.trustDomain(), ex));
            return;
        }
        ReferenceCountUtil.release(again);
        ex.decision = ProxyDecision.ERROR;
        String method = ex.request == null ? "the request" : ex.request.substring(0, ex.request.indexOf(' '));
        fail(HttpResponseStatus.SERVICE_UNAVAILABLE, why + "; not retried: " + (again == null
                ? "its body was streamed to the failed connection"
                : method + " is not idempotent and may have reached the upstream"));
    }

    private void dropRetry() {
        HttpRequest r = retryHead;
        retryHead = null;
        ReferenceCountUtil.release(r);
    }

    private void responseComplete() {
        Channel up = upstream;
        upstream = null;
        if (up != null) {
            up.pipeline().remove("response");
            if (UpstreamPool.poolable(route.upstream()) && upstreamKeepAlive && requestDone && !px.draining
                    && !(up.pipeline().get("http") instanceof UpstreamCodec c && c.sawStrayResponse())) {
                px.pool.release(up, route.upstream(), route.trustDomain());
            } else {
                up.close();
            }
        }
        px.log(ex);
        if (!keepAlive || !requestDone || px.draining || closeAfterResponse || !ctx.channel().isActive()) {
            state = State.CLOSING;
            releasePending();
            ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        state = State.IDLE;
        while (state == State.IDLE && !pending.isEmpty()) {
            handle(nextPending());
        }
        if (gate != null) {
            gate.drain();
        }
        if (state == State.IDLE && (gate == null || !gate.holding())) {
            ctx.channel().config().setAutoRead(true);
            ctx.read();
        }
    }

    /** A local error answer whose body is also the logged reason. */
    private void fail(HttpResponseStatus status, String reason) {
        ex.decision = ProxyDecision.ERROR;
        ex.reason = reason;
        reply(new HttpRouter.Reply(status, reason));
    }

    /** Answers locally, logs, and closes the connection once the answer is written. */
    private void reply(HttpRouter.Reply r) {
        state = State.CLOSING;
        releasePending();
        ex.responseCode = r.status().code();
        Channel up = upstream;
        upstream = null;
        if (up != null) {
            up.close();
        }
        if (!ctx.channel().isActive()) {
            px.log(ex);
            return;
        }
        var response = HttpMessages.reply(ctx.alloc(), r.status(), r.body());
        ex.bytesSent += response.content().readableBytes();
        px.log(ex);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    private void closeClient() {
        state = State.CLOSING;
        releasePending();
        px.log(ex);
        ctx.close();
        Channel up = upstream;
        upstream = null;
        if (up != null) {
            up.close();
        }
    }

    private void releasePending() {
        dropRetry();
        Object o;
        while ((o = pending.poll()) != null) {
            ReferenceCountUtil.release(o);
        }
        queuedRequests = 0;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == DRAIN) {
            // idle: close now; busy: close once the current response is complete
            closeAfterResponse = true;
            if (state == State.IDLE) {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releasePending();
        Channel up = upstream;
        upstream = null;
        if (up != null) {
            up.close();
        }
        if (ex != null && state != State.IDLE && state != State.CLOSING) {
            ex.decision = ProxyDecision.ERROR;
            ex.reason = "client closed the connection" + (responseStarted ? " during the response" : "");
            px.log(ex);
        }
        state = State.CLOSING;
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof java.io.IOException) {
            // a reset: the client went away, as channelInactive reports it
            ctx.close();
            return;
        }
        // anything else is ours (e.g. a decoder refusing), logged with its cause: channelInactive would report it as
        // the client closing the connection
        if (ex != null && state != State.IDLE && state != State.CLOSING) {
            ex.decision = ProxyDecision.ERROR;
            ex.reason = "connection error: " + describe(cause);
            px.log(ex);
        } else {
            LOG.debug("{}: connection error from {}: {}", px.name, ctx.channel().remoteAddress(), describe(cause));
        }
        state = State.CLOSING;
        releasePending();
        ctx.close();
        Channel up = upstream;
        upstream = null;
        if (up != null) {
            up.close();
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releasePending();
        // a tunnel took the connection over: the gate's held bytes belong to it, and it must not slice them
        if (gate != null && ctx.pipeline().context(gate) != null) {
            ctx.pipeline().remove(gate);
        }
    }

    static String describe(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getMessage() == null) {
            c = c.getCause();
        }
        String m = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
        return m.replaceAll("[\\r\\n]+", " ");
    }
}
