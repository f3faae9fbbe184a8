package dev.tollgate.proxy;

import dev.tollgate.core.model.ProxyRef;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.MeshSnapshot;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.timeout.IdleStateHandler;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A running sidecar: the application's explicit HTTP proxy ({@code http_proxy}/{@code https_proxy}).
 *
 * <ul>
 *   <li>{@code http://} requests arrive in absolute form. The Host header must match the URI's authority (else
 *       {@code 502}); {@code MeshSnapshot.outbound(workload, HTTP ...)} decides: refused gives {@code 502} with the
 *       reason as the body; forwarded goes direct (TLS origination when the DestinationRule says SIMPLE) or, inside
 *       mTLS with the workload certificate, to the egress gateway, as an origin-form request keeping its Host.</li>
 *   <li>{@code CONNECT host:port}: {@code outbound(workload, TLS host:port)}; refused gives {@code 502}; forwarded
 *       opens the upstream first (direct, or mTLS to the gateway with the route's SNI, checking the gateway's SPIFFE
 *       identity) and answers {@code 200} only once it is up. The application's ClientHello must then carry the
 *       CONNECT host as its SNI, or the tunnel closes with the reason logged.</li>
 * </ul>
 * With {@code --capture PORT} ({@link SidecarSettings#capture}) a second listener takes the connections the kernel
 * redirects to it, for applications that ignore {@code http_proxy}, as Istio's sidecar does:
 * <ul>
 *   <li>How: nftables {@code redirect to :PORT} in the nat output hook of the pod's network namespace (Istio's
 *       istio-iptables REDIRECT for outbound), and {@code SO_ORIGINAL_DST} read through Netty's epoll channel
 *       ({@link OriginalDestination}). Not TPROXY: {@code IP_TRANSPARENT} needs CAP_NET_ADMIN in the sidecar at run
 *       time, in a network namespace the application shares, and locally generated traffic needs a mark plus policy
 *       routing to loop back into prerouting. Not the JDK's FFM: a preview API at the Java 21 language level. So
 *       capture needs the epoll transport; the sidecar refuses to start without it.</li>
 *   <li>What: the first bytes decide ({@link CaptureSniffer}): a TLS ClientHello by its SNI (none: by the original
 *       destination address), plain HTTP by each request's Host, anything else as TCP by the original destination
 *       address and port (ServiceEntry {@code addresses}). All through {@code MeshSnapshot.outbound}, with the
 *       original destination attached, so the decisions are the explicit proxy's and {@code check}'s; a Host or SNI
 *       naming another host than the one the configuration pins the address to is refused.</li>
 *   <li>Refusals look as in Istio: TLS and TCP connections are closed (curl exit 35 for TLS), plain HTTP gets a
 *       {@code 502} with the reason. Connections that were not redirected, or whose original destination is one of
 *       the sidecar's own listeners, are closed.</li>
 * </ul>
 * Each connection and request reads the snapshot current when it arrives, so a reload applies to the next ones.
 * Start it with {@link #start}; {@link #drain} or {@link #close} stop it.
 */
public final class Sidecar implements ProxyHandle {
    private final ProxyRuntime runtime;
    private final Channel server;
    private final java.util.List<Channel> capture;

    private Sidecar(ProxyRuntime runtime, Channel server, java.util.List<Channel> capture) {
        this.runtime = runtime;
        this.server = server;
        this.capture = capture;
    }

    /**
     * Binds the listener (and the admin server) and returns once they accept connections.
     *
     * @param snapshots the current configuration, e.g. {@code configStore::current}; read per connection/request.
     *                  It may throw {@link IllegalStateException} before the first good load: requests then get
     *                  {@code 503}.
     * @throws InterruptedException while binding
     * @throws io.netty.channel.ChannelException (or another runtime exception) when an address cannot be bound
     */
    public static Sidecar start(SidecarSettings settings, Supplier<MeshSnapshot> snapshots)
            throws InterruptedException {
        return start(settings, snapshots, OriginalDestination.KERNEL, CaptureSniffer.Settings.DEFAULTS);
    }

    /** {@link #start}, with where captured connections were going and protocol detection given (for tests). */
    static Sidecar start(SidecarSettings settings, Supplier<MeshSnapshot> snapshots, OriginalDestination originals,
                         CaptureSniffer.Settings sniffing) throws InterruptedException {
        if (settings.capture().isPresent() && !Transport.EPOLL) {
            throw new IllegalStateException("--capture needs the native epoll transport to read SO_ORIGINAL_DST, "
                    + "and it is unavailable here: " + io.netty.channel.epoll.Epoll.unavailabilityCause());
        }
        WorkloadRef workload = settings.workload();
        ProxyRuntime runtime = ProxyRuntime.create(ProxyRef.Kind.SIDECAR, settings, snapshots,
                io.netty.handler.codec.http.HttpResponseStatus.BAD_GATEWAY);
        ProxyContext px = runtime.px;
        TlsContexts tls = px.tls;
        px.splice = settings.splice();
        try {
            // built now so that the first connections do not pay for it on an event loop
            tls.meshClient();
            tls.originate(Optional.empty());
            SidecarRouter router = new SidecarRouter(px, workload);
            long idle = settings.idleTimeout().toMillis();
            Channel server = new ServerBootstrap().group(runtime.boss, runtime.workers).channel(Transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            px.track(ch);
                            ch.pipeline().addLast("idle", new IdleStateHandler(0, 0, idle, TimeUnit.MILLISECONDS));
                            ch.pipeline().addLast("idle-close", px.idleCloser);
                            Consumer<Exchange> sourceInfo = ex -> source(ex, ch, workload, px.snapshot().orElse(null));
                            ConnectionLimits.Refusal refused = px.connections.admit(ch);
                            if (refused != null) {
                                RefuseConnection.http(px, ch, refused, sourceInfo);
                                return;
                            }
                            // one workload per sidecar: its requests are told apart (and rate limited) by address
                            HeadGuard.install(ch.pipeline(), px, sourceInfo, ConnectionLimits.ip(ch));
                            ch.pipeline().addLast("http-proxy", new HttpProxyHandler(px, router, sourceInfo));
                        }
                    })
                    .bind(settings.listen()).sync().channel();
            runtime.addServer(server);
            java.util.List<Channel> capture = settings.capture().isEmpty() ? java.util.List.of()
                    : CaptureListener.bind(runtime, workload, settings.capture().get(), originals, sniffing);
            Sidecar sidecar = new Sidecar(runtime, server, capture);
            runtime.startAdmin(settings.admin(), sidecar::ready);
            return sidecar;
        } catch (InterruptedException | RuntimeException e) {
            runtime.drain(Duration.ZERO);
            throw e;
        } catch (javax.net.ssl.SSLException e) {
            runtime.drain(Duration.ZERO);
            throw new IllegalStateException("cannot build the TLS contexts: " + e.getMessage(), e);
        }
    }

    /** The request decoder's settings under the default limits. */
    static HttpDecoderConfig decoderConfig() {
        return HeadGuard.decoderConfig(Limits.DEFAULTS);
    }

    /** The source of a sidecar's exchange: its own workload. */
    static void source(Exchange ex, Channel client, WorkloadRef workload, MeshSnapshot snapshot) {
        String td = snapshot == null ? "cluster.local" : snapshot.mesh().trustDomain();
        ex.sourcePrincipal = workload.principal(td);
        ex.sourceNamespace = workload.namespace();
        ex.sourceAddress = ConnectTunnel.remote(client);
    }

    /** The address the sidecar listens on (with the real port when 0 was asked for). */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    /** Where the capture listener listens (127.0.0.1, and [::1] where it exists); empty without --capture. */
    public java.util.List<InetSocketAddress> captureAddresses() {
        return capture.stream().map(c -> (InetSocketAddress) c.localAddress()).toList();
    }

    @Override
    public InetSocketAddress serveHealth(InetSocketAddress address) throws InterruptedException {
        return runtime.startHealth(address, this::ready);
    }

    @Override
    public Optional<InetSocketAddress> adminAddress() {
        return runtime.adminAddress();
    }

    @Override
    public boolean ready() {
        return !runtime.closed() && server.isActive() && capture.stream().allMatch(Channel::isActive)
                && runtime.px.snapshot().isPresent();
    }

    @Override
    public boolean drain(Duration deadline) {
        return runtime.drain(deadline);
    }
}
