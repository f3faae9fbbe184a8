package dev.tollgate.proxy;

import io.netty.channel.Channel;
import io.netty.channel.epoll.Native;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Works around a Netty 4.2.18 epoll bug that breaks half-closed sockets. When a channel's interest set becomes
 * empty, its registration removes the fd from epoll ({@code EPOLL_CTL_DEL}) but stays "added", so the next interest
 * (EPOLLOUT when the socket's send buffer fills, EPOLLIN on a read) is an {@code EPOLL_CTL_MOD} that fails with
 * {@code ENOENT}: the write fails or the channel closes. A half-closed channel reaches an empty set as soon as its
 * input is shut down and nothing waits to be written, which is exactly what a tunnel does after one side's FIN;
 * {@code HostileTunnelTest} lost tunnels this way (large transfers after a half-close, and a FIN sent with the
 * CONNECT). Keeping EPOLLERR in the set, which the kernel reports whether asked for or not, means the set is never
 * empty and costs no wake-up. Remove this once Netty keeps the fd registered (or re-adds it).
 */
final class HalfClosure {
    private static final Logger LOG = LoggerFactory.getLogger(HalfClosure.class);
    /** {@code AbstractEpollChannel.setFlag(int)} (a package-private class), as {@code (Channel, int) -> void}. */
    private static final Class<?> EPOLL_CHANNEL = epollChannel();
    private static final MethodHandle SET_FLAG = setFlag();

    private HalfClosure() {
    }

    private static Class<?> epollChannel() {
        try {
            return Transport.EPOLL ? Class.forName("io.netty.channel.epoll.AbstractEpollChannel") : null;
        } catch (ClassNotFoundException e) {
            return null;
        }
    }

    private static MethodHandle setFlag() {
        if (EPOLL_CHANNEL == null) {
            return null;
        }
        try {
            return MethodHandles.privateLookupIn(EPOLL_CHANNEL, MethodHandles.lookup())
                    .findVirtual(EPOLL_CHANNEL, "setFlag", MethodType.methodType(void.class, int.class))
                    .asType(MethodType.methodType(void.class, Channel.class, int.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("cannot apply the epoll half-closure workaround; half-closed tunnels may fail: {}", e.toString());
            return null;
        }
    }

    /** Call on the channel's event loop, once it is registered, before its input can be shut down. */
    static void keepRegistered(Channel ch) {
        if (SET_FLAG == null || !EPOLL_CHANNEL.isInstance(ch) || !ch.isRegistered()) {
            return;
        }
        try {
            SET_FLAG.invokeExact(ch, Native.EPOLLERR);
        } catch (Throwable e) {
            LOG.debug("epoll half-closure workaround failed on {}: {}", ch, e.toString());
        }
    }
}
