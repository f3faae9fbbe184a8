package dev.tollgate.cli;

import dev.tollgate.cli.demo.Check;
import dev.tollgate.cli.demo.CurlRunner;
import dev.tollgate.cli.demo.DemoWorkload;
import dev.tollgate.cli.demo.Observation;
import dev.tollgate.cli.demo.Outcome;
import dev.tollgate.cli.demo.Scenario;
import dev.tollgate.cli.demo.Step;
import dev.tollgate.control.watch.WatchedSnapshot;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The tutorial (parts A and B, {@link Scenario#tutorial()}: the demo's steps and outcomes) on a cluster: the
 * resources created and deleted through the API server as {@code kubectl apply} and {@code kubectl delete} would,
 * the real control plane watching it, real sidecars and a real egress gateway connected to it, and real curl through
 * the sidecars after each step, read as the demo reads it ({@link Observation#outcome()}: 200 ok, 502 or CONNECT
 * 502 blocked by REGISTRY_ONLY, 403 or a closed tunnel denied at the gateway).
 */
@Timeout(value = 100)
class ClusterTutorialEndToEndTest {

    @TempDir
    Path dir;

    static void assumeCurl() {
        assumeTrue(CurlRunner.available(), "curl is not installed: the end-to-end tests make real curl requests");
    }

    @Test
    void realProxiesOnTheControlPlaneFollowTheTutorialStepByStep() throws Exception {
        assumeCurl();
        try (ClusterMesh mesh = new ClusterMesh(dir).startControlPlane("ALLOW_ANY")) {
            for (DemoWorkload w : Scenario.WORKLOADS) {
                mesh.startSidecar(w);
            }
            mesh.startGateway();
            assertThat(mesh.gateway.running().err()).contains("as spiffe://cluster.local/ns/istio-system/sa/"
                    + ClusterMesh.GATEWAY_SA);

            CurlRunner curl = new CurlRunner(mesh.setup.publicCaFile());
            Set<String> applied = new LinkedHashSet<>();
            String mode = "ALLOW_ANY";
            List<String> covered = new ArrayList<>();
            for (Step step : Scenario.tutorial()) {
                // by object: a later write of the same object (deleted, then applied from another file) supersedes
                Map<String, Predicate<WatchedSnapshot>> seen = new LinkedHashMap<>();
                String stepMode = step.mesh().contains("allow-any") ? "ALLOW_ANY" : "REGISTRY_ONLY";
                if (!stepMode.equals(mode)) {
                    GenericKubernetesResource istio = generic(mesh, mesh.cluster.outboundTrafficPolicy(stepMode));
                    seen.put(ClusterMesh.key(istio), ClusterMesh.holds(istio, true));
                    mode = stepMode;
                }
                Set<String> wanted = new LinkedHashSet<>();
                step.config().forEach((ns, fixtures) -> fixtures.forEach(f -> wanted.add(ns + "=" + f)));
                // kubectl delete -f what the step no longer has, then kubectl apply -f what it adds
                for (String gone : List.copyOf(applied)) {
                    if (!wanted.contains(gone)) {
                        String[] nf = gone.split("=", 2);
                        for (GenericKubernetesResource r : mesh.cluster.delete(nf[1], nf[0])) {
                            seen.put(ClusterMesh.key(r), ClusterMesh.holds(r, false));
                        }
                        applied.remove(gone);
                    }
                }
                for (String add : wanted) {
                    if (applied.add(add)) {
                        String[] nf = add.split("=", 2);
                        for (GenericKubernetesResource r : mesh.cluster.apply(nf[1], nf[0])) {
                            seen.put(ClusterMesh.key(r), ClusterMesh.holds(r, true));
                        }
                    }
                }
                mesh.awaitProxies(s -> seen.values().stream().allMatch(p -> p.test(s)));
                // the step's requests at once, as its workloads would make them: the step takes the longest one
                Map<Check, CompletableFuture<Observation>> made = new LinkedHashMap<>();
                for (Check check : step.checks()) {
                    InetSocketAddress sidecar = new InetSocketAddress("127.0.0.1", mesh.sidecars.get(check.from()).port());
                    made.put(check, CompletableFuture.supplyAsync(() -> curl.head(sidecar, check.url()),
                            r -> Thread.ofVirtual().start(r)));
                }
                for (Map.Entry<Check, CompletableFuture<Observation>> e : made.entrySet()) {
                    Check check = e.getKey();
                    Observation o = e.getValue().get();
                    assertThat(o.outcome()).as("step %s (%s): %s -> %s: %s", step.id(), step.title(), check.from(),
                            check.url(), o.detail()).isEqualTo(check.expected());
                }
                covered.add(step.id());
            }
            assertThat(covered).containsExactly("A1", "A2", "A3", "A4", "A5", "A6", "B0", "B1", "B2", "B3", "B4", "B5");

            // every proxy got its certificate by its own token, and nothing else was reviewed
            assertThat(mesh.cluster.reviews.asked).hasSize(Scenario.WORKLOADS.size() + 1)
                    .allSatisfy(r -> assertThat(r.getSpec().getAudiences()).containsExactly("tollgate"));
        }
    }

    @Test
    void aPodWithAForgedTokenGetsNoCertificateAndDoesNotStart() throws Exception {
        try (ClusterMesh mesh = new ClusterMesh(dir).startControlPlane("REGISTRY_ONLY")) {
            ClusterMesh.Proxy good = mesh.startSidecar(DemoWorkload.DEFAULT_SLEEP);
            mesh.awaitProxies(s -> true);
            assertThat(good.ready().statusCode()).isEqualTo(200);
            // the same pod's files, but a token the API server does not recognise
            Path files = dir.resolve("pods").resolve("default.sleep-5d8f7c-d");
            java.nio.file.Files.writeString(files.resolve("tollgate-token"), "eyJhbGciOiJSUzI1NiJ9.forged.sig");
            StringWriter err = new StringWriter();
            CommandLine cl = Main.commandLine();
            cl.setErr(new PrintWriter(err, true));
            cl.setOut(new PrintWriter(new StringWriter(), true));
            int exit = cl.execute("sidecar", "--namespace", "default", "--service-account", "sleep",
                    "--listen", "127.0.0.1:0", "--labels-file", files.resolve("labels").toString(),
                    "--control-plane", "127.0.0.1:" + mesh.controlPort, "--control-plane-name", ClusterMesh.CONTROL_NAME,
                    "--token-file", files.resolve("tollgate-token").toString(),
                    "--root-cert", files.resolve("root-cert.pem").toString());
            assertThat(exit).as(err.toString()).isNotZero();
            assertThat(err.toString()).contains("no workload certificate from the control plane");
            assertThat(mesh.cluster.reviews.asked).anySatisfy(r -> assertThat(r.getSpec().getToken())
                    .isEqualTo("eyJhbGciOiJSUzI1NiJ9.forged.sig"));
        }
    }

    /**
     * A proxy offered a configuration it cannot compile keeps its last good one: through the cluster, such an object
     * never reaches a proxy, because the control plane validates with the loader the proxies use and refuses the
     * object first (a proxy's view is a subset of what the control plane compiled, with the same loader and
     * compiler). So this asserts that: a broken ServiceEntry (an unknown enum value; the API server takes it, as a
     * CRD without schema validation would) that would open yahoo if it counted is refused by the control plane,
     * reported on itself (a Warning Event, tollgate_config_rejected_total), and the sidecar keeps its version and
     * its outcomes; the fixed object then applies. The proxy's own refusal of a version it cannot compile is
     * SidecarFollowsPushTest's, with a stand-in control plane that pushes one.
     */
    @Test
    void aBrokenObjectIsRefusedByTheControlPlaneAndTheSidecarKeepsItsVersionAndItsOutcomes() throws Exception {
        assumeCurl();
        try (ClusterMesh mesh = new ClusterMesh(dir).startControlPlane("REGISTRY_ONLY")) {
            ClusterMesh.Proxy sidecar = mesh.startSidecar(DemoWorkload.DEFAULT_SLEEP);
            List<GenericKubernetesResource> google = mesh.cluster.apply("serviceentry-google.yaml", "default");
            mesh.awaitProxies(s -> google.stream().allMatch(r -> ClusterMesh.holds(r, true).test(s)));
            String before = sidecar.ready().body();
            CurlRunner curl = new CurlRunner(mesh.setup.publicCaFile());
            InetSocketAddress at = new InetSocketAddress("127.0.0.1", sidecar.port());

            mesh.cluster.apply(mesh.cluster.object("""
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: external-developer-yahoo-com, namespace: default}
                    spec:
                      hosts: [developer.yahoo.com]
                      location: MESH_EXTERNAL
                      ports: [{number: 443, name: https, protocol: HTTPS}]
                      resolution: DNS_ROUND_ROBIN_PLEASE
                    """));
            String admin = mesh.control.adminAddress();
            ClusterMesh.await(() -> rejected(admin) >= 1, "the control plane refused the broken ServiceEntry");
            ClusterMesh.await(() -> mesh.cluster.client.v1().events().inNamespace("default").list().getItems().stream()
                    .anyMatch(e -> "Warning".equals(e.getType()) && "external-developer-yahoo-com".equals(e.getInvolvedObject().getName())),
                    "a Warning Event on the ServiceEntry");
            Thread.sleep(1500); // more than the control plane's debounce: had it pushed, the version would have moved
            assertThat(sidecar.ready().body()).contains(versionOf(before));
            assertThat(curl.head(at, Scenario.https(Scenario.YAHOO)).outcome()).as("still not declared")
                    .isEqualTo(Outcome.BLOCKED);
            assertThat(curl.head(at, Scenario.https(Scenario.GOOGLE)).outcome()).isEqualTo(Outcome.OK);

            // kubectl apply of the fixed object: it counts now
            List<GenericKubernetesResource> yahoo = mesh.cluster.apply("serviceentry-yahoo.yaml", "default");
            mesh.awaitProxies(s -> yahoo.stream().allMatch(r -> ClusterMesh.holds(r, true).test(s)));
            assertThat(sidecar.ready().body()).doesNotContain(versionOf(before));
            assertThat(curl.head(at, Scenario.https(Scenario.YAHOO)).outcome()).isEqualTo(Outcome.OK);
        }
    }

    static double rejected(String admin) {
        try {
            double sum = 0;
            for (String line : ControlCommandTest.get(admin, "/metrics").body().split("\n")) {
                if (line.startsWith("tollgate_config_rejected_total{")) {
                    sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return sum;
        } catch (Exception e) {
            return -1;
        }
    }

    /** "version HASH" from a /ready body. */
    static String versionOf(String readyBody) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("version [0-9a-f]+").matcher(readyBody);
        assertThat(m.find()).as(readyBody).isTrue();
        return m.group();
    }

    static GenericKubernetesResource generic(ClusterMesh mesh, Object o) {
        return mesh.cluster.client.getKubernetesSerialization().convertValue(o, GenericKubernetesResource.class);
    }
}
