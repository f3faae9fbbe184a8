package dev.tollgate.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A client and an upstream channel joined both ways, with TCP's half-close: when one side stops sending, what was
 * queued for the other is flushed and then the other's output is shut down (for a TLS leg: {@code close_notify},
 * then a TCP FIN); the tunnel closes only when both directions are done, when a side resets or fails, or at the
 * maximum tunnel lifetime. Byte counts are of bytes the destination socket accepted, never of bytes merely read.
 *
 * <p>TLS legs (the sidecar's mTLS connection to the gateway, and the gateway's side of it) cannot half-close:
 * Netty's OpenSSL engine answers a received {@code close_notify} with its own and refuses further writes (TLS 1.2's
 * rule; TLS 1.3 would allow a half-close, the engine does not). So a {@code close_notify} is sent only once a
 * direction has ended, and a received one ends both directions of that leg: bytes the other side sends after it
 * cannot cross and are dropped, counted as not delivered and named in the log reason. A direct tunnel has no such
 * limit. A TCP FIN on a TLS leg that never sent {@code close_notify} is taken as the end of its stream, as before.
 *
 * <p>All state is touched on one event loop: both channels of a tunnel share the client's loop.
 */
final class Tunnel {
    /** One side of the tunnel and what is known about its two halves. */
    final class Leg {
        final Channel ch;
        final String name;
        /** This side sent EOF (FIN or close_notify): nothing more will be read from it. */
        boolean inputEnded;
        /** Nothing more may be written to this side (its output was shut down, or its TLS engine closed). */
        boolean outputEnded;
        /** Bytes meant for this side that could not be delivered. */
        long dropped;

        Leg(Channel ch, String name) {
            this.ch = ch;
            this.name = name;
        }

        Leg other() {
            return this == client ? upstream : client;
        }
    }

    final Leg client;
    final Leg upstream;
    private final ProxyContext px;
    private final Exchange ex;
    private final String baseReason;
    private String end;
    private boolean closing;
    private ScheduledFuture<?> lifetime;

    private Tunnel(ProxyContext px, Exchange ex, Channel client, Channel upstream) {
        this.px = px;
        this.ex = ex;
        this.baseReason = ex.reason;
        this.client = new Leg(client, "client");
        this.upstream = new Leg(upstream, "upstream");
    }

    /**
     * Joins the two channels both ways and starts reading on both. The caller has sent whatever it had read before
     * (e.g. a ClientHello) and removed its own handlers.
     *
     * @param splice relay bulk transfers with splice(2) where {@link Splice#possible} (opt-in, see there)
     */
    static Tunnel join(ProxyContext px, Exchange ex, Channel client, Channel upstream, boolean splice) {
        Tunnel t = new Tunnel(px, ex, client, upstream);
        ex.relaying = true;
        for (Channel ch : new Channel[]{client, upstream}) {
            ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
            HalfClosure.keepRegistered(ch);
        }
        boolean spliced = splice && Splice.possible(client, upstream);
        client.pipeline().addLast("relay", new Relay(t, t.client, spliced
                ? () -> t.spliced(t.client) : null));
        upstream.pipeline().addLast("relay", new Relay(t, t.upstream, spliced
                ? () -> t.spliced(t.upstream) : null));
        // the log is written once both sockets are closed, so that every write future has completed
        client.closeFuture().addListener(a -> upstream.closeFuture().addListener(b -> t.closed()));
        // whatever closed one side (a handler, a drain, the transport), the other gets its queued bytes and closes
        client.closeFuture().addListener(a -> t.flushAndClose(t.upstream));
        upstream.closeFuture().addListener(a -> t.flushAndClose(t.client));
        Duration max = px.limits.maxTunnelLifetime();
        if (max != null && !max.isZero() && !max.isNegative()) {
            t.lifetime = client.eventLoop().schedule(() -> t.expire(max), max.toMillis(), TimeUnit.MILLISECONDS);
        }
        client.config().setAutoRead(true);
        upstream.config().setAutoRead(true);
        client.read();
        upstream.read();
        return t;
    }

    /** Bytes read from {@code from}: written to the other side and counted when its socket takes them. */
    void forward(Leg from, Object msg) {
        Leg to = from.other();
        int n = msg instanceof ByteBuf b ? b.readableBytes() : 0;
        if (to.outputEnded || closing || !to.ch.isActive()) {
            to.dropped += n;
            ReferenceCountUtil.release(msg);
            return;
        }
        to.ch.write(msg).addListener(f -> {
            if (f.isSuccess()) {
                count(from, n);
            } else {
                to.dropped += n;
                abort(to, "write failed: " + HttpProxyHandler.describe(f.cause()));
            }
        });
    }

    void count(Leg from, long n) {
        if (from == client) {
            ex.bytesReceived += n;
        } else {
            ex.bytesSent += n;
        }
    }

    /** {@code from} will send nothing more: flush what is queued for the other side, then end its output. */
    void inputEnded(Leg from) {
        if (from.inputEnded) {
            return;
        }
        from.inputEnded = true;
        ending(from.name + " closed first");
        Leg to = from.other();
        if (to.outputEnded || !to.ch.isActive()) {
            to.outputEnded = true;
            finishIfDone();
            return;
        }
        to.ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (!f.isSuccess()) {
                abort(to, "write failed: " + HttpProxyHandler.describe(f.cause()));
                return;
            }
            shutdownOutput(to).addListener(g -> {
                to.outputEnded = true;
                finishIfDone();
            });
        });
    }

    /**
     * A TLS leg received {@code close_notify}: its stream ended, and (see the class comment) its engine will not
     * send again, so the direction towards it ends too.
     */
    void closeNotify(Leg from) {
        from.outputEnded = true;
        inputEnded(from);
    }

    private static ChannelFuture shutdownOutput(Leg leg) {
        Channel ch = leg.ch;
        SslHandler ssl = ch.pipeline().get(SslHandler.class);
        if (ssl != null && !ssl.engine().isOutboundDone()) {
            // close_notify first, so that the peer can tell the end of the stream from a truncation
            ChannelFuture notify = ssl.closeOutbound();
            var done = ch.newPromise();
            notify.addListener(f -> tcpShutdownOutput(ch).addListener(g -> done.trySuccess()));
            return done;
        }
        return tcpShutdownOutput(ch);
    }

    private static ChannelFuture tcpShutdownOutput(Channel ch) {
        if (ch instanceof DuplexChannel d && ch.isActive() && !d.isOutputShutdown()) {
            return d.shutdownOutput();
        }
        return ch.newSucceededFuture();
    }

    private void finishIfDone() {
        if (client.inputEnded && client.outputEnded && upstream.inputEnded && upstream.outputEnded) {
            closeBoth();
        } else if ((client.inputEnded && client.outputEnded && !client.ch.isActive())
                || (upstream.inputEnded && upstream.outputEnded && !upstream.ch.isActive())) {
            closeBoth();
        }
    }

    /**
     * {@code leg} failed or was reset: it is closed, and the other side gets what was already queued for it,
     * then is closed too (as Envoy's tcp_proxy does with FlushWrite).
     */
    void abort(Leg leg, String why) {
        ending(why);
        leg.inputEnded = true;
        leg.outputEnded = true;
        leg.ch.close();
        flushAndClose(leg.other());
    }

    /** {@code leg}'s socket closed without an EOF first (a reset, or a close by another part of the proxy). */
    void inactive(Leg leg) {
        if (!(leg.inputEnded && leg.outputEnded)) {
            ending(leg.name + " closed the connection");
            leg.inputEnded = true;
            leg.outputEnded = true;
        }
        flushAndClose(leg.other());
    }

    private void expire(Duration max) {
        if (!client.ch.isActive() && !upstream.ch.isActive()) {
            return;
        }
        px.metrics.limitRejected("max_tunnel_lifetime");
        ending("max tunnel lifetime " + human(max) + " reached");
        closeBoth();
    }

    private void closeBoth() {
        closing = true;
        client.ch.close();
        upstream.ch.close();
    }

    /**
     * Flushes what is queued for {@code leg}, then closes it; a peer that does not take those bytes within the idle
     * timeout does not keep the socket open (Envoy's delayed close timeout plays this part there).
     */
    private void flushAndClose(Leg leg) {
        Channel ch = leg.ch;
        if (!ch.isActive() || leg.outputEnded) {
            ch.close();
            return;
        }
        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        Duration limit = px.idleTimeout;
        if (limit != null && !limit.isZero()) {
            ScheduledFuture<?> force = ch.eventLoop().schedule(() -> {
                ending(leg.name + " did not take its last bytes within the idle timeout");
                ch.close();
            }, limit.toMillis(), TimeUnit.MILLISECONDS);
            ch.closeFuture().addListener(f -> force.cancel(false));
        }
    }

    private void spliced(Leg from) {
        ex.spliced = true;
        Splice.oneWay(from.ch, from.other().ch, client.ch, n -> count(from, n));
    }

    private void ending(String why) {
        if (end == null) {
            end = why;
        }
    }

    private void closed() {
        if (lifetime != null) {
            lifetime.cancel(false);
        }
        StringBuilder r = new StringBuilder(baseReason);
        if (end != null) {
            r.append("; ").append(end);
        }
        if (client.dropped > 0 || upstream.dropped > 0) {
            r.append("; not delivered: ").append(upstream.dropped).append(" bytes to the upstream, ")
                    .append(client.dropped).append(" to the client");
        }
        if (ex.spliced) {
            r.append(" (spliced)");
        }
        ex.reason = r.toString();
        px.log(ex);
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (s > 0 && d.toMillis() % 1000 == 0) {
            return s % 3600 == 0 ? s / 3600 + "h" : s % 60 == 0 ? s / 60 + "m" : s + "s";
        }
        return d.toMillis() + "ms";
    }
}
