package dev.tollgate.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Run by {@link OriginalDestinationNetnsTest} inside a fresh network namespace whose nftables redirect
 * 198.18.0.5:443 to 127.0.0.1:15001: listens there, connects once through the redirect and once directly, and prints
 * what {@link OriginalDestination#KERNEL} read for each ({@code redirected ...} / {@code direct ...}).
 */
public final class OriginalDestinationProbe {
    private OriginalDestinationProbe() {
    }

    public static void main(String[] args) throws Exception {
        EventLoopGroup group = Transport.group("probe", 1);
        LinkedBlockingQueue<String> seen = new LinkedBlockingQueue<>();
        try {
            Channel server = new ServerBootstrap().group(group).channel(Transport.serverChannel())
                    .childHandler(new Probe(seen)).bind(new InetSocketAddress("127.0.0.1", 15001)).sync().channel();
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("198.18.0.5", 443), 5000);
                System.out.println("redirected " + seen.poll(5, TimeUnit.SECONDS));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", 15001), 5000);
                System.out.println("direct " + seen.poll(5, TimeUnit.SECONDS));
            }
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        }
    }

    @io.netty.channel.ChannelHandler.Sharable
    private static final class Probe extends ChannelInboundHandlerAdapter {
        private final LinkedBlockingQueue<String> seen;

        Probe(LinkedBlockingQueue<String> seen) {
            this.seen = seen;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            try {
                seen.add("original " + OriginalDestination.KERNEL.of(ctx.channel()));
            } catch (OriginalDestination.Unknown e) {
                seen.add("unknown " + e.getMessage());
            }
            ctx.close();
        }
    }
}
