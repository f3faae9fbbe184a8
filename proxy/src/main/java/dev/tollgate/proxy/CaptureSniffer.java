package dev.tollgate.proxy;

import dev.tollgate.core.model.Kind;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.Hop;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.OutboundDecision;
import dev.tollgate.core.snapshot.OutboundRequest;
import dev.tollgate.core.model.Stage;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Tells a captured connection's protocol from its first bytes, as Envoy's tls_inspector and http_inspector do, and
 * hands it on: a TLS record ({@code 0x16}) to {@link CapturedTls}; an HTTP/1.x request line to the sidecar's
 * {@link HttpProxyHandler} with a {@link CapturedHttpRouter}; anything else to {@link CapturedTunnel} as TCP by the
 * original destination.
 *
 * <p>Server-first protocols (SMTP, MySQL) send nothing until the server speaks. When the workload's registry already
 * knows the original destination address and port as a TCP service, no bytes are awaited. Otherwise, when nothing
 * arrives within {@link Settings#protocolDetectionTimeout} (300 ms by default) the connection is decided as TCP.
 * Istio's {@code meshConfig.protocolDetectionTimeout} was 100 ms in older releases and is 0 today (wait for the client
 * forever; server-first protocols must be declared TCP): a short wait keeps undeclared server-first protocols working
 * while a client that is merely slow to write still gets its TLS or HTTP decision.
 */
final class CaptureSniffer extends ChannelInboundHandlerAdapter {
    /** How protocol detection behaves; a package-private knob for tests, not a user flag. */
    record Settings(Duration protocolDetectionTimeout) {
        static final Settings DEFAULTS = new Settings(Duration.ofMillis(300));
    }

    private static final List<byte[]> METHODS = List.of("GET ", "HEAD ", "POST ", "PUT ", "DELETE ", "OPTIONS ",
            "TRACE ", "PATCH ").stream().map(m -> m.getBytes(StandardCharsets.US_ASCII)).toList();
    private static final int TLS_HANDSHAKE = 0x16;

    private final ProxyContext px;
    private final WorkloadRef workload;
    private final InetSocketAddress original;
    private final Consumer<Exchange> sourceInfo;
    private final Settings settings;
    private ByteBuf buffered;
    private boolean decided;
    private ScheduledFuture<?> timer;
    /** The registry declares the original destination a TCP port: no detection, the bytes are TCP. */
    private boolean declared;

    CaptureSniffer(ProxyContext px, WorkloadRef workload, InetSocketAddress original, Consumer<Exchange> sourceInfo,
                   Settings settings) {
        this.px = px;
        this.workload = workload;
        this.original = original;
        this.sourceInfo = sourceInfo;
        this.settings = settings;
    }

    /** The original destination's address as an IP literal, without brackets or scope. */
    static String ip(InetSocketAddress original) {
        return original.getAddress().getHostAddress().replaceFirst("%.*$", "");
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        // declared TCP: decided at once, but after this handler is in place; bytes read until then are kept
        declared = declaredTcp();
        long wait = declared ? 0 : settings.protocolDetectionTimeout().toMillis();
        timer = ctx.executor().schedule(() -> {
            if (!decided && ctx.channel().isActive()) {
                decide();
                tcp(ctx, take(ctx));
            }
        }, wait, TimeUnit.MILLISECONDS);
    }

    /**
     * The registry has the original destination address:port as a port that takes TCP: the TCP decision forwards
     * through a ServiceEntry matched by address. Asked of {@code outbound}, the one decision.
     */
    private boolean declaredTcp() {
        MeshSnapshot snapshot = px.snapshot().orElse(null);
        if (snapshot == null) {
            return false;
        }
        String ip = ip(original);
        OutboundDecision d = snapshot.outbound(workload, OutboundRequest.tcp(ip, original.getPort()).capturedTo(ip));
        if (!(d instanceof OutboundDecision.Forward)) {
            return false;
        }
        for (Hop h : d.trace()) {
            if (h.stage() == Stage.REGISTRY && h.outcome() == Hop.Outcome.PASS
                    && h.resource().filter(k -> k.kind() == Kind.SERVICE_ENTRY).isPresent()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (decided || !(msg instanceof ByteBuf in)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (buffered == null) {
            buffered = ctx.alloc().buffer(Math.max(256, in.readableBytes()));
        }
        buffered.writeBytes(in);
        in.release();
        if (declared) {
            return;
        }
        int first = buffered.getUnsignedByte(buffered.readerIndex());
        if (first == TLS_HANDSHAKE) {
            decide();
            ByteBuf bytes = take(ctx);
            ctx.pipeline().replace(this, "capture-tls", new CapturedTls(px, workload, original, sourceInfo));
            ctx.fireChannelRead(bytes);
            return;
        }
        switch (http(buffered)) {
            case YES -> {
                decide();
                ByteBuf bytes = take(ctx);
                // HTTP ends with the connection, as on the explicit listener; only tunnels relay a half-close
                ctx.channel().config().setOption(io.netty.channel.ChannelOption.ALLOW_HALF_CLOSURE, false);
                HeadGuard.install(ctx.pipeline(), px, sourceInfo, ConnectionLimits.ip(ctx.channel()));
                ctx.pipeline().addLast("http-proxy", new HttpProxyHandler(px,
                        new CapturedHttpRouter(px, workload, original), sourceInfo));
                ctx.pipeline().remove(this);
                ctx.fireChannelRead(bytes);
                ctx.fireChannelReadComplete();
            }
            case NO -> {
                decide();
                tcp(ctx, take(ctx));
            }
            case MAYBE -> {
            }
        }
    }

    enum Http { YES, NO, MAYBE }

    /** An HTTP/1.x request line starts with a method token and a space; a prefix of one may still become one. */
    static Http http(ByteBuf b) {
        int n = b.readableBytes();
        boolean prefix = false;
        for (byte[] m : METHODS) {
            int k = Math.min(n, m.length);
            boolean same = true;
            for (int i = 0; i < k && same; i++) {
                same = b.getByte(b.readerIndex() + i) == m[i];
            }
            if (same && n >= m.length) {
                return Http.YES;
            }
            prefix |= same;
        }
        return prefix ? Http.MAYBE : Http.NO;
    }

    private void tcp(ChannelHandlerContext ctx, ByteBuf bytes) {
        String ip = ip(original);
        Exchange ex = CapturedTunnel.exchange("tcp", original, sourceInfo);
        ex.destinationHost = ip;
        ctx.pipeline().replace(this, "capture-hold", new ConnectTunnel.EarlyBytes());
        CapturedTunnel.open(px, workload, ctx.channel(), ex,
                OutboundRequest.tcp(ip, original.getPort()).capturedTo(ip), bytes);
    }

    private void decide() {
        decided = true;
        if (timer != null) {
            timer.cancel(false);
        }
    }

    private ByteBuf take(ChannelHandlerContext ctx) {
        ByteBuf b = buffered == null ? ctx.alloc().buffer(0) : buffered;
        buffered = null;
        return b;
    }

    /**
     * The client shut down its sending side before its protocol was known (a one-shot client: {@code printf x | nc
     * -N}): what it sent is TCP, and the tunnel relays the half-close once it is up.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent && !decided) {
            decide();
            tcp(ctx, take(ctx));
            ctx.fireUserEventTriggered(evt);
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!decided) {
            decide();
            Exchange ex = CapturedTunnel.exchange("tcp", original, sourceInfo);
            ex.destinationHost = ip(original);
            ex.decide(dev.tollgate.core.model.ProxyDecision.ERROR, "client closed before its protocol was known ("
                    + (buffered == null ? 0 : buffered.readableBytes()) + " bytes)");
            px.log(ex);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
        }
        if (buffered != null) {
            buffered.release();
            buffered = null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
