package dev.tollgate.proxy;

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
                ex.decide("error", "upstream closed the tunnel before the ClientHello was relayed");
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
        if (sni.isPresent() && !HostMap.normalise(sni.get()).equals(target.host())) {
            refuse(ctx, "SNI " + sni.get() + " does not match the CONNECT host " + target.host());
            return;
        }
        done = true;
        ByteBuf hello = buffered;
        buffered = null;
        ex.bytesReceived += hello.readableBytes();
        if (!upstream.isActive()) {
            hello.release();
            ex.decide("error", "upstream closed before the ClientHello");
            ctx.close();
            return;
        }
        upstream.writeAndFlush(hello);
        Channel client = ctx.channel();
        client.pipeline().remove(this);
        if (px.splice && Splice.possible(client, upstream)) {
            Relay.join(client, upstream, n -> ex.bytesReceived += n, n -> ex.bytesSent += n,
                    () -> spliced(client, upstream, client, n -> ex.bytesReceived += n),
                    () -> spliced(upstream, client, client, n -> ex.bytesSent += n));
        } else {
            Relay.join(client, upstream, n -> ex.bytesReceived += n, n -> ex.bytesSent += n);
        }
    }

    private void spliced(Channel from, Channel to, Channel client, java.util.function.LongConsumer counter) {
        if (!ex.reason.endsWith("(spliced)")) {
            ex.reason = ex.reason + " (spliced)";
        }
        Splice.oneWay(from, to, client, counter);
    }

    private void refuse(ChannelHandlerContext ctx, String reason) {
        done = true;
        release();
        ex.decide("refused", reason);
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
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        if (!done) {
            ex.decide("error", "client closed the tunnel before a whole ClientHello");
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
