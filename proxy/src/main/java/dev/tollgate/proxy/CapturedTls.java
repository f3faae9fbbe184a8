package dev.tollgate.proxy;

import dev.tollgate.core.model.ProxyDecision;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.OutboundRequest;
import dev.tollgate.core.snapshot.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;

import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A captured TLS connection: the strict {@link ClientHello} parser reads the SNI without terminating TLS. With an
 * SNI the connection is decided as {@code outbound(TLS sni:port)}, the original destination attached (the pinned
 * address rule); without one, by the original destination address, as Istio's TCP filter chain does. Refusals close
 * the connection: the client sees its TLS handshake fail (curl exit 35), as with an Istio sidecar.
 */
final class CapturedTls extends ClientHelloPeek {
    private final ProxyContext px;
    private final WorkloadRef workload;
    private final InetSocketAddress original;
    private final Exchange ex;

    CapturedTls(ProxyContext px, WorkloadRef workload, InetSocketAddress original, Consumer<Exchange> sourceInfo) {
        this.px = px;
        this.workload = workload;
        this.original = original;
        this.ex = CapturedTunnel.exchange("tunnel", original, sourceInfo);
        ex.destinationHost = CaptureSniffer.ip(original);
    }

    @Override
    protected void notTls(ChannelHandlerContext ctx, ByteBuf bytes) {
        // a handshake content type, but no TLS record: plain TCP, by the original destination
        String ip = CaptureSniffer.ip(original);
        Exchange tcp = new Exchange("tcp");
        copySource(tcp);
        tcp.destinationHost = ip;
        hold(ctx);
        CapturedTunnel.open(px, workload, ctx.channel(), tcp, OutboundRequest.tcp(ip, original.getPort())
                .capturedTo(ip), bytes);
    }

    @Override
    protected void hello(ChannelHandlerContext ctx, ClientHello.Hello hello, ByteBuf bytes) {
        String ip = CaptureSniffer.ip(original);
        int port = original.getPort();
        OutboundRequest request;
        if (hello.sni().isPresent()) {
            String sni = hello.sni().get();
            ex.sni = sni;
            ex.destinationHost = sni;
            request = OutboundRequest.tls(sni, port).capturedTo(ip);
        } else {
            request = new OutboundRequest(Protocol.TLS, ip, port, Optional.empty(), Optional.empty(),
                    Optional.of(ip));
        }
        hold(ctx);
        CapturedTunnel.open(px, workload, ctx.channel(), ex, request, bytes);
    }

    /** Later bytes wait, in order, for the tunnel (the hello goes first). */
    private void hold(ChannelHandlerContext ctx) {
        ctx.pipeline().replace(this, "capture-hold", new ConnectTunnel.EarlyBytes());
    }

    private void copySource(Exchange to) {
        to.sourcePrincipal = ex.sourcePrincipal;
        to.sourceNamespace = ex.sourceNamespace;
        to.sourceAddress = ex.sourceAddress;
        to.originalDestination = ex.originalDestination;
        to.destinationPort = ex.destinationPort;
    }

    @Override
    protected void refused(ChannelHandlerContext ctx, String reason) {
        ex.decide(ProxyDecision.REFUSED, reason);
        px.log(ex);
        ctx.close();
    }

    @Override
    protected void endedEarly(ChannelHandlerContext ctx) {
        ex.decide(ProxyDecision.ERROR, "client closed before a whole ClientHello");
        px.log(ex);
    }
}
