package dev.tollgate.proxy;

import dev.tollgate.core.model.AsciiCase;

import dev.tollgate.core.snapshot.Upstream;
import dev.tollgate.core.model.UpstreamTls;
import dev.tollgate.identity.SpiffeId;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Opens the connection to an {@link Upstream}: resolve once (the {@link HostMap}), let the {@link AddressGuard} judge
 * that address (the one place that does), connect to it, then the TLS the upstream asks for. The future completes
 * only when the connection is ready to carry bytes (for mTLS: handshake done and the peer's SPIFFE identity
 * checked), or fails: {@link AddressGuard.Refused} for a refused address, {@link Timeout} when resolving, connecting
 * and the handshake together took longer than the proxy's connect timeout. The channel does not read until its user
 * says so.
 */
final class Upstreams {
    private Upstreams() {
    }

    /** The upstream was not ready within the connect timeout; the message says at which step. */
    static final class Timeout extends java.io.IOException {
        Timeout(String message) {
            super(message);
        }
    }

    /** @param trustDomain the mesh trust domain an ISTIO_MUTUAL peer must belong to */
    static Future<Channel> connect(ProxyContext px, EventLoop loop, Upstream upstream, String trustDomain,
                                   Exchange ex) {
        Promise<Channel> promise = loop.newPromise();
        UpstreamTls tls = upstream.tls();
        if (tls.mode() == dev.tollgate.core.model.TlsMode.MUTUAL) {
            return promise.setFailure(new SSLException("tls.mode MUTUAL needs client credentials, which Tollgate "
                    + "does not load; use SIMPLE or ISTIO_MUTUAL"));
        }
        Duration timeout = px.connect.timeout();
        String[] step = {"resolving " + upstream.host()};
        ScheduledFuture<?> timer = loop.schedule(() -> {
            if (promise.tryFailure(new Timeout("connect timeout: " + step[0] + " took longer than "
                    + describe(timeout) + " (--connect-timeout)"))) {
                px.metrics.connectTimedOut();
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        promise.addListener(p -> timer.cancel(false));
        where(px, upstream, loop).addListener(f -> {
            if (promise.isDone()) {
                return;
            }
            if (!f.isSuccess()) {
                if (f.cause() instanceof AddressGuard.Refused r) {
                    px.metrics.addressRefused(r.rule.label);
                }
                promise.tryFailure(f.cause());
                return;
            }
            HostMap.Resolved resolved = (HostMap.Resolved) f.getNow();
            ex.upstreamAddress = format(resolved.address());
            Optional<AddressGuard.Refused> refused = px.guard.check(upstream.host(), resolved,
                    tls.mode() == dev.tollgate.core.model.TlsMode.ISTIO_MUTUAL);
            if (refused.isPresent()) {
                px.metrics.addressRefused(refused.get().rule.label);
                promise.tryFailure(refused.get());
                return;
            }
            step[0] = "connecting to " + ex.upstreamAddress;
            open(px, loop, upstream, resolved.address(), trustDomain, promise, step);
        });
        return promise;
    }

    /**
     * The address a connection for {@code upstream} goes to: a captured connection's original destination as it is
     * (Envoy's ORIGINAL_DST cluster: no name map, no DNS; not explicit, so the {@link AddressGuard} judges it as it
     * judges a DNS answer), else what the {@link HostMap} resolves.
     */
    static io.netty.util.concurrent.Future<HostMap.Resolved> where(ProxyContext px, Upstream upstream,
                                                                   EventLoop loop) {
        if (upstream.originalDestination().isPresent()) {
            Optional<java.net.InetAddress> ip = HostMap.literal(upstream.originalDestination().get());
            if (ip.isEmpty()) {
                return loop.newFailedFuture(new java.net.UnknownHostException("original destination "
                        + upstream.originalDestination().get() + " is not an IP literal"));
            }
            return loop.newSucceededFuture(new HostMap.Resolved(new InetSocketAddress(ip.get(), upstream.port()),
                    false, ORIGINAL_DESTINATION));
        }
        return px.hosts.resolve(upstream.host(), upstream.port(), upstream.addresses(), loop);
    }

    /** {@link HostMap.Resolved#via()} of a captured connection's original destination. */
    static final String ORIGINAL_DESTINATION = "original-destination";

    private static String describe(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private static void open(ProxyContext px, EventLoop loop, Upstream upstream, InetSocketAddress address,
                             String trustDomain, Promise<Channel> promise, String[] step) {
        // the promise's own timer decides; these only keep a stuck socket or handshake from outliving it
        int backstop = (int) Math.min(Integer.MAX_VALUE, px.connect.timeout().toMillis() + 1000);
        UpstreamTls tls = upstream.tls();
        String sni = tls.sni().orElse(upstream.host());
        SslContext ctx;
        try {
            ctx = switch (tls.mode()) {
                case DISABLE, MUTUAL -> null;
                case SIMPLE -> px.tls.originate(tls.caCertificates(), tls.subjectAltNames().isEmpty());
                case ISTIO_MUTUAL -> px.tls.meshClient();
            };
        } catch (SSLException e) {
            promise.tryFailure(e);
            return;
        }
        Bootstrap b = new Bootstrap().group(loop).channel(Transport.socketChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, backstop)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (ctx != null) {
                            boolean literal = HostMap.literal(sni).isPresent();
                            SslHandler ssl = literal ? ctx.newHandler(ch.alloc())
                                    : ctx.newHandler(ch.alloc(), sni, upstream.port());
                            ssl.setHandshakeTimeoutMillis(backstop);
                            ch.pipeline().addLast("tls", ssl);
                        }
                    }
                });
        ChannelFuture cf = b.connect(address);
        cf.addListener(c -> {
            if (!c.isSuccess()) {
                promise.tryFailure(c.cause());
                return;
            }
            Channel ch = cf.channel();
            ch.attr(UpstreamPool.CREATED).set(System.nanoTime());
            SslHandler ssl = ch.pipeline().get(SslHandler.class);
            if (ssl == null) {
                promise.trySuccess(ch);
                return;
            }
            step[0] = "the TLS handshake with " + format(address);
            ssl.handshakeFuture().addListener(h -> {
                if (!h.isSuccess()) {
                    ch.close();
                    promise.tryFailure(h.cause());
                    return;
                }
                Optional<String> problem = Optional.empty();
                if (tls.mode() == dev.tollgate.core.model.TlsMode.ISTIO_MUTUAL) {
                    problem = checkMeshPeer(ssl, trustDomain, tls);
                } else if (!tls.subjectAltNames().isEmpty()) {
                    problem = checkSubjectAltNames(ssl, tls.subjectAltNames());
                }
                if (problem.isPresent()) {
                    ch.close();
                    promise.tryFailure(new SSLPeerUnverifiedException(problem.get()));
                    return;
                }
                promise.trySuccess(ch);
            });
        });
        promise.addListener(p -> {
            if (!p.isSuccess()) {
                cf.channel().close();
            }
        });
    }

    /** The mesh peer must carry a SPIFFE identity of our trust domain, and one of the expected names if any. */
    static Optional<String> checkMeshPeer(SslHandler ssl, String trustDomain, UpstreamTls tls) {
        Certificate[] peer;
        try {
            peer = ssl.engine().getSession().getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.of("the peer sent no certificate");
        }
        if (peer.length == 0 || !(peer[0] instanceof X509Certificate leaf)) {
            return Optional.of("the peer sent no certificate");
        }
        Optional<SpiffeId> id = SpiffeId.fromCertificate(leaf);
        if (id.isEmpty()) {
            return Optional.of("the peer certificate has no SPIFFE identity");
        }
        if (!id.get().trustDomain().equals(trustDomain)) {
            return Optional.of("the peer " + id.get().uri() + " is not in trust domain " + trustDomain);
        }
        if (!tls.subjectAltNames().isEmpty() && !tls.subjectAltNames().contains(id.get().uri())
                && !tls.subjectAltNames().contains(id.get().principal())) {
            return Optional.of("the peer " + id.get().uri() + " is none of " + tls.subjectAltNames());
        }
        return Optional.empty();
    }

    /**
     * DestinationRule {@code subjectAltNames} for TLS origination: the server certificate must carry one of them as a
     * DNS or URI name (exact, case-insensitive), instead of the host name check.
     */
    static Optional<String> checkSubjectAltNames(SslHandler ssl, java.util.List<String> expected) {
        try {
            Certificate[] peer = ssl.engine().getSession().getPeerCertificates();
            if (peer.length > 0 && peer[0] instanceof X509Certificate leaf && leaf.getSubjectAlternativeNames() != null) {
                for (java.util.List<?> san : leaf.getSubjectAlternativeNames()) {
                    Object type = san.get(0);
                    if ((Integer.valueOf(2).equals(type) || Integer.valueOf(6).equals(type))
                            && expected.stream()
                                    .anyMatch(e -> AsciiCase.equalsIgnoreCase(e, String.valueOf(san.get(1))))) {
                        return Optional.empty();
                    }
                }
            }
        } catch (SSLPeerUnverifiedException | java.security.cert.CertificateParsingException e) {
            return Optional.of("cannot read the upstream certificate: " + e.getMessage());
        }
        return Optional.of("the upstream certificate carries none of the subjectAltNames " + expected);
    }

    static String format(InetSocketAddress a) {
        String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
