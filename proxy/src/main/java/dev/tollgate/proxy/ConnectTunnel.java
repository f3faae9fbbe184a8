package dev.tollgate.proxy;

import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.OutboundDecision;
import dev.tollgate.core.snapshot.OutboundRequest;
import dev.tollgate.core.snapshot.TlsMode;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
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
        Exchange ex = new Exchange("tunnel");
        Sidecar.source(ex, ctx.channel(), workload, snapshot);
        ex.request = "CONNECT " + request.uri();
        String target = request.uri();
        ReferenceCountUtil.release(request);
        Optional<Authority> authority = target.startsWith("[") || target.indexOf(':') > 0
                ? Authority.parse(target, -1) : Optional.empty();
        if (authority.isEmpty()) {
            ex.destinationHost = target.length() > 100 ? target.substring(0, 100) : target;
            return reply(px, ctx, ex, HttpResponseStatus.BAD_REQUEST, "error",
                    "malformed CONNECT target: expected host:port with a port of 1-65535");
        }
        Authority a = authority.get();
        ex.destinationHost = a.host();
        ex.destinationPort = a.port();
        OutboundDecision d = snapshot.outbound(workload, OutboundRequest.tls(a.host(), a.port()));
        if (d instanceof OutboundDecision.Refused r) {
            return reply(px, ctx, ex, HttpResponseStatus.BAD_GATEWAY, "refused", r.reason());
        }
        OutboundDecision.Forward f = (OutboundDecision.Forward) d;
        ex.route = f.route();
        TlsMode mode = f.upstream().tls().mode();
        if (mode == TlsMode.SIMPLE || mode == TlsMode.MUTUAL) {
            return reply(px, ctx, ex, HttpResponseStatus.BAD_GATEWAY, "error",
                    "tls.mode " + mode + " (TLS origination) cannot apply to a CONNECT tunnel, which carries the "
                            + "application's own TLS");
        }
        ex.decide("allowed", f.viaGateway() ? "tunnel via the egress gateway" : "tunnel");
        Channel client = ctx.channel();
        client.config().setAutoRead(false);
        Upstreams.connect(px, client.eventLoop(), f.upstream(), snapshot.mesh().trustDomain(), ex).addListener(fu -> {
            if (!fu.isSuccess()) {
                if (client.isActive() && fu.cause() instanceof AddressGuard.Refused refused) {
                    reply(px, ctx, ex, HttpResponseStatus.BAD_GATEWAY, "refused", refused.getMessage());
                } else if (client.isActive()) {
                    reply(px, ctx, ex, HttpResponseStatus.SERVICE_UNAVAILABLE, "error",
                            "upstream connect error: " + HttpProxyHandler.describe(fu.cause()));
                } else {
                    ex.decide("error", "client closed before the tunnel was up");
                    px.log(ex);
                }
                return;
            }
            Channel upstream = (Channel) fu.getNow();
            if (!client.isActive()) {
                upstream.close();
                ex.decide("error", "client closed before the tunnel was up");
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
        client.closeFuture().addListener(c -> {
            upstream.close();
            px.log(ex);
        });
        upstream.closeFuture().addListener(c -> Relay.closeOnFlush(client));
        ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, ESTABLISHED)).addListener(w -> {
            if (!w.isSuccess()) {
                client.close();
                return;
            }
            ChannelPipeline p = client.pipeline();
            p.remove("http-proxy");
            p.addLast("client-hello", new ClientHelloGate(px, ex, target, upstream));
            p.remove("http-codec");
            client.config().setAutoRead(true);
            client.read();
        });
    }

    private static HttpRouter.Route reply(ProxyContext px, ChannelHandlerContext ctx, Exchange ex,
                                          HttpResponseStatus status, String decision, String reason) {
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
