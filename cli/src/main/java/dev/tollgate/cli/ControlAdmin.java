package dev.tollgate.cli;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * {@code tollgate control}'s admin port: {@code /healthz} (the process runs), {@code /ready} (503 until the watch has
 * synced, with why in the body) and {@code /metrics} (Prometheus). Nothing else: no configuration is readable here,
 * so it may listen on the pod's address for the kubelet and Prometheus. The proxies' admin server is bound to their
 * own configuration dump; this one is a few lines of the same Netty.
 */
final class ControlAdmin implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel channel;

    private ControlAdmin(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    static ControlAdmin start(InetSocketAddress address, BooleanSupplier ready, Supplier<String> status,
                              PrometheusMeterRegistry meters) throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("tollgate-admin", true),
                NioIoHandler.newFactory());
        try {
            Channel channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            // probes and scrapers send a line or two; a slow or silent client is dropped
                            ch.pipeline().addLast(new ReadTimeoutHandler(30), new HttpServerCodec(4096, 8192, 8192),
                                    new HttpObjectAggregator(8192), new Handler(ready, status, meters));
                        }
                    }).bind(address).sync().channel();
            return new ControlAdmin(group, channel);
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully();
            throw e;
        }
    }

    InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        group.shutdownGracefully().awaitUninterruptibly();
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final BooleanSupplier ready;
        private final Supplier<String> status;
        private final PrometheusMeterRegistry meters;

        Handler(BooleanSupplier ready, Supplier<String> status, PrometheusMeterRegistry meters) {
            this.ready = ready;
            this.status = status;
            this.meters = meters;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            String path = request.uri();
            int q = path.indexOf('?');
            path = q < 0 ? path : path.substring(0, q);
            FullHttpResponse response;
            if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
                response = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET\n");
            } else {
                response = switch (path) {
                    case "/healthz" -> text(HttpResponseStatus.OK, "ok\n");
                    case "/ready" -> text(ready.getAsBoolean() ? HttpResponseStatus.OK
                            : HttpResponseStatus.SERVICE_UNAVAILABLE, status.get() + "\n");
                    case "/metrics" -> text(HttpResponseStatus.OK, meters.scrape());
                    default -> text(HttpResponseStatus.NOT_FOUND, "not found: /healthz, /ready, /metrics\n");
                };
            }
            if (request.method().equals(HttpMethod.HEAD)) {
                response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, response.status(), Unpooled.EMPTY_BUFFER,
                        response.headers(), response.trailingHeaders());
            }
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            HttpUtil.setKeepAlive(response, keepAlive);
            var written = ctx.writeAndFlush(response);
            if (!keepAlive) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
        }

        private static FullHttpResponse text(HttpResponseStatus status, String body) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            return r;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
