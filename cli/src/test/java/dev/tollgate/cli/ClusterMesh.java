package dev.tollgate.cli;

import dev.tollgate.cli.demo.DemoSetup;
import dev.tollgate.cli.demo.DemoWorkload;
import dev.tollgate.cli.kube.LiveCluster;
import dev.tollgate.control.ca.TokenReviews;
import dev.tollgate.control.push.ProxyView;
import dev.tollgate.control.watch.ClusterWatch;
import dev.tollgate.control.watch.WatchedSnapshot;
import dev.tollgate.core.model.EgressGatewayIdentity;
import dev.tollgate.core.model.ProxyRef;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.identity.MeshCa;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tutorial's cluster, for real: fabric8's mock API server ({@link LiveCluster}, TokenReview stubbed per pod
 * token), {@code tollgate control} in this JVM with the CA Secret made from the demo's mesh CA, and real proxies
 * connected to it ({@code tollgate sidecar --control-plane} per workload, {@code tollgate gateway --control-plane} for
 * istio-egressgateway), each with the files a pod has: its projected token, the root from the {@code tollgate-ca-root}
 * ConfigMap the control plane publishes, its labels as the downward API writes them. External hosts are the demo's
 * stand-ins ({@link DemoSetup}), reached through the proxies' {@code --connect-to}, as the demo maps them.
 *
 * <p>An oracle watch (the control plane's own {@link ClusterWatch} code on the same API server) says which version
 * each proxy's view must reach after a change ({@link ProxyView#of}), so a step waits for exactly that.
 */
final class ClusterMesh implements AutoCloseable {
    static final String CONTROL_NAME = "tollgate-control.tollgate-system.svc";
    static final String GATEWAY_SA = EgressGatewayIdentity.SERVICE_ACCOUNT;
    static final Duration WAIT = Duration.ofSeconds(30);
    private static final Pattern GRPC_PORT = Pattern.compile("gRPC \\(CA and config\\) on port (\\d+)");

    final Path dir;
    final LiveCluster cluster = new LiveCluster();
    final DemoSetup setup;
    final int gatewayOffset;
    private final List<AutoCloseable> standIns = new ArrayList<>();
    private final Path kubeconfig;
    private final ClusterWatch oracle;
    ControlCommandTest.Running control;
    int controlPort;
    final Map<DemoWorkload, Proxy> sidecars = new LinkedHashMap<>();
    Proxy gateway;

    /** A proxy as a pod runs it: its workload, the command running, and its health port (/ready, /metrics). */
    record Proxy(WorkloadRef workload, ProxyRef.Kind kind, ProxyCommandsTest.Running running, int health) {
        HttpResponse<String> ready() throws Exception {
            return ProxyCommandsTest.admin(health, "/ready");
        }

        double configAge() throws Exception {
            return ProxyCommandsTest.metric(health, "tollgate_config_age_seconds");
        }

        int port() {
            return running.port;
        }
    }

    ClusterMesh(Path dir) throws Exception {
        this.dir = dir;
        setup = DemoSetup.prepare(dir, standIns);
        gatewayOffset = DemoSetup.gatewayPortOffset();
        var client = cluster.client;
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("tollgate-system")
                .endMetadata().build()).create();
        client.secrets().inNamespace("tollgate-system").resource(new SecretBuilder().withNewMetadata()
                .withName("tollgate-ca").endMetadata()
                .addToData("ca.crt", ControlCommandTest.base64(setup.meshCaDir().resolve(MeshCa.CERT_FILE)))
                .addToData("ca.key", ControlCommandTest.base64(setup.meshCaDir().resolve(MeshCa.KEY_FILE))).build())
                .create();
        kubeconfig = cluster.kubeconfig(dir);
        oracle = new ClusterWatch(client, new SimpleMeterRegistry(),
                new ClusterWatch.Options("istio-system", Duration.ofMillis(50), Duration.ofMillis(500)));
    }

    /** The mesh's outbound policy, then the control plane, once the istio ConfigMap is there as istioctl leaves it. */
    ClusterMesh startControlPlane(String outboundTrafficPolicy) throws Exception {
        cluster.outboundTrafficPolicy(outboundTrafficPolicy);
        oracle.start();
        startControlPlane(0);
        return this;
    }

    /** {@code tollgate control} on {@code port} (0: any), waited for until ready. */
    void startControlPlane(int port) throws Exception {
        control = ControlCommandTest.Running.start("--kubeconfig", kubeconfig.toString(),
                "--listen", "127.0.0.1:" + port, "--admin", "127.0.0.1:0", "--server-name", CONTROL_NAME);
        Matcher m = GRPC_PORT.matcher(control.err().toString());
        assertThat(m.find()).as(control.err().toString()).isTrue();
        controlPort = Integer.parseInt(m.group(1));
        String admin = control.adminAddress();
        await(() -> {
            try {
                return ControlCommandTest.get(admin, "/ready").statusCode() == 200;
            } catch (Exception e) {
                return false;
            }
        }, "the control plane's watch synced: " + control.err());
    }

    void stopControlPlane() throws Exception {
        assertThat(control.stop()).isZero();
    }

    /** A workload's pod: its ServiceAccount and Pod objects, its token (reviewed as its own), its labels file. */
    private Path pod(String namespace, String serviceAccount, String podName, Map<String, String> labels)
            throws Exception {
        var client = cluster.client;
        if (client.serviceAccounts().inNamespace(namespace).withName(serviceAccount).get() == null) {
            client.serviceAccounts().inNamespace(namespace).resource(new ServiceAccountBuilder().withNewMetadata()
                    .withName(serviceAccount).endMetadata().build()).create();
        }
        client.pods().inNamespace(namespace).resource(new PodBuilder().withNewMetadata().withName(podName)
                .withLabels(labels).endMetadata().withNewSpec().withServiceAccountName(serviceAccount)
                .addNewContainer().withName("app").withImage("curlimages/curl").endContainer().endSpec().build())
                .create();
        Path files = Files.createDirectories(dir.resolve("pods").resolve(namespace + "." + podName));
        String token = "projected-" + namespace + "-" + serviceAccount + "-" + UUID.randomUUID();
        cluster.reviews.stub(token, TokenReviews.serviceAccount(namespace, serviceAccount));
        Files.writeString(files.resolve("tollgate-token"), token);
        Files.writeString(files.resolve("labels"), labels.entrySet().stream()
                .map(e -> e.getKey() + "=\"" + e.getValue() + "\"").collect(Collectors.joining("\n")) + "\n");
        // the kubelet mounts the ConfigMap the control plane publishes in the pod's namespace
        ConfigMap root = awaitValue(() -> Optional.ofNullable(client.configMaps().inNamespace(namespace)
                .withName("tollgate-ca-root").get()), "tollgate-ca-root published in " + namespace);
        Files.writeString(files.resolve("root-cert.pem"), root.getData().get("root-cert.pem"));
        return files;
    }

    private List<String> podFlags(Path files, String podName) {
        return List.of("--labels-file", files.resolve("labels").toString(),
                "--control-plane", "127.0.0.1:" + controlPort, "--control-plane-name", CONTROL_NAME,
                "--token-file", files.resolve("tollgate-token").toString(),
                "--root-cert", files.resolve("root-cert.pem").toString(), "--pod-name", podName,
                "--health", "127.0.0.1:0", "--ca-bundle", setup.publicCaFile().toString(), "--drain-timeout", "1s");
    }

    Proxy startSidecar(DemoWorkload w) throws Exception {
        String podName = w.serviceAccount() + "-5d8f7c-" + w.namespace().charAt(0);
        Map<String, String> labels = Map.of("app", w.serviceAccount());
        Path files = pod(w.namespace(), w.serviceAccount(), podName, labels);
        List<String> args = new ArrayList<>(List.of("--namespace", w.namespace(), "--service-account",
                w.serviceAccount(), "--listen", "127.0.0.1:0"));
        args.addAll(podFlags(files, podName));
        for (String c : setup.standInConnectTo()) {
            args.addAll(List.of("--connect-to", c));
        }
        for (int p : List.of(80, 443)) {
            args.addAll(List.of("--connect-to", EgressGatewayIdentity.SERVICE_HOST + ":" + p + ":127.0.0.1:"
                    + (gatewayOffset + p)));
        }
        ProxyCommandsTest.Running r = ProxyCommandsTest.start("sidecar", args.toArray(String[]::new));
        Proxy p = new Proxy(new WorkloadRef(w.namespace(), w.serviceAccount(), labels), ProxyRef.Kind.SIDECAR, r,
                ControlPlaneSidecarTest.healthPort(r.err()));
        sidecars.put(w, p);
        return p;
    }

    Proxy startGateway() throws Exception {
        WorkloadRef w = EgressGatewayIdentity.WORKLOAD;
        Path files = pod(w.namespace(), w.serviceAccount(), "istio-egressgateway-7b9c6d-x1", w.labels());
        List<String> args = new ArrayList<>(List.of("--namespace", w.namespace(), "--service-account",
                w.serviceAccount(), "--bind", "127.0.0.1", "--port-offset", Integer.toString(gatewayOffset)));
        args.addAll(podFlags(files, "istio-egressgateway-7b9c6d-x1"));
        for (String c : setup.standInConnectTo()) {
            args.addAll(List.of("--connect-to", c));
        }
        ProxyCommandsTest.Running r = ProxyCommandsTest.start("gateway", args.toArray(String[]::new));
        gateway = new Proxy(w, ProxyRef.Kind.GATEWAY, r, ControlPlaneSidecarTest.healthPort(r.err()));
        return gateway;
    }

    List<Proxy> proxies() {
        List<Proxy> all = new ArrayList<>(sidecars.values());
        if (gateway != null) {
            all.add(gateway);
        }
        return all;
    }

    /**
     * Waits until the oracle watch has seen the cluster as {@code seen} says (what was just written), then until every
     * proxy is connected and has applied the version of its view of that snapshot.
     */
    void awaitProxies(java.util.function.Predicate<WatchedSnapshot> seen) throws Exception {
        await(() -> oracle.current().filter(seen).isPresent(), () -> "the oracle watch saw the change; it has "
                + oracle.current().map(WatchedSnapshot::resourceVersions).orElse(Map.of()));
        for (Proxy p : proxies()) {
            String[] last = {""};
            await(() -> {
                WatchedSnapshot s = oracle.current().orElseThrow();
                String want = ProxyView.of(s, p.kind(), p.workload()).version();
                try {
                    HttpResponse<String> ready = p.ready();
                    last[0] = ready.statusCode() + " " + ready.body();
                    return ready.statusCode() == 200 && ready.body().contains("version " + want + " applied")
                            && ready.body().contains(" connected");
                } catch (Exception e) {
                    last[0] = e.toString();
                    return false;
                }
            }, () -> p.workload().displayName() + " applied its view's version; last /ready: " + last[0]
                    + "\n" + p.running().err());
        }
    }

    /**
     * The snapshot holds the object at exactly the resourceVersion it was stored at ({@code present}), or does not
     * hold it. Sources are {@code cluster:[GROUP/]KIND/NAMESPACE/NAME}.
     */
    static java.util.function.Predicate<WatchedSnapshot> holds(GenericKubernetesResource r, boolean present) {
        String suffix = "/" + key(r);
        return s -> {
            Optional<String> version = s.resourceVersions().entrySet().stream()
                    .filter(e -> e.getKey().endsWith(suffix) || e.getKey().equals("cluster:" + suffix.substring(1))).map(Map.Entry::getValue).findFirst();
            return present ? version.filter(v -> v.equals(r.getMetadata().getResourceVersion())).isPresent()
                    : version.isEmpty();
        };
    }

    /** KIND/NAMESPACE/NAME. */
    static String key(GenericKubernetesResource r) {
        return r.getKind() + "/" + r.getMetadata().getNamespace() + "/" + r.getMetadata().getName();
    }

    static void await(BooleanSupplier done, String what) throws InterruptedException {
        await(done, () -> what);
    }

    static void await(BooleanSupplier done, java.util.function.Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out (" + WAIT.toSeconds() + " s) waiting until " + what.get());
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    static <T> T awaitValue(java.util.function.Supplier<Optional<T>> value, String what) throws InterruptedException {
        Object[] found = new Object[1];
        await(() -> value.get().map(v -> found[0] = v).isPresent(), what);
        @SuppressWarnings("unchecked")
        T t = (T) found[0];
        return t;
    }

    @Override
    public void close() throws Exception {
        for (Proxy p : proxies()) {
            try {
                p.running().close();
            } catch (Exception | AssertionError e) {
                // stopping: the others still must stop
            }
        }
        try {
            if (control != null && !control.exit().isDone()) {
                control.stop();
            }
        } finally {
            oracle.close();
            cluster.close();
            for (AutoCloseable s : standIns) {
                s.close();
            }
        }
    }
}
