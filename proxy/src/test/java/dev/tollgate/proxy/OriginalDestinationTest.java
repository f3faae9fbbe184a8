package dev.tollgate.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** SO_ORIGINAL_DST through Netty's RawUnixChannelOption on an accepted epoll socket, and the sockaddr decoding. */
class OriginalDestinationTest {

    /**
     * A connection nobody redirected: the kernel either has no conntrack entry (ENOENT, refused as "not redirected")
     * or reports the listener itself as the original destination. Either way the real getsockopt path runs.
     */
    @Test
    void plainLoopbackConnectionHasNoOtherOriginalDestination() throws Exception {
        assumeTrue(Epoll.isAvailable(), "epoll is not available here: " + Epoll.unavailabilityCause());
        EventLoopGroup group = Transport.group("odst-test", 1);
        try {
            CompletableFuture<Object> seen = new CompletableFuture<>();
            Channel server = new ServerBootstrap().group(group).channel(Transport.serverChannel())
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            try {
                                seen.complete(OriginalDestination.KERNEL.of(ctx.channel()));
                            } catch (OriginalDestination.Unknown e) {
                                seen.complete(e);
                            }
                            ctx.close();
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            int port = ((InetSocketAddress) server.localAddress()).getPort();
            try (Socket s = new Socket("127.0.0.1", port)) {
                Object r = seen.get(5, TimeUnit.SECONDS);
                System.out.println("SO_ORIGINAL_DST on a plain loopback connection: " + r);
                if (r instanceof InetSocketAddress a) {
                    assertThat(a).isEqualTo(new InetSocketAddress("127.0.0.1", port));
                } else {
                    assertThat(((Exception) r).getMessage()).contains("not redirected");
                }
            } finally {
                server.close().sync();
            }
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void decodesSockaddrIn() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(16);
        b.order(ByteOrder.nativeOrder()).putShort(0, (short) 2);
        b.order(ByteOrder.BIG_ENDIAN).putShort(2, (short) 8443);
        b.put(4, (byte) 198).put(5, (byte) 18).put(6, (byte) 0).put(7, (byte) 5);
        assertThat(OriginalDestination.Kernel.decode(b, false)).isEqualTo(new InetSocketAddress("198.18.0.5", 8443));
    }

    @Test
    void decodesSockaddrIn6() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(28);
        b.order(ByteOrder.nativeOrder()).putShort(0, (short) 10);
        b.order(ByteOrder.BIG_ENDIAN).putShort(2, (short) 443);
        byte[] a = java.net.InetAddress.getByName("2001:db8::7").getAddress();
        for (int i = 0; i < 16; i++) {
            b.put(8 + i, a[i]);
        }
        assertThat(OriginalDestination.Kernel.decode(b, true)).isEqualTo(new InetSocketAddress("2001:db8::7", 443));
    }

    @Test
    void refusesAShortOrForeignSockaddr() {
        assertThatThrownBy(() -> OriginalDestination.Kernel.decode(ByteBuffer.allocate(3), false))
                .isInstanceOf(OriginalDestination.Unknown.class).hasMessageContaining("3 bytes");
        ByteBuffer b = ByteBuffer.allocate(16);
        b.order(ByteOrder.nativeOrder()).putShort(0, (short) 10);
        assertThatThrownBy(() -> OriginalDestination.Kernel.decode(b, false))
                .isInstanceOf(OriginalDestination.Unknown.class).hasMessageContaining("family 10");
    }
}
