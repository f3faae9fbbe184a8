package dev.tollgate.proxy;

import dev.tollgate.core.model.ProxyDecision;
import dev.tollgate.core.model.WorkloadRef;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The sidecar's capture listener ({@code --capture PORT}): accepts the connections that nftables {@code redirect}
 * in the pod's nat output hook sends to it, learns where each was going ({@link OriginalDestination}), and hands it
 * to the {@link CaptureSniffer}. A REDIRECT of locally generated packets rewrites the destination to the loopback
 * address, so the listener binds 127.0.0.1 and, when the host has IPv6 loopback, [::1], on the same port.
 *
 * <p>Fail closed: a connection without an original destination (not redirected: no conntrack entry), or whose
 * original destination is one of the sidecar's own listeners (a loop, or a direct connection to the capture port), is
 * closed and logged with the reason.
 */
final class CaptureListener {
    private static final Logger LOG = LoggerFactory.getLogger(CaptureListener.class);

    private CaptureListener() {
    }

    /** The addresses to bind for {@code port}: IPv4 loopback, and IPv6 loopback where it exists. */
    static List<InetSocketAddress> addresses(int port) {
        List<InetSocketAddress> out = new ArrayList<>();
        out.add(new InetSocketAddress(InetAddress.getLoopbackAddress() instanceof Inet6Address
                ? loopback4() : InetAddress.getLoopbackAddress(), port));
        if (hasIpv6Loopback()) {
            out.add(new InetSocketAddress(loopback6(), port));
        }
        return out;
    }

    /**
     * Binds the capture listener(s). The IPv6 one takes the port the IPv4 one got (port 0 in tests).
     *
     * @throws IllegalStateException when epoll is unavailable: SO_ORIGINAL_DST is read through the epoll channel
     */
    static List<Channel> bind(ProxyRuntime runtime, WorkloadRef workload, int port, OriginalDestination originals,
                              CaptureSniffer.Settings sniffing) throws InterruptedException {
        if (!Transport.EPOLL) {
            throw new IllegalStateException("--capture needs the native epoll transport to read SO_ORIGINAL_DST, "
                    + "and it is unavailable here: " + io.netty.channel.epoll.Epoll.unavailabilityCause());
        }
        ProxyContext px = runtime.px;
        long idle = px.idleTimeout.toMillis();
        ServerBootstrap b = new ServerBootstrap().group(runtime.boss, runtime.workers).channel(Transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.AUTO_READ, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        accepted(px, workload, ch, originals, sniffing, idle);
                    }
                });
        List<Channel> bound = new ArrayList<>();
        List<InetSocketAddress> addresses = addresses(port);
        Channel first = b.bind(addresses.get(0)).sync().channel();
        bound.add(first);
        runtime.addServer(first);
        int actual = ((InetSocketAddress) first.localAddress()).getPort();
        for (InetSocketAddress a : addresses.subList(1, addresses.size())) {
            Channel c = b.bind(new InetSocketAddress(a.getAddress(), actual)).sync().channel();
            bound.add(c);
            runtime.addServer(c);
        }
        return bound;
    }

    private static void accepted(ProxyContext px, WorkloadRef workload, SocketChannel ch,
                                 OriginalDestination originals, CaptureSniffer.Settings sniffing, long idle) {
        px.track(ch);
        ch.pipeline().addLast("idle", new IdleStateHandler(0, 0, idle, TimeUnit.MILLISECONDS));
        ch.pipeline().addLast("idle-close", px.idleCloser);
        Consumer<Exchange> sourceInfo = ex -> Sidecar.source(ex, ch, workload, px.snapshot().orElse(null));
        ConnectionLimits.Refusal refused = px.connections.admit(ch);
        if (refused != null) {
            // a captured connection cannot be answered before its protocol is known: closed, as Envoy's overload
            RefuseConnection.close(px, ch, refused, "tcp", sourceInfo);
            return;
        }
        InetSocketAddress original;
        try {
            original = originals.of(ch);
        } catch (OriginalDestination.Unknown e) {
            refuse(px, ch, sourceInfo, null, e.getMessage());
            return;
        }
        if (px.guard.self(original)) {
            refuse(px, ch, sourceInfo, original, "the original destination " + Upstreams.format(original)
                    + " is this sidecar's own listener (a capture loop, or a direct connection to the capture port)");
            return;
        }
        // a FIN that comes before the protocol is known (or right behind a ClientHello) ends only the client's
        // direction, as for a CONNECT tunnel
        ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        HalfClosure.keepRegistered(ch);
        ch.pipeline().addLast("capture-sniff", new CaptureSniffer(px, workload, original, sourceInfo, sniffing));
    }

    private static void refuse(ProxyContext px, Channel ch, Consumer<Exchange> sourceInfo,
                               InetSocketAddress original, String reason) {
        Exchange ex = new Exchange("tcp");
        sourceInfo.accept(ex);
        if (original != null) {
            ex.originalDestination = Upstreams.format(original);
            ex.destinationHost = original.getAddress().getHostAddress();
            ex.destinationPort = original.getPort();
        }
        ex.decide(ProxyDecision.REFUSED, reason);
        LOG.debug("capture: closing {}: {}", ch.remoteAddress(), reason);
        px.log(ex);
        ch.close();
    }

    private static InetAddress loopback4() {
        try {
            return InetAddress.getByAddress(new byte[]{127, 0, 0, 1});
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static InetAddress loopback6() {
        try {
            return InetAddress.getByAddress(new byte[]{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether a loopback interface carries ::1 (a pod or container may have IPv6 switched off). */
    private static boolean hasIpv6Loopback() {
        try {
            var interfaces = NetworkInterface.getNetworkInterfaces();
            while (interfaces != null && interfaces.hasMoreElements()) {
                NetworkInterface n = interfaces.nextElement();
                if (n.isLoopback() && n.inetAddresses().anyMatch(a -> a.equals(loopback6()))) {
                    return true;
                }
            }
        } catch (SocketException e) {
            return false;
        }
        return false;
    }
}
