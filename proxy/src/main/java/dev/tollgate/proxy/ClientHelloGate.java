package dev.tollgate.proxy;

import dev.tollgate.core.model.ProxyDecision;
import dev.tollgate.core.model.net.Authority;
import dev.tollgate.core.snapshot.OutboundRequest;
import dev.tollgate.core.snapshot.Protocol;
import dev.tollgate.core.snapshot.RequestedHost;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;

import java.util.Optional;

/**
 * Holds a CONNECT tunnel's first bytes until they make a whole TLS ClientHello, and lets the tunnel through only
 * when its SNI is the host the client asked to CONNECT to: otherwise an application could CONNECT to an allowed
 * host and then talk TLS to another one behind it. Refusals close the tunnel with a distinct logged reason.
 */
final class ClientHelloGate extends ClientHelloPeek {
    private final ProxyContext px;
    private final Exchange ex;
    private final Authority target;
    private final Channel upstream;
    /** The ClientHello has been decided on: the upstream closing is no longer this gate's to report. */
    private boolean done;

    ClientHelloGate(ProxyContext px, Exchange ex, Authority target, Channel upstream) {
        this.px = px;
        this.ex = ex;
        this.target = target;
        this.upstream = upstream;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        super.handlerAdded(ctx);
        upstream.closeFuture().addListener(f -> {
            if (!done) {
                ex.decide(ProxyDecision.ERROR, "upstream closed the tunnel before the ClientHello was relayed");
            }
        });
    }

    @Override
    protected void notTls(ChannelHandlerContext ctx, ByteBuf bytes) {
        bytes.release();
        refused(ctx, "tunnel did not start with a TLS ClientHello");
    }

    @Override
    protected void hello(ChannelHandlerContext ctx, ClientHello.Hello h, ByteBuf hello) {
        Optional<String> sni = h.sni();
        sni.ifPresent(s -> ex.sni = s);
        boolean literal = HostMap.literal(target.host()).isPresent();
        if (sni.isEmpty() && !literal) {
            hello.release();
            refused(ctx, "ClientHello has no SNI; the tunnel was opened for " + target.host());
            return;
        }
        Optional<String> mismatch = sni.flatMap(s -> RequestedHost.mismatch(new OutboundRequest(Protocol.TLS,
                target.host(), target.port(), Optional.of(s), Optional.empty())));
        if (mismatch.isPresent()) {
            hello.release();
            refused(ctx, mismatch.get());
            return;
        }
        done = true;
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

    @Override
    protected void refused(ChannelHandlerContext ctx, String reason) {
        done = true;
        ex.decide(ProxyDecision.REFUSED, reason);
        px.log(ex);
        ctx.close();
        upstream.close();
    }

    @Override
    protected void endedEarly(ChannelHandlerContext ctx) {
        done = true;
        // closing the client closes the upstream too (ConnectTunnel's listener), and logs the tunnel
        ex.decide(ProxyDecision.ERROR, "client closed the tunnel before a whole ClientHello");
    }
}
