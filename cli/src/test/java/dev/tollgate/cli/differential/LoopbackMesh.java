package dev.tollgate.cli.differential;

import dev.tollgate.core.model.EgressGatewayIdentity;
import dev.tollgate.config.ConfigSource;
import dev.tollgate.config.ConfigStore;
import dev.tollgate.config.LoadOptions;
import dev.tollgate.config.LoadResult;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import dev.tollgate.identity.MeshCa;
import dev.tollgate.proxy.AccessLogEntry;
import dev.tollgate.proxy.CertifiedKey;
import dev.tollgate.proxy.EgressGateway;
import dev.tollgate.proxy.GatewaySettings;
import dev.tollgate.proxy.HostMap;
import dev.tollgate.proxy.MeshIdentity;
import dev.tollgate.proxy.ProxyHandle;
import dev.tollgate.proxy.Sidecar;
import dev.tollgate.proxy.SidecarSettings;

import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * One generated configuration running for real, as {@code tollgate demo} runs the tutorial: the egress gateway and
 * a sidecar per {@link Pool#SOURCES} workload, in this process, reading the configuration file through a
 * {@link ConfigStore}, with mesh certificates (mTLS between sidecar and gateway, SPIFFE identities), and every
 * external host:port mapped to a loopback stand-in by {@code --connect-to} entries ({@link StandIns}).
 */
final class LoopbackMesh implements AutoCloseable {

    /** What outlives one configuration: the stand-ins, the mesh CA and the workload certificates. */
    static final class Shared implements AutoCloseable {
        final StandIns standIns;
        final MeshCa ca = MeshCa.generate(MeshCa.DEFAULT_TRUST_DOMAIN);
        final Client client;
        private final Map<String, MeshIdentity> identities = new ConcurrentHashMap<>();

        Shared() throws Exception {
            standIns = new StandIns();
            client = new Client(standIns.clientContext());
        }

        MeshIdentity identity(String namespace, String serviceAccount) {
            return identities.computeIfAbsent(namespace + "/" + serviceAccount, k -> {
                CertifiedKey key = CertifiedKey.of(ca.issueWorkload(namespace, serviceAccount, Duration.ofHours(2)));
                return new MeshIdentity(() -> key, List.of(ca.rootCertificate()));
            });
        }

        @Override
        public void close() throws Exception {
            standIns.close();
        }
    }

    /** The configuration did not load: a generator bug or a validation finding, never a silent skip. */
    static final class Rejected extends RuntimeException {
        Rejected(String message) {
            super(message);
        }
    }

    final Path config;
    private final Shared shared;
    private final ConfigStore store;
    private final List<ProxyHandle> proxies = new ArrayList<>();
    private final Map<Pool.Source, Sidecar> sidecars = new ConcurrentHashMap<>();
    private final List<AccessLogEntry> gatewayLog = new CopyOnWriteArrayList<>();
    private final List<AccessLogEntry> sidecarLog = new CopyOnWriteArrayList<>();
    private EgressGateway gateway;

    private LoopbackMesh(Shared shared, Path config) {
        this.shared = shared;
        this.config = config;
        this.store = new ConfigStore(List.of(ConfigSource.parse(config.toString())), new LoadOptions("default", Map.of()),
                SnapshotCompiler::compile);
    }

    static LoopbackMesh start(Shared shared, String yaml) throws Exception {
        Path file = Files.createTempFile(shared.standIns.dir, "world-", ".yaml");
        Files.writeString(file, yaml);
        LoopbackMesh mesh = new LoopbackMesh(shared, file);
        try {
            mesh.startProxies();
            return mesh;
        } catch (Exception | Error e) {
            mesh.close();
            throw e;
        }
    }

    private void startProxies() throws Exception {
        LoadResult loaded = store.reload();
        if (!loaded.ok()) {
            throw new Rejected("the configuration did not load: " + loaded.errors().stream().map(Object::toString)
                    .collect(Collectors.joining("; ")));
        }
        StandIns s = shared.standIns;
        List<String> upstreams = new ArrayList<>(s.connectTo());
        upstreams.add(s.sinkEntry());
        WorkloadRef gw = EgressGatewayIdentity.WORKLOAD;
        gateway = EgressGateway.start(GatewaySettings.defaults(shared.identity(gw.namespace(), gw.serviceAccount()))
                .withBind("127.0.0.1", GatewaySettings.EPHEMERAL_PORTS)
                .withHosts(hosts(upstreams))
                .withCaBundle(Optional.of(s.publicRootPem))
                .withAccessLog(gatewayLog::add)
                .withIoThreads(1), store::current);
        proxies.add(gateway);
        if (!gateway.refresh().await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the gateway did not bind its listeners");
        }
        List<String> sidecarMap = new ArrayList<>();
        gateway.listeners().forEach((port, a) -> sidecarMap.add(Pool.GW_HOST + ":" + port + ":127.0.0.1:" + a.getPort()));
        sidecarMap.addAll(upstreams);
        HostMap sidecarHosts = hosts(sidecarMap);
        for (Pool.Source src : Pool.SOURCES) {
            WorkloadRef ref = new WorkloadRef(src.namespace(), src.serviceAccount(), Map.of("app", src.serviceAccount()));
            Sidecar sc = Sidecar.start(SidecarSettings.defaults(ref, shared.identity(src.namespace(), src.serviceAccount()))
                    .withListen(new InetSocketAddress("127.0.0.1", 0))
                    .withHosts(sidecarHosts)
                    .withCaBundle(Optional.of(s.publicRootPem))
                    .withAccessLog(sidecarLog::add)
                    .withIoThreads(1), store::current);
            proxies.add(sc);
            sidecars.put(src, sc);
        }
    }

    /** The maps, and a resolver that never asks DNS: everything the test reaches is named in the maps. */
    private static HostMap hosts(List<String> connectTo) {
        return HostMap.parse(List.of(), connectTo).withResolver(name -> {
            throw new UnknownHostException("the differential test resolves no names: " + name);
        });
    }

    Map<Integer, InetSocketAddress> gatewayListeners() {
        return gateway.listeners();
    }

    /** Sends {@code r} through its workload's sidecar and reads what the client saw, with the proxies' log lines. */
    Verdict send(Req r) {
        int gatewayMark = gatewayLog.size();
        // the client's source port is reused across requests: only entries logged since this one was sent are its
        int sidecarMark = sidecarLog.size();
        long sinkBefore = shared.standIns.sinkConnections.get();
        Client.Exchange x = shared.client.send(sidecars.get(r.from()).address(), r);
        String port = ":" + x.localPort();
        Predicate<AccessLogEntry> mine = e -> e.sourceAddress().endsWith(port);
        StringBuilder seen = new StringBuilder(x.summary());
        Verdict.Kind kind;
        int reachedPort = 0;
        String standIn = x.headers().get("x-stand-in");
        if (x.status() == 200 && standIn != null) {
            reachedPort = Integer.parseInt(standIn);
            kind = Verdict.Kind.REACHED;
            String asked = hostOf(x.headers().getOrDefault("x-seen-host", ""));
            if (!asked.equals(hostOf(r.authority()))) {
                kind = Verdict.Kind.FAILED;
                seen.append("; MISDIRECTED: the stand-in was asked for ").append(asked);
            }
        } else if ((x.connectStatus() == 502 || (x.connectStatus() == 0 && x.status() == 502))
                && await(sidecarLog, sidecarMark, mine).map(e -> e.decision().equals("refused")).orElse(false)) {
            kind = Verdict.Kind.SIDECAR_REFUSED;
        } else if ((x.connectStatus() == 400 || (x.connectStatus() == 0 && x.status() == 400))
                && await(sidecarLog, sidecarMark, mine).map(e -> e.decision().equals("error")).orElse(false)) {
            kind = Verdict.Kind.INVALID_REQUEST;
        } else if (x.connectStatus() == 0 && x.status() == 503
                && await(gatewayLog, gatewayMark, e -> e.decision().equals("no-route")).isPresent()) {
            // the sidecar's mTLS reached a gateway server that reads plain HTTP: the gateway finds no route and
            // closes, so the sidecar answers 503 (Envoy: upstream connect error or disconnect/reset)
            kind = Verdict.Kind.GATEWAY_NO_ROUTE;
        } else if (x.connectStatus() == 0 && x.status() == 403
                && (r.method().equals("HEAD") || x.body().equals("RBAC: access denied"))) {
            kind = Verdict.Kind.GATEWAY_DENIED;
        } else if (x.connectStatus() == 0 && x.status() == 404
                && (r.method().equals("HEAD") || x.body().startsWith("route_not_found"))) {
            kind = Verdict.Kind.GATEWAY_NO_ROUTE;
        } else if (x.connectStatus() == 200 && x.status() == 0) {
            // a tunnel the gateway closed: its log says whether authorization or routing did it
            await(sidecarLog, sidecarMark, mine);
            Optional<AccessLogEntry> g = await(gatewayLog, gatewayMark,
                    e -> e.decision().equals("denied") || e.decision().equals("no-route"));
            kind = g.map(e -> e.decision().equals("denied") ? Verdict.Kind.GATEWAY_DENIED
                    : Verdict.Kind.GATEWAY_NO_ROUTE).orElse(Verdict.Kind.FAILED);
        } else {
            kind = Verdict.Kind.FAILED;
        }
        long sink = shared.standIns.sinkConnections.get() - sinkBefore;
        if (sink > 0) {
            seen.append("; the sink got ").append(sink).append(" connection(s): a proxy went to a host:port no"
                    + " stand-in serves");
        }
        sidecarLog.stream().skip(sidecarMark).filter(mine)
                .forEach(e -> seen.append("\n        sidecar log: ").append(e.text()));
        for (int i = gatewayMark; i < gatewayLog.size(); i++) {
            seen.append("\n        gateway log: ").append(gatewayLog.get(i).text());
        }
        return new Verdict(kind, reachedPort, seen.toString());
    }

    /** The host of an authority, lower case, without port, brackets or a trailing dot. */
    static String hostOf(String authority) {
        String h = authority.toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            h = h.substring(1, h.indexOf(']'));
        } else if (h.indexOf(':') == h.lastIndexOf(':') && h.indexOf(':') > 0) {
            h = h.substring(0, h.indexOf(':'));
        }
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    /** Access log lines are written when an exchange ends, which may be just after the client read its answer. */
    private static Optional<AccessLogEntry> await(List<AccessLogEntry> log, int from, Predicate<AccessLogEntry> p) {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (true) {
            // a snapshot: a view of the live list throws when a proxy logs between taking the view and reading it
            List<AccessLogEntry> now = List.copyOf(log);
            Optional<AccessLogEntry> found = now.subList(Math.min(from, now.size()), now.size()).stream().filter(p)
                    .findFirst();
            if (found.isPresent() || System.nanoTime() > until) {
                return found;
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }

    @Override
    public void close() {
        proxies.parallelStream().forEach(p -> p.drain(Duration.ZERO));
        store.close();
        try {
            Files.deleteIfExists(config);
        } catch (java.io.IOException e) {
            // a temp file: the stand-ins' folder goes at the end anyway
        }
    }
}
