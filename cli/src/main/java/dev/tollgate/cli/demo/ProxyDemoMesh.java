package dev.tollgate.cli.demo;

import dev.tollgate.core.model.ProxyDecision;
import dev.tollgate.core.model.AsciiCase;
import dev.tollgate.core.model.EgressGatewayIdentity;
import dev.tollgate.config.ConfigStore;
import dev.tollgate.config.LoadOptions;
import dev.tollgate.config.LoadResult;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import dev.tollgate.identity.MeshCa;
import dev.tollgate.identity.RotatingCertificate;
import dev.tollgate.identity.SpiffeId;
import dev.tollgate.proxy.AccessLog;
import dev.tollgate.proxy.AccessLogEntry;
import dev.tollgate.proxy.EgressGateway;
import dev.tollgate.proxy.GatewaySettings;
import dev.tollgate.proxy.HostMap;
import dev.tollgate.proxy.MeshIdentity;
import dev.tollgate.proxy.ProxyHandle;
import dev.tollgate.proxy.ReloadStats;
import dev.tollgate.proxy.Sidecar;
import dev.tollgate.proxy.SidecarSettings;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The demo's proxies on top of {@code dev.tollgate.proxy}: the egress gateway and a sidecar per workload of
 * {@link Scenario#WORKLOADS}, in this process, sharing one {@link ConfigStore} over the files of {@link DemoConfig}
 * (which it also watches, as a standalone proxy would).
 *
 * <p>Names are mapped as a user would map them with curl's flags: the external hosts to the stand-ins
 * ({@link DemoSetup#standInConnectTo()}), and the gateway's service name to its loopback ports (a port offset,
 * so port 80 of a Gateway server listens on offset+80 whichever step is running).
 */
final class ProxyDemoMesh implements DemoMesh {

    static final String GATEWAY_SERVICE = EgressGatewayIdentity.SERVICE_HOST;
    static final Duration CERTIFICATE_TTL = Duration.ofHours(24);
    private static final int LOG_LINES = 1000;

    private final ConfigStore store;
    /** Istio's default egress gateway, then the deployments of the Gateway API variant's Gateways. */
    private final List<EgressGateway> gateways;
    private final Map<DemoWorkload, Sidecar> sidecars;
    private final List<AutoCloseable> resources;
    private final LogBook gatewayLog;
    private final Map<DemoWorkload, LogBook> sidecarLogs;

    private ProxyDemoMesh(ConfigStore store, List<EgressGateway> gateways, Map<DemoWorkload, Sidecar> sidecars,
                          List<AutoCloseable> resources, LogBook gatewayLog, Map<DemoWorkload, LogBook> sidecarLogs) {
        this.store = store;
        this.gateways = List.copyOf(gateways);
        this.sidecars = Map.copyOf(sidecars);
        this.resources = resources;
        this.gatewayLog = gatewayLog;
        this.sidecarLogs = Map.copyOf(sidecarLogs);
    }

    /** The folder where each proxy's access log is written (JSON lines), beside the configuration folder. */
    static Path logDir(DemoSetup setup) {
        return setup.config().dir().resolveSibling("logs");
    }

    static DemoMesh start(DemoSetup setup) throws Exception {
        List<AutoCloseable> resources = new ArrayList<>();
        try {
            ConfigStore store = new ConfigStore(setup.config().sources(), new LoadOptions("default", Map.of()),
                    SnapshotCompiler::compile);
            resources.add(store);
            requireOk(store.reload());
            ReloadStats reloads = ReloadStats.of(store);
            MeshCa ca = setup.meshCa();

            Path logs = Files.createDirectories(logDir(setup));
            LogBook gatewayLog = new LogBook(logs.resolve("gateway.log"));
            resources.add(gatewayLog);
            // every gateway workload gets its own pair of loopback ports; sidecars reach each by its Service's name
            Map<String, WorkloadRef> gatewayWorkloads = new LinkedHashMap<>();
            gatewayWorkloads.put(GATEWAY_SERVICE, EgressGatewayIdentity.WORKLOAD);
            gatewayWorkloads.putAll(new java.util.TreeMap<>(Scenario.GATEWAY_API_GATEWAYS));
            List<EgressGateway> gateways = new ArrayList<>();
            List<String> sidecarConnectTo = new ArrayList<>(setup.standInConnectTo());
            java.util.Set<Integer> taken = new java.util.HashSet<>();
            for (Map.Entry<String, WorkloadRef> g : gatewayWorkloads.entrySet()) {
                int offset = DemoSetup.gatewayPortOffset();
                while (taken.contains(offset + 80) || taken.contains(offset + 443)) {
                    offset = DemoSetup.gatewayPortOffset();
                }
                taken.addAll(List.of(offset + 80, offset + 443));
                EgressGateway gateway = EgressGateway.start(GatewaySettings.defaults(identity(ca, g.getValue(), resources))
                        .withWorkload(g.getValue())
                        .withBind("127.0.0.1", offset)
                        .withHosts(HostMap.parse(List.of(), setup.standInConnectTo()))
                        .withCaBundle(Optional.of(setup.publicCaFile()))
                        .withAccessLog(gatewayLog)
                        .withReloads(reloads), store::current);
                resources.addFirst(gateway);
                gateways.add(gateway);
                for (int port : List.of(80, 443)) {
                    sidecarConnectTo.add(g.getKey() + ":" + port + ":127.0.0.1:" + (offset + port));
                }
            }
            HostMap sidecarHosts = HostMap.parse(List.of(), sidecarConnectTo);
            Map<DemoWorkload, Sidecar> sidecars = new LinkedHashMap<>();
            Map<DemoWorkload, LogBook> sidecarLogs = new LinkedHashMap<>();
            for (DemoWorkload w : Scenario.WORKLOADS) {
                LogBook log = new LogBook(logs.resolve("sidecar-" + w.namespace() + "-" + w.serviceAccount() + ".log"));
                resources.add(log);
                sidecarLogs.put(w, log);
                WorkloadRef ref = new WorkloadRef(w.namespace(), w.serviceAccount(), Map.of("app", w.serviceAccount()));
                Sidecar sidecar = Sidecar.start(SidecarSettings.defaults(ref, identity(ca, ref, resources))
                        .withListen(new InetSocketAddress("127.0.0.1", 0))
                        .withHosts(sidecarHosts)
                        .withCaBundle(Optional.of(setup.publicCaFile()))
                        .withAccessLog(log)
                        .withReloads(reloads), store::current);
                resources.addFirst(sidecar);
                sidecars.put(w, sidecar);
            }
            // the proxies watch their files as standalone ones do; awaitConfiguration also reloads at once
            store.addListener(s -> gateways.forEach(EgressGateway::refresh));
            store.watch(Duration.ofMillis(250));
            ProxyDemoMesh mesh = new ProxyDemoMesh(store, gateways, sidecars, resources, gatewayLog, sidecarLogs);
            mesh.awaitConfiguration(DemoRunner.RELOAD_TIMEOUT);
            return mesh;
        } catch (Exception | Error e) {
            closeAll(resources);
            throw e;
        }
    }

    /** A certificate for {@code workload} from the mesh CA, renewed in the background (what --ca-dir does). */
    private static MeshIdentity identity(MeshCa ca, WorkloadRef workload, List<AutoCloseable> resources) {
        RotatingCertificate rotating = new RotatingCertificate(
                () -> ca.issueWorkload(workload.namespace(), workload.serviceAccount(), CERTIFICATE_TTL), Clock.systemUTC());
        resources.add(rotating);
        return MeshIdentity.rotating(rotating, ca.rootCertificate());
    }

    @Override
    public InetSocketAddress sidecar(DemoWorkload workload) {
        Sidecar s = sidecars.get(workload);
        if (s == null) {
            throw new IllegalArgumentException("no sidecar for " + workload);
        }
        return s.address();
    }

    @Override
    public void awaitConfiguration(Duration timeout) {
        requireOk(store.reload());
        try {
            for (EgressGateway gateway : gateways) {
                if (!gateway.refresh().await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new IllegalStateException("the gateway did not bind its listeners within " + timeout);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the gateway bound its listeners", e);
        }
        if (gateways.stream().anyMatch(g -> !g.ready()) || sidecars.values().stream().anyMatch(s -> !s.ready())) {
            throw new IllegalStateException("a proxy is not ready after the reload (see its log)");
        }
    }

    @Override
    public Optional<String> gatewayDenial(DemoWorkload from, String host) {
        String principal = new SpiffeId(MeshCa.DEFAULT_TRUST_DOMAIN, from.namespace(), from.serviceAccount()).principal();
        return gatewayLog.latest(e -> e.decision().equals(ProxyDecision.DENIED.text())
                && e.sourcePrincipal().map(principal::equals).orElse(false)
                && (e.sni().map(n -> AsciiCase.equalsIgnoreCase(n, host)).orElse(false)
                        || AsciiCase.equalsIgnoreCase(e.destinationHost(), host)));
    }

    @Override
    public Optional<String> sidecarRefusal(DemoWorkload from, String host) {
        LogBook log = sidecarLogs.get(from);
        return log == null ? Optional.empty()
                : log.latest(e -> e.decision().equals(ProxyDecision.REFUSED.text())
                        && AsciiCase.equalsIgnoreCase(e.destinationHost(), host));
    }

    @Override
    public void close() {
        closeAll(resources);
    }

    private static void closeAll(List<AutoCloseable> resources) {
        for (AutoCloseable r : resources) {
            try {
                if (r instanceof ProxyHandle p) {
                    p.drain(Duration.ZERO);
                } else {
                    r.close();
                }
            } catch (Exception ignored) {
                // stopping: nothing more to do
            }
        }
    }

    private static void requireOk(LoadResult result) {
        if (!result.ok()) {
            throw new IllegalStateException("the demo configuration did not load: " + result.errors().stream()
                    .map(Object::toString).collect(Collectors.joining("; ")));
        }
    }

    /** One proxy's access log: the latest entries in memory, to show in the report, and every entry in a file. */
    static final class LogBook implements Consumer<AccessLogEntry>, AutoCloseable {
        private final Deque<AccessLogEntry> latest = new ConcurrentLinkedDeque<>();
        private final PrintStream stream;
        private final Consumer<AccessLogEntry> file;

        LogBook(Path path) throws IOException {
            stream = new PrintStream(Files.newOutputStream(path), true, StandardCharsets.UTF_8);
            file = AccessLog.printing(stream, AccessLog.Format.JSON);
        }

        @Override
        public void accept(AccessLogEntry entry) {
            latest.addLast(entry);
            while (latest.size() > LOG_LINES) {
                latest.pollFirst();
            }
            file.accept(entry);
        }

        /**
         * The latest entry that matches, in Envoy-like text. A tunnel is logged when the proxy's side closes, which
         * may be just after the client gave up, so this waits a little for it.
         */
        Optional<String> latest(Predicate<AccessLogEntry> match) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (true) {
                Optional<AccessLogEntry> found = latest.stream().filter(match).reduce((a, b) -> b);
                if (found.isPresent() || System.nanoTime() > deadline) {
                    return found.map(AccessLogEntry::text);
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Optional.empty();
                }
            }
        }

        @Override
        public void close() {
            stream.flush();
        }
    }
}
