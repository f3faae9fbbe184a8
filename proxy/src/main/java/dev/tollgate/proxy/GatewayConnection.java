package dev.tollgate.proxy;

import dev.tollgate.core.model.PolicyRef;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.model.GatewayListener;
import dev.tollgate.core.model.GatewayServerKind;
import dev.tollgate.core.snapshot.GatewayRequest;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.Peer;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;

import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * One accepted gateway connection once the transport facts are known: the listener it came in on, the kind of the
 * server that took it (a port can hold several), the SNI, and the authenticated peer. {@link #serve} installs what the server protocol needs next: HTTP (decided per request) or a
 * tunnel (decided once).
 */
record GatewayConnection(ProxyContext px, WorkloadRef gateway, GatewayListener listener, GatewayServerKind kind,
                         MeshSnapshot snapshot, Optional<String> sni, Optional<Peer> peer) {

    /** @param initial bytes already read (a peeked ClientHello), handed to the next stage; may be null */
    void serve(Channel ch, ByteBuf initial) {
        ChannelPipeline p = ch.pipeline();
        if (kind.readsHttp()) {
            if (kind.transport() == GatewayServerKind.Transport.PLAIN) {
                // only a server that terminates no TLS can be sent a ClientHello it cannot read
                p.addLast("tls-on-http", new TlsOnHttpServer(this));
            }
            HeadGuard.install(p, px, ex -> source(ex, ch), rateKey(ch));
            p.addLast("http-proxy", new HttpProxyHandler(px, new GatewayRouter(this), ex -> source(ex, ch)));
        } else {
            p.addLast("tunnel", new GatewayTunnel(this));
        }
        if (initial != null) {
            p.fireChannelRead(initial);
            p.fireChannelReadComplete();
        }
    }

    /** Whose request rate this connection counts against: the mTLS principal, else the client address. */
    String rateKey(Channel ch) {
        return peer.map(Peer::principal).orElseGet(() -> ConnectionLimits.ip(ch));
    }

    void source(Exchange ex, Channel ch) {
        ex.sourceAddress = ConnectTunnel.remote(ch);
        peer.ifPresent(p -> {
            ex.sourcePrincipal = p.principal();
            ex.sourceNamespace = p.namespace();
        });
        sni.ifPresent(s -> ex.sni = s);
        ex.destinationPort = listener.port();
        ex.destinationHost = sni.orElse("-");
    }

    GatewayRequest request(Channel ch, Optional<dev.tollgate.core.model.HttpRequestInfo> http) {
        return new GatewayRequest(listener.port(), sni, peer, http, ip(ch.remoteAddress()), ip(ch.localAddress()));
    }

    /** The address as the core reads it: canonical text, without the IPv6 scope Java's getHostAddress appends. */
    static String ip(java.net.SocketAddress a) {
        return a instanceof InetSocketAddress i && i.getAddress() != null
                ? dev.tollgate.core.model.net.IpAddress.ofBytes(i.getAddress().getAddress()).toString()
                : String.valueOf(a);
    }

    /** Envoy's response detail for an RBAC denial. */
    static String rbacDetail(Optional<PolicyRef> policy) {
        return "rbac_access_denied_matched_policy[" + policy.map(PolicyRef::toString).orElse("none") + "]";
    }
}
