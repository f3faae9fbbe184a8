package dev.tollgate.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Kind;
import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.Workload;
import dev.tollgate.core.snapshot.MeshSnapshot;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateHandler;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The admin endpoints: {@code /metrics} (Prometheus), {@code /ready}, {@code /healthz}, {@code /config_dump} (the
 * active snapshot's resources as YAML). It exposes the configuration, so callers bind it to loopback unless told
 * otherwise.
 */
final class AdminServer {
    /** The YAML dump is built off the event loops. */
    private static final ExecutorService WORK = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("tollgate-admin-", 0).factory());
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES))
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    interface Readiness {
        boolean ready();
    }

    private AdminServer() {
    }

    /**
     * Admin connections open at once, at most: the probes and a scraper need a handful. Beyond it new ones are
     * closed, so that the admin port cannot eat the file descriptors kept back for it.
     */
    static final int MAX_CONNECTIONS = 64;
    /** An admin connection with no traffic for this long is closed (probes reconnect; nothing streams). */
    static final long IDLE_MILLIS = 30_000;

    /**
     * @param group the admin server's own threads, apart from the data plane's: a flood that keeps the data plane's
     *              event loops busy, or its connection ceiling full, does not delay {@code /ready}
     */
    static Channel start(EventLoopGroup group, InetSocketAddress address, ProxyContext px, Readiness readiness)
            throws InterruptedException {
        return start(group, address, px, readiness, true);
    }

    /**
     * @param configDump false for the health port ({@code --health}): it listens on the pod's address for the
     *                   kubelet and Prometheus, so it serves {@code /healthz}, {@code /ready} and {@code /metrics} and
     *                   never the configuration
     */
    static Channel start(EventLoopGroup group, InetSocketAddress address, ProxyContext px, Readiness readiness,
                         boolean configDump) throws InterruptedException {
        AtomicInteger open = new AtomicInteger();
        return new ServerBootstrap().group(group).channel(Transport.serverChannel())
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (open.incrementAndGet() > MAX_CONNECTIONS) {
                            open.decrementAndGet();
                            ch.close();
                            return;
                        }
                        ch.closeFuture().addListener(f -> open.decrementAndGet());
                        ch.pipeline().addLast(new IdleStateHandler(0, 0, IDLE_MILLIS, TimeUnit.MILLISECONDS),
                                IdleCloser.INSTANCE, new HttpServerCodec(), new HttpObjectAggregator(4096),
                                new Handler(px, readiness, configDump));
                    }
                })
                .bind(address).sync().channel();
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final ProxyContext px;
        private final Readiness readiness;
        private final boolean configDump;

        Handler(ProxyContext px, Readiness readiness, boolean configDump) {
            this.px = px;
            this.readiness = readiness;
            this.configDump = configDump;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            String path = req.uri().split("\\?", 2)[0];
            if (!req.method().equals(HttpMethod.GET) && !req.method().equals(HttpMethod.HEAD)) {
                send(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain", "GET only\n", keepAlive);
                return;
            }
            switch (path) {
                case "/metrics" -> send(ctx, HttpResponseStatus.OK, "text/plain; version=0.0.4; charset=utf-8",
                        px.metrics.scrape(), keepAlive);
                case "/healthz" -> send(ctx, HttpResponseStatus.OK, "text/plain", "ok\n", keepAlive);
                case "/ready" -> {
                    boolean ok = readiness.ready();
                    // a stale configuration stays ready (see ReloadStats.staleNote) but says so
                    send(ctx, ok ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, "text/plain",
                            (ok ? "ready" : "not ready") + px.metrics.configStaleNote() + "\n", keepAlive);
                }
                case "/config_dump" -> {
                    if (!configDump) {
                        send(ctx, HttpResponseStatus.NOT_FOUND, "text/plain", "not found; try /metrics /ready /healthz\n",
                                keepAlive);
                        return;
                    }
                    Optional<MeshSnapshot> s = px.snapshot();
                    if (s.isEmpty()) {
                        send(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "text/plain", "no configuration loaded\n",
                                keepAlive);
                        return;
                    }
                    WORK.execute(() -> {
                        String yaml = dump(s.get().config());
                        ctx.executor().execute(() -> send(ctx, HttpResponseStatus.OK, "application/yaml", yaml,
                                keepAlive));
                    });
                }
                default -> send(ctx, HttpResponseStatus.NOT_FOUND, "text/plain",
                        configDump ? "not found; try /metrics /ready /healthz /config_dump\n"
                                : "not found; try /metrics /ready /healthz\n", keepAlive);
            }
        }

        private static void send(ChannelHandlerContext ctx, HttpResponseStatus status, String type, String body,
                                 boolean keepAlive) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.wrappedBuffer(bytes));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, type).setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            if (!keepAlive) {
                r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.writeAndFlush(r);
            }
        }
    }

    /** The configuration as multi-document YAML, one document per resource, mesh settings first. */
    static String dump(ConfigSet config) {
        StringBuilder out = new StringBuilder();
        MeshSettings m = config.mesh();
        Map<String, Object> mesh = new LinkedHashMap<>();
        mesh.put("kind", "MeshConfig");
        mesh.put("outboundTrafficPolicy", Map.of("mode", m.outboundMode().name()));
        mesh.put("trustDomain", m.trustDomain());
        mesh.put("rootNamespace", m.rootNamespace());
        mesh.put("defaultServiceExportTo", m.defaultServiceExportTo());
        mesh.put("defaultVirtualServiceExportTo", m.defaultVirtualServiceExportTo());
        mesh.put("defaultDestinationRuleExportTo", m.defaultDestinationRuleExportTo());
        write(out, mesh);
        for (List<? extends Resource<?>> list : List.of(config.serviceEntries(), config.sidecars(), config.gateways(),
                config.virtualServices(), config.destinationRules(), config.authorizationPolicies())) {
            for (Resource<?> r : list) {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("apiVersion", r.key().kind() == Kind.AUTHORIZATION_POLICY ? "security.istio.io/v1beta1"
                        : "networking.istio.io/v1alpha3");
                doc.put("kind", r.key().kind().kubernetesName());
                Map<String, Object> meta = new LinkedHashMap<>();
                meta.put("name", r.name());
                meta.put("namespace", r.namespace());
                if (!r.labels().isEmpty()) {
                    meta.put("labels", r.labels());
                }
                meta.put("annotations", Map.of("tollgate.dev/source", r.origin().toString()));
                doc.put("metadata", meta);
                doc.put("spec", r.spec());
                write(out, doc);
            }
        }
        for (Workload w : config.workloads()) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("kind", "Workload");
            doc.put("metadata", Map.of("name", w.name(), "namespace", w.namespace()));
            doc.put("serviceAccount", w.serviceAccount());
            doc.put("labels", w.labels());
            write(out, doc);
        }
        return out.toString();
    }

    private static void write(StringBuilder out, Object doc) {
        out.append("---\n");
        try {
            out.append(YAML.writeValueAsString(doc));
        } catch (Exception e) {
            out.append("# cannot serialise: ").append(e.getMessage()).append('\n');
        }
    }
}
