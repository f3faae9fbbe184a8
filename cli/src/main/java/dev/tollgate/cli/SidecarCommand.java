package dev.tollgate.cli;

import com.google.common.net.HostAndPort;

import dev.tollgate.api.config.v1.Node;
import dev.tollgate.config.ConfigStore;
import dev.tollgate.config.SnapshotSource;
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

    @Option(names = "--namespace", paramLabel = "NS", defaultValue = "${env:POD_NAMESPACE}",
            description = "The workload's namespace: its identity (never a config default; see --config-namespace). Default: env POD_NAMESPACE, which 'tollgate inject' sets from the downward API (metadata.namespace); one of them is required.")
    String namespace;

    @Option(names = "--service-account", paramLabel = "SA", defaultValue = "${env:SERVICE_ACCOUNT}",
            description = "The workload's service account. Default: env SERVICE_ACCOUNT, which 'tollgate inject' sets from the downward API (spec.serviceAccountName); one of them is required.")
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
        // required, but from the flag or the pod's environment: picocli's 'required' would ignore the environment
        requireFlagOrEnv(spec, namespace, "--namespace NS", "POD_NAMESPACE");
        requireFlagOrEnv(spec, serviceAccount, "--service-account SA", "SERVICE_ACCOUNT");
        WorkloadRef workload = new WorkloadRef(namespace, serviceAccount, proxy.labels(labels,
                spec.commandLine().getParseResult().hasMatchedOption("--labels")));
        Optional<Integer> capturePort = capturePort();
        try (ProxyOptions.Running run = proxy.open(err, workload, Node.Kind.SIDECAR)) {
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
            Sidecar sidecar = Sidecar.start(settings, run.config()::current);
            proxy.serveHealth(sidecar, err);
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

    static void requireFlagOrEnv(CommandLine.Model.CommandSpec spec, String value, String flag, String env) {
        if (value == null || value.isBlank()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "give " + flag + " or set the environment variable " + env);
        }
    }

    /** What both proxies take: configuration, identity, name maps, admin, access log, timeouts. */
    static final class ProxyOptions {
        @Option(names = {"-f", "--filename"}, paramLabel = "[NAMESPACE=]PATH",
                description = "A YAML file or folder (Istio resources, IstioOperator, the istio ConfigMap), or - for standard input (read once, not watched). Repeatable. Watched: changes apply to new connections; a broken file keeps the last good configuration. Either -f or --control-plane.")
        List<String> files = new ArrayList<>();

        @Option(names = "--control-plane", paramLabel = "HOST:PORT",
                description = "Take the workload certificate (by --token-file) and the configuration (pushed, versioned) from the Tollgate control plane at HOST:PORT, e.g. tollgate-control.tollgate-system.svc:15012, instead of -f, --ca-dir and --cert-dir. Until the first configuration arrives every request is refused and /ready is 503; when the control plane is unreachable the last good configuration stays in force (tollgate_config_age_seconds).")
        String controlPlane;

        @Option(names = "--control-plane-name", paramLabel = "NAME",
                description = "The DNS name the control plane's certificate must carry (default: the HOST of --control-plane).")
        String controlPlaneName;

        @Option(names = "--token-file", paramLabel = "PATH", defaultValue = "/var/run/secrets/tokens/tollgate-token",
                description = "The projected service-account token (audience tollgate) that proves this workload's identity to the control plane's CA; re-read for every certificate (default: ${DEFAULT-VALUE}).")
        Path tokenFile;

        @Option(names = "--root-cert", paramLabel = "FILE", defaultValue = "/var/run/secrets/tollgate/root-cert.pem",
                description = "The mesh roots (PEM, all trusted) that the control plane's certificate and the mesh peers' must chain to (default: ${DEFAULT-VALUE}).")
        Path rootCert;

        @Option(names = "--labels-file", paramLabel = "FILE",
                description = "The pod's labels as the downward API writes them (key=\"value\" per line), instead of --labels.")
        Path labelsFile;

        @Option(names = "--pod-name", paramLabel = "NAME", defaultValue = "${env:POD_NAME}",
                description = "The pod's name, for the control plane's logs and metrics. Default: env POD_NAME, which 'tollgate inject' sets from the downward API (metadata.name).")
        String podName;

        @Option(names = "--health", paramLabel = "HOST:PORT",
                description = "Also serve /healthz, /ready and /metrics (never /config_dump) here, e.g. 0.0.0.0:15021 for the kubelet's probes and Prometheus; --admin stays on 127.0.0.1.")
        String health;

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

        /** The pod's labels: from --labels-file when given, else the command's --labels. */
        Map<String, String> labels(String labelsFlag, boolean labelsGiven) {
            if (labelsFile == null) {
                return labels(labelsFlag);
            }
            if (labelsGiven) {
                throw new IllegalArgumentException("give --labels or --labels-file, not both");
            }
            return PodLabels.read(labelsFile);
        }

        /**
         * The configuration (from files, or pushed by --control-plane) and the identity, for a proxy of {@code kind}.
         * Files must load now (there is no last good configuration yet); a pushed one arrives later, and until then
         * the proxy refuses everything.
         */
        Running open(PrintWriter err, WorkloadRef workload, Node.Kind kind) {
            if (controlPlane != null) {
                List<String> conflicting = new ArrayList<>();
                if (!files.isEmpty()) {
                    conflicting.add("-f");
                }
                if (caDir != null) {
                    conflicting.add("--ca-dir");
                }
                if (certDir != null) {
                    conflicting.add("--cert-dir");
                }
                if (!conflicting.isEmpty()) {
                    throw new IllegalArgumentException("--control-plane gives the configuration and the certificate; "
                            + "it cannot be combined with " + String.join(", ", conflicting));
                }
                NativeWarmUp.start();
                ControlPlaneSource pushed = ControlPlaneSource.connect(controlPlane, controlPlaneName, tokenFile,
                        rootCert, ControlPlaneSource.node(kind, workload, podName));
                err.println("tollgate: configuration and certificate from the control plane " + controlPlane
                        + " (as " + pushed.rotating().current().spiffeId().map(Object::toString).orElse("?") + ")");
                return new Running(pushed.client(), List.of(pushed), pushed.identity(),
                        CaCommand.parseDuration(drainTimeout), err);
            }
            if (files.isEmpty()) {
                throw new IllegalArgumentException("give -f FILE (a file, a folder, or - for standard input) or "
                        + "--control-plane HOST:PORT");
            }
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
                rotating = new RotatingCertificate(() -> ca.issueWorkload(workload.namespace(),
                        workload.serviceAccount(), MeshCa.DEFAULT_WORKLOAD_TTL), Clock.systemUTC());
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
            return new Running(store, rotating == null ? List.of() : List.of(rotating), identity,
                    CaCommand.parseDuration(drainTimeout), err);
        }

        /** Serves the health port on {@code proxy} when --health was given. */
        void serveHealth(ProxyHandle proxy, PrintWriter err) throws InterruptedException {
            if (health != null) {
                err.println("tollgate: health (/healthz /ready /metrics) on " + proxy.serveHealth(address(health,
                        "--health")));
            }
        }

        /**
         * A configuration source (watched files or the control plane's push) and an identity, with what keeps them
         * fresh ({@code closeables}: a renewing certificate, a CA client), closed when the proxy stops.
         */
        record Running(SnapshotSource config, List<AutoCloseable> closeables, MeshIdentity identity, Duration drain,
                       PrintWriter err) implements AutoCloseable {
            ReloadStats reloadStats() {
                return ReloadStats.of(config);
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
                config.close();
                for (AutoCloseable c : closeables) {
                    try {
                        c.close();
                    } catch (Exception e) {
                        err.println("tollgate: closing " + c + ": " + e);
                    }
                }
                identity.trust().close();
            }
        }
    }
}
