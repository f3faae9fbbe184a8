package dev.tollgate.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.RawUnixChannelOption;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Where a captured connection was going before the kernel redirected it to the capture listener.
 *
 * <p>Tollgate's capture is nftables {@code redirect} (Istio's istio-iptables REDIRECT for outbound) plus the
 * {@code SO_ORIGINAL_DST} socket option, which asks conntrack for the connection's original destination. It is read
 * through Netty's own epoll channel ({@link RawUnixChannelOption}), so no JNI or FFM of our own: the JDK's FFM is a
 * preview API at the Java 21 language level. TPROXY was not chosen: {@code IP_TRANSPARENT} needs CAP_NET_ADMIN in
 * the sidecar at run time, in a network namespace the application shares, and locally generated traffic needs a
 * packet mark plus policy routing to loop back into prerouting.
 *
 * <p>An interface, so that loopback tests inject an original destination (no NAT there); the sidecar uses
 * {@link #KERNEL}.
 */
interface OriginalDestination {

    /**
     * The original destination of an accepted connection.
     *
     * @throws Unknown when there is none (the connection was not redirected: no conntrack entry) or it cannot be read
     */
    InetSocketAddress of(Channel accepted) throws Unknown;

    /** No original destination: the connection is closed with {@link #getMessage()} as the logged reason. */
    final class Unknown extends Exception {
        Unknown(String message) {
            super(message, null, false, false);
        }
    }

    /** getsockopt(SO_ORIGINAL_DST) on the accepted epoll socket. */
    OriginalDestination KERNEL = accepted -> {
        if (!(accepted instanceof EpollSocketChannel epoll)) {
            throw new Unknown("capture needs the epoll transport, the connection is on " + accepted.getClass()
                    .getSimpleName());
        }
        boolean v6 = accepted.localAddress() instanceof InetSocketAddress local
                && local.getAddress() instanceof java.net.Inet6Address;
        ByteBuffer raw;
        try {
            raw = epoll.config().getOption(v6 ? Kernel.IPV6 : Kernel.IPV4);
        } catch (ChannelException e) {
            // ENOENT: conntrack knows no NAT for this socket, i.e. it was not redirected
            throw new Unknown("no original destination (SO_ORIGINAL_DST: "
                    + (e.getCause() == null ? e.getMessage() : e.getCause().getMessage())
                    + "): the connection was not redirected to the capture port");
        }
        return Kernel.decode(raw, v6);
    };

    /** The socket option's numbers and the sockaddr layouts (linux/in.h, linux/in6.h, netfilter_ipv6.h). */
    final class Kernel {
        private static final int SOL_IP = 0;
        private static final int SOL_IPV6 = 41;
        private static final int SO_ORIGINAL_DST = 80;
        private static final int IP6T_SO_ORIGINAL_DST = 80;
        private static final int AF_INET = 2;
        private static final int AF_INET6 = 10;
        static final RawUnixChannelOption IPV4 = new RawUnixChannelOption("SO_ORIGINAL_DST", SOL_IP,
                SO_ORIGINAL_DST, 16);
        static final RawUnixChannelOption IPV6 = new RawUnixChannelOption("IP6T_SO_ORIGINAL_DST", SOL_IPV6,
                IP6T_SO_ORIGINAL_DST, 28);

        private Kernel() {
        }

        /**
         * sockaddr_in: family (host order, 2 bytes), port (network order), address (4 bytes); sockaddr_in6: family,
         * port, flowinfo (4), address (16), scope id (4).
         */
        static InetSocketAddress decode(ByteBuffer raw, boolean v6) throws Unknown {
            int need = v6 ? 24 : 8;
            if (raw == null || raw.remaining() < need) {
                throw new Unknown("no original destination: SO_ORIGINAL_DST returned "
                        + (raw == null ? "nothing" : raw.remaining() + " bytes"));
            }
            int family = raw.duplicate().order(ByteOrder.nativeOrder()).getShort(raw.position()) & 0xffff;
            if (family != (v6 ? AF_INET6 : AF_INET)) {
                throw new Unknown("no original destination: SO_ORIGINAL_DST returned address family " + family);
            }
            ByteBuffer net = raw.duplicate().order(ByteOrder.BIG_ENDIAN);
            int port = net.getShort(raw.position() + 2) & 0xffff;
            byte[] address = new byte[v6 ? 16 : 4];
            net.position(raw.position() + (v6 ? 8 : 4));
            net.get(address);
            try {
                return new InetSocketAddress(InetAddress.getByAddress(address), port);
            } catch (UnknownHostException e) {
                throw new Unknown("no original destination: " + e.getMessage());
            }
        }
    }
}
