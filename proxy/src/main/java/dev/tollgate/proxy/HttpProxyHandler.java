package dev.tollgate.proxy;

import dev.tollgate.core.model.ProxyDecision;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
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
 *
 * <p>The checks before routing are the {@link RequestGate}'s; the response is relayed by a {@link ResponseRelay} on
 * the upstream connection, which reports back through {@link ResponseRelay.Client}. Where the connection stands is one
 * {@link Phase}, and which upstream connection the request went to one {@link PooledRetry.Leg}; each changes only by a
 * transition its enum allows, and any other is a bug that ends the connection ({@link IllegalStateException}).
 */
final class HttpProxyHandler extends ChannelInboundHandlerAdapter implements ResponseRelay.Client {
    /** Sent down the pipeline when the proxy drains: an idle keep-alive connection closes. */
    static final Object DRAIN = new Object();
    private static final Logger LOG = LoggerFactory.getLogger(HttpProxyHandler.class);

    /** Where the client connection stands, for the request being served. */
    enum Phase {
        /** Between requests: the next one is handled as it is read. */
        IDLE,
        /** The request was routed to an upstream; the connection to it is being opened (or taken from the pool). */
        CONNECTING,
        /** The request's head has gone upstream and its body is still being relayed (a response may have begun). */
        SENDING,
        /** The whole request has gone upstream; its response is awaited or being relayed. */
        RECEIVING,
        /** Answered locally, taken over by a tunnel, or closing: whatever the client sends is dropped. */
        CLOSING;

        boolean canBecome(Phase next) {
            return switch (this) {
                case IDLE -> next == CONNECTING || next == CLOSING;
                case CONNECTING -> next == SENDING || next == RECEIVING || next == CLOSING;
                // back to CONNECTING: the request is sent again on a new connection (staleConnection)
                case SENDING -> next == RECEIVING || next == CONNECTING || next == CLOSING;
                case RECEIVING -> next == IDLE || next == CONNECTING || next == CLOSING;
                case CLOSING -> next == CLOSING;
            };
        }

        /** A request is being served: an end now is logged against it. */
        boolean busy() {
            return this == CONNECTING || this == SENDING || this == RECEIVING;
        }

        /** The request is with an upstream: the upstream's response is relayed. */
        boolean forwarding() {
            return this == SENDING || this == RECEIVING;
        }
    }

    private final ProxyContext px;
    private final HttpRouter router;
    private final Consumer<Exchange> sourceInfo;
    private final ArrayDeque<Object> pending = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private Phase phase = Phase.IDLE;
    private Exchange ex;
    private Channel upstream;
    /** Relays the current request's response; null until an upstream connection is up. */
    private ResponseRelay relay;
    /** The client connection stays open after this response (its request allowed it, and no drain since). */
    private boolean keepAlive;
    /** Where the current request goes. */
    private HttpRouter.Forward route;
    /** Whether the current request is sent again when a reused connection turns out stale. */
    private final PooledRetry retry = new PooledRetry();
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

    private void to(Phase next) {
        if (!phase.canBecome(next)) {
            throw new IllegalStateException("connection " + phase + " cannot become " + next);
        }
        phase = next;
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
                    return phase == Phase.CLOSING ? 0 : bodyRemaining;
                }
            });
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (phase == Phase.CLOSING) {
            ReferenceCountUtil.release(msg);
        } else if (phase == Phase.SENDING && msg instanceof HttpContent c && !(msg instanceof HttpRequest)) {
            forwardContent(c);
        } else if (phase == Phase.IDLE) {
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
        relay = null;
        route = null;
        retry.reset();
        ex.request = request.method().name() + " " + request.uri();
        HttpRouter.Reply refused = RequestGate.refusal(request);
        if (refused != null) {
            ReferenceCountUtil.release(request);
            fail(refused.status(), refused.body());
            return;
        }
        boolean ended = request instanceof LastHttpContent;
        bodyRemaining = ended ? 0 : Math.max(0, HttpUtil.getContentLength(request, 0L));
        keepAlive = HttpUtil.isKeepAlive(request) && !px.draining;
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
                to(Phase.CLOSING);
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
        to(Phase.CONNECTING);
        ctx.channel().config().setAutoRead(false);
        route = f;
        // no Connection: close towards the upstream for a closing client: the upstream connection outlives it
        io.netty.channel.EventLoop loop = ctx.channel().eventLoop();
        Channel pooled = reuse(f, loop);
        io.netty.util.concurrent.Future<Channel> connected;
        if (pooled != null) {
            ex.upstreamAddress = pooled.remoteAddress() instanceof java.net.InetSocketAddress a
                    ? Upstreams.format(a) : String.valueOf(pooled.remoteAddress());
            retry.pooled(request);
            connected = loop.newSucceededFuture(pooled);
        } else {
            connected = Upstreams.connect(px, loop, f.upstream(), f.trustDomain(), ex);
        }
        send(request, false, connected);
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
                Upstreams.where(px, up, loop);
        if (!where.isSuccess()) {
            return null;
        }
        return px.pool.acquire(loop, new UpstreamPool.Key(up, where.getNow().address(), f.trustDomain()));
    }

    /**
     * Writes the request (and the body that has arrived) once {@code connected} is ready.
     *
     * @param ended the end of the request was already read and sent, to a connection that failed (a retry)
     */
    private void send(HttpRequest request, boolean ended, io.netty.util.concurrent.Future<Channel> connected) {
        connected.addListener(fu -> {
            if (!fu.isSuccess()) {
                ReferenceCountUtil.release(request);
                if (phase == Phase.CONNECTING && fu.cause() instanceof AddressGuard.Refused refused) {
                    ex.decision = ProxyDecision.REFUSED;
                    ex.reason = refused.getMessage();
                    reply(new HttpRouter.Reply(px.guard.status(), refused.getMessage()));
                } else if (phase == Phase.CONNECTING) {
                    fail(HttpResponseStatus.SERVICE_UNAVAILABLE, "upstream connect error: " + describe(fu.cause()));
                }
                return;
            }
            Channel up = (Channel) fu.getNow();
            if (phase != Phase.CONNECTING || !ctx.channel().isActive()) {
                ReferenceCountUtil.release(request);
                up.close();
                return;
            }
            upstream = up;
            boolean whole = ended || request instanceof LastHttpContent;
            to(whole ? Phase.RECEIVING : Phase.SENDING);
            relay = new ResponseRelay(ctx, this, ex, request.method().equals(HttpMethod.HEAD));
            if (up.pipeline().get("http") == null) {
                up.pipeline().addLast("http", new UpstreamCodec());
            }
            up.pipeline().addLast("response", relay);
            up.config().setAutoRead(true);
            up.read();
            if (retry.holdsHead()) {
                up.write(request).addListener(w -> {
                    if (!w.isSuccess() && up == upstream) {
                        retry.unwritten();
                    }
                });
            } else {
                up.write(request);
            }
            if (ended && !(request instanceof LastHttpContent)) {
                // a retry: the end of this bodiless request already went to the connection that failed
                up.write(LastHttpContent.EMPTY_LAST_CONTENT);
            }
            while (phase == Phase.SENDING && !pending.isEmpty()
                    && pending.peek() instanceof HttpContent c && !(c instanceof HttpRequest)) {
                nextPending();
                forwardContent(c);
            }
            up.flush();
            if (phase == Phase.SENDING) {
                ctx.channel().config().setAutoRead(true);
                ctx.read();
            }
        });
    }

    private void forwardContent(HttpContent c) {
        String malformed = RequestGate.bodyProblem(c);
        if (malformed != null) {
            ReferenceCountUtil.release(c);
            abort(HttpResponseStatus.BAD_REQUEST, malformed);
            return;
        }
        ex.bytesReceived += c.content().readableBytes();
        bodyRemaining = Math.max(0, bodyRemaining - c.content().readableBytes());
        if (c instanceof LastHttpContent last) {
            List<String> dropped = HttpMessages.dropTrailers(last);
            if (!dropped.isEmpty()) {
                ex.reason += "; request trailers dropped: " + String.join(", ", dropped);
            }
            to(Phase.RECEIVING);
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

    private boolean responseStarted() {
        return relay != null && relay.phase().started();
    }

    // ---- what the response relay reports ---------------------------------------------------------------------

    @Override
    public boolean wants(ResponseRelay r) {
        return phase.forwarding() && r == relay;
    }

    @Override
    public boolean finalResponse() {
        retry.drop();
        if (px.draining) {
            keepAlive = false;
        }
        return keepAlive;
    }

    /** The request or the response cannot go on: answered with {@code status} while it can be, else cut. */
    @Override
    public void abort(HttpResponseStatus status, String reason) {
        if (!responseStarted()) {
            fail(status, reason);
        } else {
            ex.decide(ProxyDecision.ERROR, reason);
            closeClient();
        }
    }

    @Override
    public void upstreamWritable() {
        if (phase == Phase.SENDING) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void upstreamClosed(ResponseRelay r, Channel up) {
        if (up != upstream || r.phase() == ResponseRelay.Phase.COMPLETE) {
            return;
        }
        upstream = null;
        boolean answering = up.pipeline().get("http") instanceof UpstreamCodec c && c.responseBegun();
        if (retry.reused() && !r.phase().started() && !answering) {
            staleConnection(r.upstreamError());
            return;
        }
        retry.drop();
        ex.decision = ProxyDecision.ERROR;
        if (!r.phase().started()) {
            fail(HttpResponseStatus.BAD_GATEWAY, r.upstreamError() != null ? r.upstreamError()
                    : "upstream closed before the response");
        } else {
            ex.reason = "upstream closed during the response";
            closeClient();
        }
    }

    /**
     * A connection from the pool failed before any byte of a response: its peer most likely closed it while it was
     * idle, just as it was reused. Sent again on a new connection when {@link PooledRetry} allows, once; otherwise 503.
     */
    private void staleConnection(String upstreamError) {
        String method = ex.request == null ? "the request" : ex.request.substring(0, ex.request.indexOf(' '));
        PooledRetry.Stale stale = retry.stale(method);
        HttpRequest again = stale.again();
        String why = "upstream closed the reused connection before responding"
                + (upstreamError != null ? " (" + upstreamError + ")" : "");
        if (again != null) {
            px.metrics.upstreamRetried();
            ex.reason += "; retried on a new connection: " + why;
            boolean ended = phase == Phase.RECEIVING;
            to(Phase.CONNECTING);
            send(again, ended, Upstreams.connect(px, ctx.channel().eventLoop(), route.upstream(), route.trustDomain(),
                    ex));
            return;
        }
        ex.decision = ProxyDecision.ERROR;
        fail(HttpResponseStatus.SERVICE_UNAVAILABLE, why + "; not retried: " + stale.notRetried());
    }

    @Override
    public void complete(ResponseRelay r) {
        Channel up = upstream;
        upstream = null;
        boolean requestSent = phase == Phase.RECEIVING;
        if (up != null) {
            up.pipeline().remove("response");
            if (UpstreamPool.poolable(route.upstream()) && r.upstreamKeepAlive() && requestSent && !px.draining
                    && !(up.pipeline().get("http") instanceof UpstreamCodec c && c.sawStrayResponse())) {
                px.pool.release(up, route.upstream(), route.trustDomain());
            } else {
                up.close();
            }
        }
        px.log(ex);
        if (!keepAlive || !requestSent || px.draining || !ctx.channel().isActive()) {
            to(Phase.CLOSING);
            releasePending();
            ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        to(Phase.IDLE);
        while (phase == Phase.IDLE && !pending.isEmpty()) {
            handle(nextPending());
        }
        if (gate != null) {
            gate.drain();
        }
        if (phase == Phase.IDLE && (gate == null || !gate.holding())) {
            ctx.channel().config().setAutoRead(true);
            ctx.read();
        }
    }

    // ---- local answers and ends ---------------------------------------------------------------------------------

    /** A local error answer whose body is also the logged reason. */
    private void fail(HttpResponseStatus status, String reason) {
        ex.decision = ProxyDecision.ERROR;
        ex.reason = reason;
        reply(new HttpRouter.Reply(status, reason));
    }

    /** Answers locally, logs, and closes the connection once the answer is written. */
    private void reply(HttpRouter.Reply r) {
        to(Phase.CLOSING);
        releasePending();
        ex.responseCode = r.status().code();
        closeUpstream();
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
        to(Phase.CLOSING);
        releasePending();
        px.log(ex);
        ctx.close();
        closeUpstream();
    }

    private void closeUpstream() {
        Channel up = upstream;
        upstream = null;
        if (up != null) {
            up.close();
        }
    }

    private void releasePending() {
        retry.drop();
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
            keepAlive = false;
            if (phase == Phase.IDLE) {
                to(Phase.CLOSING);
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releasePending();
        closeUpstream();
        if (ex != null && phase.busy()) {
            ex.decision = ProxyDecision.ERROR;
            ex.reason = "client closed the connection" + (responseStarted() ? " during the response" : "");
            px.log(ex);
        }
        to(Phase.CLOSING);
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
        if (ex != null && phase.busy()) {
            ex.decision = ProxyDecision.ERROR;
            ex.reason = "connection error: " + describe(cause);
            px.log(ex);
        } else {
            LOG.debug("{}: connection error from {}: {}", px.name, ctx.channel().remoteAddress(), describe(cause));
        }
        to(Phase.CLOSING);
        releasePending();
        ctx.close();
        closeUpstream();
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
