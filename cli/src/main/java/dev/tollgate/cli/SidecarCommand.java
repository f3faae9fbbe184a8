package dev.tollgate.cli;

import com.google.common.net.HostAndPort;

import dev.tollgate.config.ConfigStore;
import dev.tollgate.config.LoadResult;
import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import dev.tollgate.identity.IssuedCertificate;
import dev.tollgate.identity.MeshCa;
import dev.tollgate.identity.PemFiles;
import dev.tollgate.identity.RotatingCertificate;
import dev.tollgate.identity.TrustBundle;
import dev.tollgate.proxy.AccessLog;
import dev.tollgate.proxy.AccessLogEntry;
import dev.tollgate.proxy.CertifiedKey;
import dev.tollgate.proxy.ConnectSettings;
import dev.tollgate.proxy.HostMap;
import dev.tollgate.proxy.MeshIdentity;
import dev.tollgate.proxy.NativeWarmUp;
import dev.tollgate.proxy.ProxyHandle;
import dev.tollgate.proxy.ReloadStats;
import dev.tollgate.proxy.Sidecar;
import dev.tollgate.proxy.SidecarSettings;
import dev.tollgate.proxy.UpstreamPoolSettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/** {@code tollgate sidecar}: one workload's outbound proxy, used through {@code http_proxy}/{@code https_proxy}. */
@Command(name = "sidecar", sortOptions = false, mixinStandardHelpOptions = true,
        headerHeading = "%n", header = "Run a workload's sidecar: its explicit HTTP proxy for outbound traffic.",
        description = {
                "The application uses it as its proxy (http_proxy and https_proxy; curl ignores an upper-case",
                "HTTP_PROXY). http:// requests arrive as absolute-URI requests, https:// as CONNECT host:443 followed",
                "by the application's own TLS. The sidecar applies its workload's view of the configuration, as",
                "Istio's does: the registry and exportTo, Sidecar resources, the outbound traffic policy, then the",
                "VirtualService routes that may send the host to the egress gateway (mTLS with this workload's",
                "certificate).",
                "",
                "A refusal is 502 with the reason as the body (CONNECT too); the Host header must match the URI, and",
                "the TLS SNI inside a CONNECT must match the CONNECT host, or the request is refused and logged.",
                "The configuration files are watched: a change applies to new connections; a broken file keeps the",
                "last good configuration. SIGTERM stops accepting and lets open requests finish (--drain-timeout).",
                "",
                "With --capture PORT it also takes connections the kernel redirects to it, for applications that",
                "ignore proxy settings (as Istio's sidecar captures outbound traffic): nftables 'redirect to :PORT'",
                "in the nat output hook of the pod's network namespace (see 'tollgate capture-rules'), and the",
                "original destination read with SO_ORIGINAL_DST. TLS is decided by its SNI (without one, by the",
                "original destination address), plain HTTP by each request's Host, anything else as TCP by the",
                "original destination address and port (ServiceEntry addresses). A refused TLS or TCP connection is",
                "closed (curl exit 35); a refused HTTP request gets 502 with the reason. A Host or SNI naming another",
                "host than the one a ServiceEntry pins the original destination address to is refused.",
                ""},
        footerHeading = "%nExample:%n",
        footer = {
                "  tollgate ca init --dir ./ca",
                "  tollgate sidecar --namespace default --service-account sleep -f config/ --ca-dir ./ca \\",
                "      --listen 127.0.0.1:15001 \\",
                "      --connect-to istio-egressgateway.istio-system.svc.cluster.local:80:127.0.0.1:10080",
                "  http_proxy=http://127.0.0.1:15001 https_proxy=http://127.0.0.1:15001 \\",
                "      curl -I https://developers.google.com/"})
final class SidecarCommand implements Callable<Integer> {

    @Option(names = "--namespace", required = true, paramLabel = "NS",
            description = "The workload's namespace: its identity (never a config default; see --config-namespace).")
    String namespace;

    @Option(names = "--service-account", required = true, paramLabel = "SA", description = "The workload's service account.")
    String serviceAccount;

    @Option(names = "--labels", paramLabel = "K=V[,K=V...]", description = "The workload's pod labels (Sidecar and policy selectors).")
    String labels = "";

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:15001",
            description = "Where the application's proxy settings point (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--capture", paramLabel = "PORT",
            description = "Also accept connections redirected to PORT on 127.0.0.1 (and [::1] where it exists) by nftables 'redirect' (transparent capture, as Istio's REDIRECT mode; Istio uses 15001). Needs the native epoll transport (Linux). The decisions are the explicit proxy's and 'tollgate check''s.")
    Integer capture;

    @Option(names = "--splice", negatable = true, defaultValue = "false", fallbackValue = "true",
            description = "Experimental, do not use for data you need: relay bulk direct CONNECT tunnels (after 1 MiB one way) with splice(2), without copying through user space (epoll only). Off by default because the byte-exact tunnel tests show it losing the tail of transfers when a side closes and leaving sockets open; its byte counts and idle timer also see the traffic only in 32 KiB chunks, and it was not measured faster. Without it (the default) every byte is copied and half-closes are relayed exactly.")
    boolean splice;

    @Mixin
    ProxyOptions proxy;

    @Mixin
    LimitOptions limits;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        WorkloadRef workload = new WorkloadRef(namespace, serviceAccount, ProxyOptions.labels(labels));
        Optional<Integer> capturePort = capturePort();
        try (ProxyOptions.Running run = proxy.open(err, namespace, serviceAccount)) {
            SidecarSettings settings = SidecarSettings.defaults(workload, run.identity())
                    .withListen(ProxyOptions.address(listen, "--listen"))
                    .withHosts(proxy.hostMap())
                    .withCaBundle(Optional.ofNullable(proxy.caBundle))
                    .withAdmin(proxy.adminAddress())
                    .withAccessLog(proxy.accessLog())
                    .withIdleTimeout(CaCommand.parseDuration(proxy.idleTimeout))
                    .withReloads(run.reloadStats())
                    .withSplice(splice)
                    .withConnect(proxy.connectSettings())
                    .withLimits(limits.limits())
                    .withUpstreamPool(proxy.upstreamPool())
                    .withCapture(capturePort);
            Sidecar sidecar = Sidecar.start(settings, run.store()::current);
            err.println("tollgate sidecar " + workload.displayName() + ": listening on " + sidecar.address()
                    + (sidecar.captureAddresses().isEmpty() ? "" : ", capturing on " + String.join(", ",
                    sidecar.captureAddresses().stream().map(Object::toString).toList()))
                    + sidecar.adminAddress().map(a -> ", admin on " + a).orElse(""));
            err.flush();
            return run.serveUntilSignal(sidecar);
        }
    }

    private Optional<Integer> capturePort() {
        if (capture == null) {
            return Optional.empty();
        }
        if (capture < 0 || capture > 65535) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--capture: port out of range: " + capture);
        }
        return Optional.of(capture);
    }

    /** What both proxies take: configuration, identity, name maps, admin, access log, timeouts. */
    static final class ProxyOptions {
        @Option(names = {"-f", "--filename"}, required = true, paramLabel = "[NAMESPACE=]PATH",
                description = "A YAML file or folder (Istio resources, IstioOperator, the istio ConfigMap), or - for standard input (read once, not watched). Repeatable. Watched: changes apply to new connections; a broken file keeps the last good configuration.")
        List<String> files = new ArrayList<>();

        @Option(names = {"-R", "--recursive"},
                description = "Read the subfolders of -f folders too, as 'kubectl apply -R' does.")
        boolean recursive;

        @Option(names = "--config-namespace", paramLabel = "NAMESPACE", defaultValue = "default",
                description = "The namespace for resources without metadata.namespace (what -n is for the other commands; here --namespace is the workload's identity). Default: ${DEFAULT-VALUE}.")
        String configNamespace = "default";

        @Option(names = "--set", paramLabel = "meshConfig.KEY=VALUE", description = "A mesh setting, as with 'istioctl install --set'. Repeatable.")
        List<String> set = new ArrayList<>();

        @Option(names = "--ca-dir", paramLabel = "DIR",
                description = "Issue and renew this proxy's workload certificate from the CA in DIR ('tollgate ca init'). It can mint any identity: for development, tests and the demo only.")
        Path caDir;

        @Option(names = "--cert-dir", paramLabel = "DIR",
                description = {"Use key.pem, cert-chain.pem and root-cert.pem from DIR ('tollgate ca issue --out DIR').", "root-cert.pem may hold several roots, all trusted, and is re-read when it changes."})
        Path certDir;

        @Option(names = "--ca-bundle", paramLabel = "FILE",
                description = "PEM roots that TLS origination trusts instead of the system trust store.")
        Path caBundle;

        @Option(names = "--resolve", paramLabel = "HOST:PORT:ADDR[,ADDR]",
                description = "As curl's --resolve: connect to ADDR for HOST:PORT. Repeatable.")
        List<String> resolve = new ArrayList<>();

        @Option(names = "--connect-to", paramLabel = "HOST1:PORT1:HOST2:PORT2",
                description = "As curl's --connect-to: connect to HOST2:PORT2 instead of HOST1:PORT1 (empty parts match any / keep). Repeatable.")
        List<String> connectTo = new ArrayList<>();

        @Option(names = "--allow-destination-cidr", paramLabel = "CIDR",
                description = "Let upstream connections reach this address block although the address guard refuses it by default, e.g. 10.0.0.0/8. Repeatable. By default DNS answers and addresses a client writes may not be loopback, unspecified, link-local (cloud metadata), multicast, reserved or private (RFC 1918, 100.64.0.0/10, IPv6 unique-local; mesh peers over ISTIO_MUTUAL excepted), also inside IPv6 (::ffff:127.0.0.1). Addresses you give with --resolve, --connect-to or ServiceEntry endpoints/addresses are trusted. Nothing reaches the proxy's own listener and admin ports.")
        List<String> allowDestinationCidrs = new ArrayList<>();

        @Option(names = "--connect-timeout", paramLabel = "DURATION", defaultValue = "10s",
                description = "How long resolving, connecting and the TLS handshake to an upstream may take together; then the request gets 503 (or the tunnel is refused) with reason 'connect timeout' (default: ${DEFAULT-VALUE}, Istio's meshConfig.connectTimeout).")
        String connectTimeout = "10s";

        @Option(names = "--admin", paramLabel = "HOST:PORT",
                description = "Serve /metrics, /ready, /healthz and /config_dump here (it shows the configuration: keep it on 127.0.0.1).")
        String admin;

        @Option(names = "--access-log", paramLabel = "json|text", defaultValue = "json",
                description = "Access log format on standard output (default: ${DEFAULT-VALUE}).")
        String accessLogFormat;

        @Option(names = "--drain-timeout", paramLabel = "DURATION", defaultValue = "30s",
                description = "On SIGTERM, how long open requests and tunnels may finish (default: ${DEFAULT-VALUE}).")
        String drainTimeout;

        @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "1h",
                description = "Close connections with no traffic either way for this long: idle keep-alive connections and tunnels (default: ${DEFAULT-VALUE}).")
        String idleTimeout;


        @Option(names = "--upstream-idle-timeout", paramLabel = "DURATION", defaultValue = "4s",
                description = "How long an idle upstream connection (direct HTTP, TLS origination) is kept for the "
                        + "next request. Keep it below the origins' keep-alive timeout (5 s for Apache httpd and "
                        + "Node.js): a connection the origin closes just as it is reused costs a retry (GET) or a 503 "
                        + "(POST). mTLS connections to the egress gateway are kept 60 s (default: ${DEFAULT-VALUE}).")
        String upstreamIdleTimeout;

        @Option(names = "--upstream-max-idle", paramLabel = "N", defaultValue = "1024",
                description = "Idle upstream connections kept in all; 0 opens a new connection for every request. "
                        + "Metric tollgate_upstream_pool_idle (default: ${DEFAULT-VALUE}).")
        int upstreamMaxIdle;

        @Option(names = "--upstream-max-idle-per-host", paramLabel = "N", defaultValue = "32",
                description = "Idle connections kept per upstream (host, address and TLS settings) and I/O thread (default: ${DEFAULT-VALUE}).")
        int upstreamMaxIdlePerHost;

        @Option(names = "--upstream-max-age", paramLabel = "DURATION", defaultValue = "10m",
                description = "No upstream connection is reused once this old, so a renewed certificate is used soon (default: ${DEFAULT-VALUE}).")
        String upstreamMaxAge;

        @Option(names = "--max-config-file-size", paramLabel = "SIZE", defaultValue = "4Mi",
                description = "The largest config file read (bytes, or with Ki/Mi); a larger one is a reload error "
                        + "naming it, and the last good configuration stays in force (default: ${DEFAULT-VALUE}).")
        String maxConfigFileSize;

        @Option(names = "--max-yaml-scalar-size", paramLabel = "SIZE", defaultValue = "1Mi",
                description = "The longest YAML key or value, in characters (or with Ki/Mi); a longer one is an "
                        + "error at its file and line (default: ${DEFAULT-VALUE}).")
        String maxYamlScalarSize;

        @Option(names = "--watch-interval", paramLabel = "DURATION", defaultValue = "1s",
                description = "How often the configuration files are checked for changes (default: ${DEFAULT-VALUE}).")
        String watchInterval;

        ConnectSettings connectSettings() {
            return new ConnectSettings(CaCommand.parseDuration(connectTimeout), allowDestinationCidrs);
        }

        UpstreamPoolSettings upstreamPool() {
            if (upstreamMaxIdle < 0 || upstreamMaxIdlePerHost < 0) {
                throw new IllegalArgumentException("--upstream-max-idle and --upstream-max-idle-per-host must not be "
                        + "negative");
            }
            return UpstreamPoolSettings.DEFAULTS.withIdle(CaCommand.parseDuration(upstreamIdleTimeout))
                    .withMaxAge(CaCommand.parseDuration(upstreamMaxAge))
                    .withMaxIdle(upstreamMaxIdlePerHost, upstreamMaxIdle);
        }

        HostMap hostMap() {
            return HostMap.parse(resolve, connectTo);
        }

        Optional<InetSocketAddress> adminAddress() {
            return admin == null ? Optional.empty() : Optional.of(address(admin, "--admin"));
        }

        Consumer<AccessLogEntry> accessLog() {
            return switch (accessLogFormat.toLowerCase()) {
                case "json" -> AccessLog.stdout(AccessLog.Format.JSON);
                case "text" -> AccessLog.stdout(AccessLog.Format.TEXT);
                default -> throw new IllegalArgumentException("--access-log " + accessLogFormat + ": json or text");
            };
        }

        /** A listening address: Guava splits it (IPv6 in brackets); port 0 asks for an ephemeral one. */
        static InetSocketAddress address(String s, String flag) {
            HostAndPort hp;
            try {
                hp = HostAndPort.fromString(s).requireBracketsForIPv6();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(flag + " " + s + ": the port must be 0-65535");
            }
            if (!hp.hasPort() || hp.getHost().isEmpty()) {
                throw new IllegalArgumentException(flag + " " + s + ": expected HOST:PORT");
            }
            return new InetSocketAddress(hp.getHost(), hp.getPort());
        }

        static Map<String, String> labels(String s) {
            Map<String, String> m = new LinkedHashMap<>();
            for (String kv : s.split(",")) {
                if (kv.isBlank()) {
                    continue;
                }
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("--labels " + s + ": expected KEY=VALUE[,KEY=VALUE...]");
                }
                m.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
            }
            return m;
        }

        /** Loads the configuration (failing on errors: there is no last good one yet), the identity, and the watch. */
        Running open(PrintWriter err, String namespace, String serviceAccount) {
            if ((caDir == null) == (certDir == null)) {
                throw new IllegalArgumentException("give exactly one of --ca-dir DIR (issue and renew from a CA) "
                        + "and --cert-dir DIR (key.pem, cert-chain.pem, root-cert.pem)");
            }
            NativeWarmUp.start();
            ConfigOptions shared = new ConfigOptions();
            shared.files = files;
            shared.namespace = configNamespace;
            shared.set = set;
            shared.maxFileSize = maxConfigFileSize;
            shared.maxScalarSize = maxYamlScalarSize;
            shared.recursive = recursive;
            ConfigStore store = new ConfigStore(shared.sources(), shared.loadOptions(), SnapshotCompiler::compile);
            LoadResult first = store.reload();
            for (Diagnostic d : first.diagnostics()) {
                if (d.severity() != Diagnostic.Severity.INFO || !first.ok()) {
                    err.println(d.format());
                }
            }
            if (!first.ok()) {
                store.close();
                throw new ConfigLoading.ConfigurationError("the configuration has errors; the proxy did not start");
            }
            RotatingCertificate rotating = null;
            MeshIdentity identity;
            if (caDir != null) {
                MeshCa ca = MeshCa.load(caDir);
                rotating = new RotatingCertificate(() -> ca.issueWorkload(namespace, serviceAccount,
                        MeshCa.DEFAULT_WORKLOAD_TTL), Clock.systemUTC());
                identity = MeshIdentity.rotating(rotating, ca.rootCertificate());
            } else {
                List<X509Certificate> chain = PemFiles.readCertificates(certDir.resolve("cert-chain.pem"));
                IssuedCertificate issued = new IssuedCertificate(PemFiles.readPrivateKey(certDir.resolve("key.pem")),
                        chain.getFirst(), chain);
                if (!Instant.now().isBefore(issued.notAfter())) {
                    throw new IllegalArgumentException("the certificate in " + certDir + " expired at "
                            + issued.notAfter());
                }
                CertifiedKey key = CertifiedKey.of(issued);
                // re-read when it changes: a root rotation reaches the proxy without a restart
                identity = new MeshIdentity(() -> key, TrustBundle.watch(certDir.resolve("root-cert.pem")));
            }
            store.watch(CaCommand.parseDuration(watchInterval));
            return new Running(store, rotating, identity, CaCommand.parseDuration(drainTimeout), err);
        }

        /** A loaded, watched configuration and an identity, closed when the proxy stops. */
        record Running(ConfigStore store, RotatingCertificate rotating, MeshIdentity identity, Duration drain,
                       PrintWriter err) implements AutoCloseable {
            ReloadStats reloadStats() {
                return ReloadStats.of(store);
            }

            /**
             * Blocks until SIGTERM/SIGINT, then drains the proxy (stop accepting, finish open work) and returns 0.
             * Interrupting the thread that runs the command stops it the same way, without a signal (for a caller
             * that runs the command in its own JVM, such as a test).
             */
            int serveUntilSignal(ProxyHandle handle) {
                CountDownLatch stopped = new CountDownLatch(1);
                Thread hook = new Thread(() -> {
                    stop(handle);
                    stopped.countDown();
                }, "tollgate-shutdown");
                Runtime.getRuntime().addShutdownHook(hook);
                try {
                    stopped.await();
                } catch (InterruptedException e) {
                    try {
                        Runtime.getRuntime().removeShutdownHook(hook);
                    } catch (IllegalStateException shuttingDown) {
                        // the JVM is exiting and the hook is draining
                        return 0;
                    }
                    stop(handle);
                }
                return 0;
            }

            private void stop(ProxyHandle handle) {
                err.println("tollgate: stopping; draining open requests for up to " + drain.toSeconds() + " s");
                err.flush();
                boolean clean = handle.drain(drain);
                err.println(clean ? "tollgate: drained" : "tollgate: drain deadline reached; closed the rest");
                err.flush();
            }

            @Override
            public void close() {
                store.close();
                if (rotating != null) {
                    rotating.close();
                }
                identity.trust().close();
            }
        }
    }
}
