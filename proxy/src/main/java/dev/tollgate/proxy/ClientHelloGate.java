package dev.tollgate.proxy;

import dev.tollgate.core.model.ProxyDecision;
import dev.tollgate.core.model.net.Authority;
import dev.tollgate.core.snapshot.OutboundRequest;
import dev.tollgate.core.snapshot.Protocol;
import dev.tollgate.core.snapshot.RequestedHost;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

import java.util.Optional;

/**
 * Holds a CONNECT tunnel's first bytes until they make a whole TLS ClientHello, and lets the tunnel through only
 * when its SNI is the host the client asked to CONNECT to: otherwise an application could CONNECT to an allowed
 * host and then talk TLS to another one behind it. Refusals close the tunnel with a distinct logged reason.
 */
final class ClientHelloGate extends ChannelInboundHandlerAdapter {
    private final ProxyContext px;
    private final Exchange ex;
    private final Authority target;
    private final Channel upstream;
    private ByteBuf buffered;
    private boolean done;
    private io.netty.util.concurrent.Future<?> timeout;

    ClientHelloGate(ProxyContext px, Exchange ex, Authority target, Channel upstream) {
        this.px = px;
        this.ex = ex;
        this.target = target;
        this.upstream = upstream;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        timeout = ctx.executor().schedule(() -> {
            if (!done && ctx.channel().isActive()) {
                refuse(ctx, "no whole ClientHello within " + ClientHello.TIMEOUT.toSeconds() + " s");
            }
        }, ClientHello.TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        upstream.closeFuture().addListener(f -> {
            if (!done) {
                ex.decide(ProxyDecision.ERROR, "upstream closed the tunnel before the ClientHello was relayed");
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (done || !(msg instanceof ByteBuf in)) {
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
            case ClientHello.NotTls n -> refuse(ctx, "tunnel did not start with a TLS ClientHello");
            case ClientHello.Malformed m -> refuse(ctx, "malformed ClientHello: " + m.reason());
            case ClientHello.Hello h -> check(ctx, h.sni());
        }
    }

    private void check(ChannelHandlerContext ctx, Optional<String> sni) {
        sni.ifPresent(s -> ex.sni = s);
        boolean literal = HostMap.literal(target.host()).isPresent();
        if (sni.isEmpty() && !literal) {
            refuse(ctx, "ClientHello has no SNI; the tunnel was opened for " + target.host());
            return;
        }
        Optional<String> mismatch = sni.flatMap(s -> RequestedHost.mismatch(new OutboundRequest(Protocol.TLS,
                target.host(), target.port(), Optional.of(s), Optional.empty())));
        if (mismatch.isPresent()) {
            refuse(ctx, mismatch.get());
            return;
        }
        done = true;
        ByteBuf hello = buffered;
        buffered = null;
        if (!upstream.isActive()) {
            hello.release();
            ex.decide(ProxyDecision.ERROR, "upstream closed before the ClientHello");
            ctx.close();
            return;
        }
        int helloBytes = hello.readableBytes();
        upstream.writeAndFlush(hello).addListener(f -> {
            if (f.isSuccess()) {
                ex.bytesReceived += helloBytes;
            }
        });
        Channel client = ctx.channel();
        client.pipeline().remove(this);
        Tunnel.join(px, ex, client, upstream, px.splice);
    }

    private void refuse(ChannelHandlerContext ctx, String reason) {
        done = true;
        release();
        ex.decide(ProxyDecision.REFUSED, reason);
        px.log(ex);
        ctx.close();
        upstream.close();
    }

    private void release() {
        if (buffered != null) {
            buffered.release();
            buffered = null;
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent && !done) {
            // half-closure is on for the tunnel: an EOF before the whole ClientHello ends it here
            done = true;
            release();
            ex.decide(ProxyDecision.ERROR, "client closed the tunnel before a whole ClientHello");
            ctx.close();
            upstream.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        if (!done) {
            ex.decide(ProxyDecision.ERROR, "client closed the tunnel before a whole ClientHello");
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
