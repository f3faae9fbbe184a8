package dev.tollgate.control.watch;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import dev.tollgate.core.snapshot.OutboundRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.tollgate.control.watch.WatchHarness.B;
import static dev.tollgate.control.watch.WatchHarness.DEFAULT_SLEEP;
import static dev.tollgate.control.watch.WatchHarness.GOOGLE;
import static dev.tollgate.control.watch.WatchHarness.O;
import static dev.tollgate.control.watch.WatchHarness.OTHERNS_SLEEP;
import static dev.tollgate.control.watch.WatchHarness.https;
import static org.assertj.core.api.Assertions.assertThat;

/** The kinds beyond the tutorial's policies: the mesh ConfigMap, the cluster's Services, Sidecars. */
class ClusterWatchKindsTest {
    private MockCluster cluster;
    private WatchHarness h;

    @BeforeEach
    void cluster() {
        cluster = new MockCluster();
        for (String ns : List.of("default", "otherns", "istio-system")) {
            cluster.client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata()
                    .build()).create();
        }
        mesh("outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n");
        h = new WatchHarness(cluster);
        h.watch.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!h.watch.ready() && System.nanoTime() < deadline) {
            WatchHarness.sleep(50);
        }
        assertThat(h.watch.ready()).isTrue();
        h.settle(0);
    }

    @AfterEach
    void close() {
        h.close();
        cluster.close();
    }

    private void mesh(String yaml) {
        cluster.client.configMaps().inNamespace("istio-system").resource(new ConfigMapBuilder().withNewMetadata()
                .withName("istio").endMetadata().addToData("mesh", yaml).build()).createOr(o -> o.update());
    }

    @Test
    void aBrokenMeshConfigKeepsTheAcceptedOneAndNeverFallsBackToAllowAny() {
        assertThat(h.check(DEFAULT_SLEEP, https(GOOGLE))).isEqualTo(B);
        h.step(() -> mesh("outboundTrafficPolicy:\n  mode: REGISTRY_ONLYY\n"));
        assertThat(h.check(DEFAULT_SLEEP, https(GOOGLE))).as("still REGISTRY_ONLY").isEqualTo(B);
        assertThat(h.rejected("ConfigMap")).isEqualTo(1.0);
        assertThat(cluster.client.v1().events().inNamespace("istio-system").list().getItems())
                .singleElement().satisfies(e -> assertThat(e.getInvolvedObject().getName()).isEqualTo("istio"));

        h.step(() -> mesh("outboundTrafficPolicy:\n  mode: ALLOW_ANY\n"));
        assertThat(h.check(DEFAULT_SLEEP, https(GOOGLE))).as("a valid change counts").isEqualTo(O);
    }

    @Test
    void theClustersServicesAreInTheRegistry() {
        OutboundRequest db = OutboundRequest.tcp("db.default.svc.cluster.local", 5432);
        assertThat(h.check(DEFAULT_SLEEP, db)).isEqualTo(B);
        h.step(() -> cluster.client.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata()
                .withName("db").endMetadata().withNewSpec().addToSelector("app", "db").addNewPort().withName("tcp-pg")
                .withPort(5432).endPort().endSpec().build()).create());
        assertThat(h.check(DEFAULT_SLEEP, db)).isEqualTo(O);
        assertThat(h.check(OTHERNS_SLEEP, db)).as("a Service is visible mesh-wide by default").isEqualTo(O);
        assertThat(h.check(DEFAULT_SLEEP, OutboundRequest.tcp("db.default.svc.cluster.local", 5433)))
                .as("only its ports").isEqualTo(B);

        h.step(() -> cluster.client.services().inNamespace("default").withName("db").delete());
        assertThat(h.check(DEFAULT_SLEEP, db)).isEqualTo(B);
    }

    @Test
    void aSecondNamespaceWideSidecarIsRefusedAndTheFirstStays() {
        h.step(() -> cluster.apply(cluster.object("""
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: first, namespace: default}
                spec:
                  outboundTrafficPolicy: {mode: ALLOW_ANY}
                """)));
        assertThat(h.check(DEFAULT_SLEEP, https(GOOGLE))).isEqualTo(O);
        h.step(() -> cluster.apply(cluster.object("""
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: second, namespace: default}
                spec:
                  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
                """)));
        assertThat(h.watch.current().orElseThrow().snapshot().config().sidecars()).extracting(r -> r.key().name())
                .containsExactly("first");
        assertThat(h.check(DEFAULT_SLEEP, https(GOOGLE))).isEqualTo(O);
        assertThat(h.rejected("Sidecar")).isEqualTo(1.0);
    }
}
