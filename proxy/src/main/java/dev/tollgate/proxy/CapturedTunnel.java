package dev.tollgate.proxy;

import dev.tollgate.core.model.ProxyDecision;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.OutboundDecision;
import dev.tollgate.core.snapshot.OutboundRequest;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A captured TLS or TCP connection once its request is known: {@code MeshSnapshot.outbound} decides; refused closes
 * the connection (logged with the decision's reason, as {@code check} gives it); forwarded opens the upstream as a
 * CONNECT does ({@link Upstreams#connect}: direct, or mTLS to the egress gateway with the route's SNI), writes the
 * bytes read while deciding, and joins a {@link Tunnel}. Bytes that arrive meanwhile wait in the pipeline's
 * {@link ConnectTunnel.EarlyBytes}, which the caller has put in place.
 */
final class CapturedTunnel {
    private CapturedTunnel() {
    }

    /** An exchange for a captured connection: its source, and its original destination. */
    static Exchange exchange(String protocol, InetSocketAddress original, Consumer<Exchange> sourceInfo) {
        Exchange ex = new Exchange(protocol);
        sourceInfo.accept(ex);
        ex.originalDestination = Upstreams.format(original);
        ex.destinationPort = original.getPort();
        return ex;
    }

    static void open(ProxyContext px, WorkloadRef workload, Channel client, Exchange ex, OutboundRequest request,
                     ByteBuf first) {
        Optional<MeshSnapshot> snapshot = px.snapshot();
        if (snapshot.isEmpty()) {
            end(px, client, ex, first, ProxyDecision.ERROR, "no configuration loaded yet");
            return;
        }
        OutboundDecision d = snapshot.get().outbound(workload, request);
        if (d instanceof OutboundDecision.Refused r) {
            end(px, client, ex, first, ProxyDecision.REFUSED, r.reason());
            return;
        }
        OutboundDecision.Forward f = (OutboundDecision.Forward) d;
        ex.route = f.route();
        ex.decide(ProxyDecision.ALLOWED, f.viaGateway() ? "tunnel via the egress gateway" : "tunnel");
        client.config().setAutoRead(false);
        Upstreams.connect(px, client.eventLoop(), f.upstream(), snapshot.get().mesh().trustDomain(), ex)
                .addListener(fu -> {
                    if (!fu.isSuccess()) {
                        if (fu.cause() instanceof AddressGuard.Refused refused) {
                            end(px, client, ex, first, ProxyDecision.REFUSED, refused.getMessage());
                        } else {
                            end(px, client, ex, first, ProxyDecision.ERROR,
                                    "upstream connect error: " + HttpProxyHandler.describe(fu.cause()));
                        }
                        return;
                    }
                    Channel upstream = (Channel) fu.getNow();
                    if (!client.isActive()) {
                        upstream.close();
                        end(px, client, ex, first, ProxyDecision.ERROR, "client closed before the upstream was up");
                        return;
                    }
                    int n = first.readableBytes();
                    if (n > 0) {
                        upstream.writeAndFlush(first).addListener(w -> {
                            if (w.isSuccess()) {
                                ex.bytesReceived += n;
                            }
                        });
                    } else {
                        first.release();
                    }
                    Tunnel.join(px, ex, client, upstream, px.splice);
                    // the bytes held while connecting follow the first ones, through the tunnel's relay
                    if (client.pipeline().get(ConnectTunnel.EarlyBytes.class) != null) {
                        client.pipeline().remove(ConnectTunnel.EarlyBytes.class);
                    }
                });
    }

    private static void end(ProxyContext px, Channel client, Exchange ex, ByteBuf first, ProxyDecision decision,
                            String reason) {
        first.release();
        ex.decide(decision, reason);
        px.log(ex);
        client.close();
    }
}
