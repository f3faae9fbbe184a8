package dev.tollgate.cli;

import dev.tollgate.cli.demo.CurlRunner;
import dev.tollgate.cli.demo.DemoWorkload;
import dev.tollgate.cli.demo.Observation;
import dev.tollgate.cli.demo.Outcome;
import dev.tollgate.cli.demo.Scenario;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Losing contact, on the cluster of {@link ClusterMesh}: a sidecar carries traffic that its configuration allows
 * while the API server goes away and comes back, and while the control plane stops and a new one starts on the same
 * port. No request fails; the sidecar says it is stale (metric and /ready's body) but stays ready; it reconnects
 * and follows changes made after each recovery.
 */
@Timeout(value = 100)
class ClusterOutageEndToEndTest {

    @TempDir
    Path dir;

    /** curl through the sidecar in a loop, remembering every outcome that is not "ok". */
    static final class Traffic implements AutoCloseable {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicInteger ok = new AtomicInteger();
        final List<String> failed = new CopyOnWriteArrayList<>();
        final Thread thread;

        Traffic(CurlRunner curl, InetSocketAddress sidecar, String url) {
            thread = Thread.ofVirtual().name("traffic").start(() -> {
                while (running.get()) {
                    Observation o = curl.head(sidecar, url);
                    if (o.outcome() == Outcome.OK) {
                        ok.incrementAndGet();
                    } else {
                        failed.add(java.time.Instant.now() + " " + url + ": " + o.detail());
                    }
                }
            });
        }

        /** Waits until {@code more} further requests have succeeded: traffic really flowed through this phase. */
        void passes(int more) throws InterruptedException {
            int until = ok.get() + more;
            ClusterMesh.await(() -> ok.get() >= until || !failed.isEmpty(), () -> more + " more requests through; "
                    + "failed: " + failed);
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(30_000);
        }
    }

    @Test
    void noAllowedRequestFailsThroughAnApiServerOutageAndAControlPlaneRestart() throws Exception {
        ClusterTutorialEndToEndTest.assumeCurl();
        try (ClusterMesh mesh = new ClusterMesh(dir).startControlPlane("REGISTRY_ONLY")) {
            ClusterMesh.Proxy sidecar = mesh.startSidecar(DemoWorkload.DEFAULT_SLEEP);
            List<GenericKubernetesResource> google = mesh.cluster.apply("serviceentry-google.yaml", "default");
            mesh.awaitProxies(all(google, true));
            CurlRunner curl = new CurlRunner(mesh.setup.publicCaFile());
            InetSocketAddress at = new InetSocketAddress("127.0.0.1", sidecar.port());
            assertThat(curl.head(at, Scenario.https(Scenario.YAHOO)).outcome()).as("not declared yet")
                    .isEqualTo(Outcome.BLOCKED);

            Traffic traffic = new Traffic(curl, at, Scenario.https(Scenario.GOOGLE));
            try (traffic) {
                traffic.passes(3);

                // the API server goes away: the control plane keeps what it has, the stream stays open
                mesh.cluster.stopApiServer();
                long outage = System.nanoTime();
                traffic.passes(5);
                // long enough for the informers' watches to have broken and their retries to have failed
                Thread.sleep(Math.max(0, 3000 - (System.nanoTime() - outage) / 1_000_000));
                assertThat(ControlCommandTest.get(mesh.control.adminAddress(), "/healthz").statusCode()).isEqualTo(200);
                assertThat(sidecar.ready().statusCode()).isEqualTo(200);
                mesh.cluster.startApiServer();
                traffic.passes(2);

                // back: a change made now reaches the sidecar (the control plane's informers are watching again)
                List<GenericKubernetesResource> yahoo = mesh.cluster.apply("serviceentry-yahoo.yaml", "default");
                mesh.awaitProxies(all(yahoo, true));
                assertThat(curl.head(at, Scenario.https(Scenario.YAHOO)).outcome()).isEqualTo(Outcome.OK);

                // the control plane stops: the sidecar keeps enforcing its last version, stale but ready
                int port = mesh.controlPort;
                mesh.stopControlPlane();
                ClusterMesh.await(() -> body(sidecar).contains("disconnected since"), () -> "the sidecar noticed: "
                        + body(sidecar));
                traffic.passes(3);
                // /ready rounds to whole seconds
                ClusterMesh.await(() -> age(sidecar) >= 1, "tollgate_config_age_seconds counts while disconnected");
                HttpResponse<String> stale = sidecar.ready();
                assertThat(stale.statusCode()).as("staleness never fails readiness: %s", stale.body()).isEqualTo(200);
                assertThat(stale.body()).contains("disconnected since").doesNotContain("config age 0s");

                // a new replica on the same address: the sidecar reconnects and is current again
                mesh.startControlPlane(port);
                ClusterMesh.await(() -> body(sidecar).contains(" connected"), () -> "reconnected: " + body(sidecar));
                ClusterMesh.await(() -> age(sidecar) == 0, "the age is 0 again once connected and current");
                traffic.passes(3);
            }
            assertThat(traffic.failed).as("allowed requests that failed").isEmpty();
            assertThat(traffic.ok.get()).isGreaterThanOrEqualTo(16);

            // and it follows what comes next: google's ServiceEntry deleted, REGISTRY_ONLY blocks it
            List<GenericKubernetesResource> gone = mesh.cluster.delete("serviceentry-google.yaml", "default");
            mesh.awaitProxies(all(gone, false));
            assertThat(curl.head(at, Scenario.https(Scenario.GOOGLE)).outcome()).isEqualTo(Outcome.BLOCKED);
            assertThat(curl.head(at, Scenario.https(Scenario.YAHOO)).outcome()).isEqualTo(Outcome.OK);
        }
    }

    static Predicate<dev.tollgate.control.watch.WatchedSnapshot> all(List<GenericKubernetesResource> objects,
                                                                       boolean present) {
        return s -> objects.stream().allMatch(r -> ClusterMesh.holds(r, present).test(s));
    }

    static String body(ClusterMesh.Proxy p) {
        try {
            return p.ready().body();
        } catch (Exception e) {
            return e.toString();
        }
    }

    static double age(ClusterMesh.Proxy p) {
        try {
            return p.configAge();
        } catch (Exception e) {
            return Double.NaN;
        }
    }
}
