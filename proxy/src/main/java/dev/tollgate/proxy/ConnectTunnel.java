package dev.tollgate.proxy;

import dev.tollgate.core.model.ProxyDecision;
import dev.tollgate.core.model.net.Authority;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.OutboundDecision;
import dev.tollgate.core.snapshot.OutboundRequest;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Optional;

/**
 * The sidecar's CONNECT: decide ({@code outbound(TLS, host, port)}), open the upstream (direct, or mTLS to the
 * egress gateway), answer {@code 200} only once it is up, then let the {@link ClientHelloGate} check the
 * application's SNI before any byte is relayed.
 */
final class ConnectTunnel {
    static final HttpResponseStatus ESTABLISHED = new HttpResponseStatus(200, "Connection established");

    private ConnectTunnel() {
    }

    static HttpRouter.Route start(ProxyContext px, WorkloadRef workload, MeshSnapshot snapshot,
                                  ChannelHandlerContext ctx, HttpRequest request) {
        takeOverBytes(ctx);
        Exchange ex = new Exchange("tunnel");
        Sidecar.source(ex, ctx.channel(), workload, snapshot);
        ex.request = "CONNECT " + request.uri();
        String target = request.uri();
        ReferenceCountUtil.release(request);
        Optional<Authority> authority = WireHost.authority(target, -1);
        if (authority.isEmpty()) {
            ex.destinationHost = target.length() > 100 ? target.substring(0, 100) : target;
            return reply(px, ctx, ex, HttpResponseStatus.BAD_REQUEST, ProxyDecision.ERROR, WireHost.refusal(target,
                    "malformed CONNECT target: expected host:port with a port of 1-65535"));
        }
        Authority a = authority.get();
        ex.destinationHost = a.host();
        ex.destinationPort = a.port();
        OutboundDecision d = snapshot.outbound(workload, OutboundRequest.tls(a.host(), a.port()));
        if (d instanceof OutboundDecision.Refused r) {
            return reply(px, ctx, ex, HttpResponseStatus.BAD_GATEWAY, ProxyDecision.REFUSED, r.reason());
        }
        OutboundDecision.Forward f = (OutboundDecision.Forward) d;
        ex.route = f.route();
        ex.decide(ProxyDecision.ALLOWED, f.viaGateway() ? "tunnel via the egress gateway" : "tunnel");
        Channel client = ctx.channel();
        client.config().setAutoRead(false);
        Upstreams.connect(px, client.eventLoop(), f.upstream(), snapshot.mesh().trustDomain(), ex).addListener(fu -> {
            if (!fu.isSuccess()) {
                if (client.isActive() && fu.cause() instanceof AddressGuard.Refused refused) {
                    reply(px, ctx, ex, HttpResponseStatus.BAD_GATEWAY, ProxyDecision.REFUSED, refused.getMessage());
                } else if (client.isActive()) {
                    reply(px, ctx, ex, HttpResponseStatus.SERVICE_UNAVAILABLE, ProxyDecision.ERROR,
                            "upstream connect error: " + HttpProxyHandler.describe(fu.cause()));
                } else {
                    ex.decide(ProxyDecision.ERROR, "client closed before the tunnel was up");
                    px.log(ex);
                }
                return;
            }
            Channel upstream = (Channel) fu.getNow();
            if (!client.isActive()) {
                upstream.close();
                ex.decide(ProxyDecision.ERROR, "client closed before the tunnel was up");
                px.log(ex);
                return;
            }
            established(px, ctx, ex, a, upstream);
        });
        return new HttpRouter.Tunnel();
    }

    private static void established(ProxyContext px, ChannelHandlerContext ctx, Exchange ex, Authority target,
                                    Channel upstream) {
        Channel client = ctx.channel();
        ex.responseCode = 200;
        // until the ClientHello is checked either side closing ends it; after that the Tunnel takes over
        client.closeFuture().addListener(c -> {
            if (!ex.relaying) {
                upstream.close();
                upstream.closeFuture().addListener(u -> px.log(ex));
            }
        });
        upstream.closeFuture().addListener(c -> {
            if (!ex.relaying) {
                Relay.closeOnFlush(client);
            }
        });
        ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, ESTABLISHED)).addListener(w -> {
            if (!w.isSuccess()) {
                client.close();
                return;
            }
            ChannelPipeline p = client.pipeline();
            p.remove("http-proxy");
            p.addLast("client-hello", new ClientHelloGate(px, ex, target, upstream));
            // hands the bytes that came with the CONNECT to the gate, in order, before anything read later
            p.remove(EarlyBytes.class);
            p.remove("http-codec");
            client.config().setAutoRead(true);
            client.read();
        });
    }

    /**
     * Stops HTTP parsing right after the CONNECT head: bytes the client sent with it (a ClientHello in the same
     * segment) are not a next request. Removing the codec's decoder passes its unread input on, to
     * {@link EarlyBytes}, which keeps it for the {@link ClientHelloGate}; the encoder stays for the reply.
     */
    private static void takeOverBytes(ChannelHandlerContext ctx) {
        ChannelPipeline p = ctx.pipeline();
        if (p.get("http-codec") instanceof HttpServerCodec codec && p.get(EarlyBytes.class) == null) {
            p.addAfter("http-codec", "tunnel-early", new EarlyBytes());
            // a FIN right behind the CONNECT (and its ClientHello) ends only the client's direction
            ctx.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
            HalfClosure.keepRegistered(ctx.channel());
            codec.removeInboundHandler();
        }
    }

    /**
     * Holds raw bytes (and the client's EOF) read after the CONNECT head until the tunnel's first handler is in
     * place, then passes them on in order.
     */
    static final class EarlyBytes extends ChannelInboundHandlerAdapter {
        private final ArrayDeque<ByteBuf> held = new ArrayDeque<>();
        private boolean inputEnded;

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                inputEnded = true;
            } else {
                ctx.fireUserEventTriggered(evt);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf b) {
                held.add(b);
            } else {
                ctx.fireChannelRead(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (held.isEmpty()) {
                ctx.fireChannelReadComplete();
            }
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            // from the pipeline's head, not from this context: the first bytes may complete the ClientHello, and
            // the gate then replaces itself with the Tunnel's handlers, which the rest must reach
            ChannelPipeline p = ctx.pipeline();
            boolean pass = ctx.channel().isActive();
            ByteBuf b;
            boolean any = false;
            while ((b = held.poll()) != null) {
                if (pass) {
                    p.fireChannelRead(b);
                    any = true;
                } else {
                    b.release();
                }
            }
            if (any) {
                p.fireChannelReadComplete();
            }
            if (inputEnded && pass) {
                p.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            ByteBuf b;
            while ((b = held.poll()) != null) {
                b.release();
            }
            ctx.fireChannelInactive();
        }
    }

    private static HttpRouter.Route reply(ProxyContext px, ChannelHandlerContext ctx, Exchange ex,
                                          HttpResponseStatus status, ProxyDecision decision, String reason) {
        ex.decide(decision, reason);
        ex.responseCode = status.code();
        var response = HttpMessages.reply(ctx.alloc(), status, reason);
        ex.bytesSent = response.content().readableBytes();
        px.log(ex);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        return new HttpRouter.Tunnel();
    }

    static String remote(Channel ch) {
        return ch.remoteAddress() instanceof InetSocketAddress a ? Upstreams.format(a) : String.valueOf(ch.remoteAddress());
    }
}
