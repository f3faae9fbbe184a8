package dev.tollgate.proxy;

import io.netty.channel.Channel;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.netty.handler.timeout.IdleStateHandler;

import java.util.function.LongConsumer;

/**
 * Zero-copy relaying for tunnels Tollgate does not terminate (the sidecar's direct CONNECT, after the SNI check):
 * with epoll on both ends, bytes move socket to pipe to socket with {@code splice(2)} and never enter the JVM.
 *
 * <p>Experimental and off by default ({@code SidecarSettings.splice}, {@code --splice}): issue 6 found that tunnels
 * lost their tail with it (bytes in flight when the upstream closed), and Netty's splice gives no way to drain a
 * socket to its EOF through the pipe, so it is not proven lossless at close; {@code HostileTunnelTest} runs every
 * close order through it too. It starts only once a direction has relayed {@link Relay#BULK_BYTES}. Netty reports
 * progress only when a requested length is complete, so it runs in chunks of {@link #CHUNK} bytes: each finished
 * chunk is counted and resets the idle timer, then the next is queued; bytes read normally between two chunks go
 * through the {@link Tunnel}, in order, since both paths write through the target's outbound buffer. The part of
 * the last chunk in flight at close is not counted (under {@code CHUNK} bytes per direction), and a spliced tunnel
 * that carries less than a chunk per idle timeout is closed as idle.
 */
final class Splice {
    static final int CHUNK = 32 * 1024;

    private Splice() {
    }

    /** True when both channels are epoll stream channels on one event loop, with nothing to decrypt. */
    static boolean possible(Channel a, Channel b) {
        return Transport.EPOLL && a instanceof AbstractEpollStreamChannel && b instanceof AbstractEpollStreamChannel
                && a.eventLoop() == b.eventLoop()
                && a.pipeline().get(io.netty.handler.ssl.SslHandler.class) == null
                && b.pipeline().get(io.netty.handler.ssl.SslHandler.class) == null;
    }

    /** Starts splicing {@code from} to {@code to}; the client's idle timer is reset by every chunk. */
    static void oneWay(Channel from, Channel to, Channel client, LongConsumer counter) {
        IdleStateHandler idle = client.pipeline().get(IdleStateHandler.class);
        next((AbstractEpollStreamChannel) from, (AbstractEpollStreamChannel) to, counter, idle);
    }

    private static void next(AbstractEpollStreamChannel from, AbstractEpollStreamChannel to, LongConsumer counter,
                             IdleStateHandler idle) {
        if (!from.isActive() || !to.isActive()) {
            return;
        }
        from.spliceTo(to, CHUNK).addListener(f -> {
            if (f.isSuccess()) {
                counter.accept(CHUNK);
                if (idle != null) {
                    idle.resetReadTimeout();
                    idle.resetWriteTimeout();
                }
                next(from, to, counter, idle);
            }
            // a failed splice means a side closed; the Relay's close handling takes it from there
        });
    }
}
