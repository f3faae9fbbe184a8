package dev.tollgate.proxy;

import dev.tollgate.core.model.ProxyRef;
import dev.tollgate.core.model.GatewayListener;
import dev.tollgate.core.model.GatewayServerKind;
import dev.tollgate.core.snapshot.MeshSnapshot;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.PromiseCombiner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A running egress gateway.
 *
 * <p>It listens on the port of every {@code Gateway} server that selects its workload
 * ({@code MeshSnapshot.gatewayListeners}), plus {@link GatewaySettings#portOffset()}; the set follows reloads (ports
 * open and close as Gateways change; open connections on a closed port continue). On each connection:
 * <ul>
 *   <li>ISTIO_MUTUAL servers terminate mTLS and require a client certificate from the mesh CA; the peer's SPIFFE
 *       identity is the source principal and namespace, the handshake's SNI is {@code connection.sni}.</li>
 *   <li>PASSTHROUGH servers read the SNI from the ClientHello without terminating TLS.</li>
 *   <li>HTTP/HTTPS servers decide every request ({@code MeshSnapshot.gateway}): denied is {@code 403} with body
 *       {@code RBAC: access denied} and the log reason {@code rbac_access_denied_matched_policy[<id>|none]};
 *       forwarded goes to the route's upstream, with TLS origination (verified against the system trust store or
 *       {@link GatewaySettings#caBundle()}, SNI and host name = the host) when the DestinationRule says SIMPLE.</li>
 *   <li>TLS/TCP servers decide once per connection: denied closes it, forwarded relays the bytes.</li>
 * </ul>
 * SIMPLE/MUTUAL servers (which need credentialName certificates) are not served; they are logged and skipped.
 */
public final class EgressGateway implements ProxyHandle {
    private static final Logger LOG = LoggerFactory.getLogger(EgressGateway.class);

    private final GatewaySettings settings;
    private final ProxyRuntime runtime;
    private final EventLoop control;
    /** Bound listeners by server port; touched only on {@link #control}. */
    private final Map<Integer, Bound> bound = new LinkedHashMap<>();
    private final Map<Integer, InetSocketAddress> addresses = new ConcurrentHashMap<>();
    private volatile MeshSnapshot reconciled;
    private volatile boolean allBound;
    private volatile long lastAttempt = System.nanoTime();

    private record Bound(GatewayListener listener, Channel channel, GatewayAccept accept) {
    }

    private EgressGateway(GatewaySettings settings, ProxyRuntime runtime) {
        this.settings = settings;
        this.runtime = runtime;
        this.control = runtime.boss.next();
    }

    /**
     * Starts the gateway: binds the listeners of the current snapshot (if one is loaded) and the admin server, then
     * keeps the listener set in step with the snapshot.
     *
     * @param snapshots the current configuration, e.g. {@code configStore::current}; may throw
     *                  {@link IllegalStateException} before the first good load
     */
    public static EgressGateway start(GatewaySettings settings, Supplier<MeshSnapshot> snapshots)
            throws InterruptedException {
        ProxyRuntime runtime = ProxyRuntime.create(ProxyRef.Kind.GATEWAY, settings, snapshots,
                io.netty.handler.codec.http.HttpResponseStatus.SERVICE_UNAVAILABLE);
        ProxyContext px = runtime.px;
        TlsContexts tls = px.tls;
        tls.peerTrustDomains(() -> px.snapshot().map(s -> {
            java.util.Set<String> domains = new java.util.HashSet<>(s.mesh().trustDomainAliases());
            domains.add(s.mesh().trustDomain());
            return domains;
        }));
        EgressGateway gw = new EgressGateway(settings, runtime);
        try {
            tls.meshServer();
            tls.originate(Optional.empty());
            gw.refresh().await(30, TimeUnit.SECONDS);
            long every = Math.max(50, settings.refreshInterval().toMillis());
            gw.control.scheduleWithFixedDelay(() -> {
                if (runtime.closed() || px.draining) {
                    return;
                }
                boolean changed = px.snapshot().orElse(null) != gw.reconciled;
                // a port that could not be bound (in use) is tried again, at most every 5 s
                boolean retry = !gw.allBound && System.nanoTime() - gw.lastAttempt > TimeUnit.SECONDS.toNanos(5);
                if (changed || retry) {
                    gw.refresh();
                }
            }, every, every, TimeUnit.MILLISECONDS);
            runtime.startAdmin(settings.admin(), gw::ready);
            return gw;
        } catch (InterruptedException | RuntimeException | javax.net.ssl.SSLException e) {
            runtime.drain(Duration.ZERO);
            if (e instanceof InterruptedException ie) {
                throw ie;
            }
            throw e instanceof RuntimeException re ? re : new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * Brings the listener set in line with the current snapshot now (a config store's reload listener can call it).
     * The future completes when every bind attempted has finished.
     */
    public Future<Void> refresh() {
        Promise<Void> done = control.newPromise();
        control.execute(() -> reconcile(done));
        return done;
    }

    private void reconcile(Promise<Void> done) {
        lastAttempt = System.nanoTime();
        Optional<MeshSnapshot> snapshot = runtime.px.snapshot();
        if (snapshot.isEmpty() || runtime.px.draining || runtime.closed()) {
            done.setSuccess(null);
            return;
        }
        Map<Integer, GatewayListener> desired = new TreeMap<>();
        for (GatewayListener l : snapshot.get().gatewayListeners(settings.workload())) {
            if (GatewayAccept.supported(l)) {
                desired.put(l.port(), l);
            }
            for (GatewayServerKind k : l.kinds()) {
                if (!k.servedByTollgate()) {
                    LOG.warn("{}: not serving port {} ({} with tls {}){}: it needs credentials Tollgate does not load",
                            runtime.px.name, l.port(), k.protocol(), k.tlsMode(),
                            GatewayAccept.supported(l) ? " for the hosts of those servers" : "");
                }
            }
        }
        for (var it = bound.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            GatewayListener want = desired.get(e.getKey());
            if (want == null || !sameKind(want, e.getValue().listener)) {
                LOG.info("{}: closing listener for port {}", runtime.px.name, e.getKey());
                e.getValue().channel.close();
                e.getValue().accept.drainAccepted();
                addresses.remove(e.getKey());
                it.remove();
            }
        }
        PromiseCombiner combiner = new PromiseCombiner(control);
        for (GatewayListener l : desired.values()) {
            if (bound.containsKey(l.port())) {
                continue;
            }
            int listenPort = settings.portOffset() == GatewaySettings.EPHEMERAL_PORTS ? 0
                    : l.port() + settings.portOffset();
            if (listenPort > 65535) {
                LOG.error("{}: port {} + offset {} is above 65535", runtime.px.name, l.port(), settings.portOffset());
                continue;
            }
            GatewayAccept accept = new GatewayAccept(runtime.px, settings.workload(), l.port());
            ChannelFuture f = new ServerBootstrap().group(runtime.boss, runtime.workers)
                    .channel(Transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(accept)
                    .bind(settings.bindAddress(), listenPort);
            bound.put(l.port(), new Bound(l, f.channel(), accept));
            f.addListener(b -> {
                if (b.isSuccess()) {
                    runtime.addServer(f.channel());
                    addresses.put(l.port(), (InetSocketAddress) f.channel().localAddress());
                    LOG.info("{}: listening on {} for {} server port {} (tls {})", runtime.px.name,
                            f.channel().localAddress(), l.kind().protocol(), l.port(), l.kind().tlsMode());
                } else {
                    LOG.error("{}: cannot listen on {}:{} for server port {}: {}", runtime.px.name,
                            settings.bindAddress(), listenPort, l.port(), b.cause().toString());
                    bound.remove(l.port());
                }
            });
            combiner.add((Future<?>) f);
        }
        MeshSnapshot s = snapshot.get();
        Promise<Void> all = control.newPromise();
        combiner.finish(all);
        all.addListener(x -> {
            reconciled = s;
            allBound = bound.keySet().equals(desired.keySet());
            done.setSuccess(null);
        });
    }

    private static boolean sameKind(GatewayListener a, GatewayListener b) {
        return a.kinds().equals(b.kinds());
    }

    /** The bound address of each server port's listener. */
    public Map<Integer, InetSocketAddress> listeners() {
        return Map.copyOf(addresses);
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
        return !runtime.closed() && reconciled != null && allBound;
    }

    @Override
    public boolean drain(Duration deadline) {
        return runtime.drain(deadline);
    }
}
