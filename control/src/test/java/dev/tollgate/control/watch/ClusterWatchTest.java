package dev.tollgate.control.watch;

import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.ConfigSource;
import dev.tollgate.config.LoadOptions;
import dev.tollgate.config.LoadResult;
import dev.tollgate.core.model.Diagnostic;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.tollgate.control.watch.MockCluster.map;
import static dev.tollgate.control.watch.WatchHarness.B;
import static dev.tollgate.control.watch.WatchHarness.D;
import static dev.tollgate.control.watch.WatchHarness.DEFAULT_SLEEP;
import static dev.tollgate.control.watch.WatchHarness.GOOGLE;
import static dev.tollgate.control.watch.WatchHarness.O;
import static dev.tollgate.control.watch.WatchHarness.OTHERNS_SLEEP;
import static dev.tollgate.control.watch.WatchHarness.YAHOO;
import static dev.tollgate.control.watch.WatchHarness.http;
import static dev.tollgate.control.watch.WatchHarness.https;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Istio egress tutorial (docs/tutorial.md, the demo's steps in cli's demo.Scenario) driven through the API
 * server as kubectl would drive it, each step answered by the watch's snapshot; invalid objects, startup, readiness
 * and debouncing.
 */
class ClusterWatchTest {
    private static final String BROKEN_DENY_GOOGLE = """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: external-deny-developers-google-com, namespace: istio-system}
            spec:
              action: DENY
              rules:
              - from:
                - source:
                    namespace: ["otherns"]
            """;

    private MockCluster cluster;
    private WatchHarness h;

    @BeforeEach
    void cluster() {
        cluster = new MockCluster();
        for (String ns : List.of("default", "otherns", "istio-system")) {
            cluster.client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata()
                    .build()).create();
        }
        pod("default", "sleep-1", "sleep", Map.of("app", "sleep"));
        pod("otherns", "sleep-1", "sleep", Map.of("app", "sleep"));
        pod("istio-system", "istio-egressgateway-1", "istio-egressgateway-service-account",
                Map.of("app", "istio-egressgateway", "istio", "egressgateway"));
        h = new WatchHarness(cluster);
    }

    @AfterEach
    void close() {
        h.close();
        cluster.close();
    }

    private void pod(String ns, String name, String sa, Map<String, String> labels) {
        cluster.client.serviceAccounts().inNamespace(ns).resource(new ServiceAccountBuilder().withNewMetadata()
                .withName(sa).endMetadata().build()).createOr(o -> o.update());
        cluster.client.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName(name)
                .withLabels(labels).endMetadata().withNewSpec().withServiceAccountName(sa).addNewContainer()
                .withName("c").withImage("curl").endContainer().endSpec().build()).create();
    }

    private void registryOnly() {
        cluster.client.configMaps().inNamespace("istio-system").resource(new ConfigMapBuilder().withNewMetadata()
                .withName("istio").endMetadata().addToData("mesh", "outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n")
                .build()).createOr(o -> o.update());
    }

    private void startAndAwaitReady() {
        h.watch.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!h.watch.ready() && System.nanoTime() < deadline) {
            WatchHarness.sleep(50);
        }
        assertThat(h.watch.ready()).as("ready after sync").isTrue();
        h.settle(0);
    }

    /** B3's state: the HTTP variant through the gateway, deny-google (from otherns) and deny-yahoo (from default). */
    private void b3() {
        registryOnly();
        cluster.apply("external-google.yaml", "istio-system");
        cluster.apply("external-yahoo.yaml", "istio-system");
        cluster.apply("authz-deny-google.yaml", "istio-system");
        cluster.apply("authz-deny-yahoo.yaml", "istio-system");
    }

    @Test
    void followsTheTutorialStepByStep() {
        startAndAwaitReady();
        h.expect("A1 ALLOW_ANY", WatchHarness::https, O, O, O, O);
        h.step(this::registryOnly);
        h.expect("A2 REGISTRY_ONLY", WatchHarness::https, B, B, B, B);
        h.step(() -> cluster.apply("serviceentry-google.yaml", "default"));
        h.expect("A3", WatchHarness::https, O, B, B, B);
        h.step(() -> cluster.apply("serviceentry-google.yaml", "otherns"));
        h.expect("A4", WatchHarness::https, O, B, O, B);
        h.step(() -> cluster.apply("serviceentry-yahoo.yaml", "default"));
        h.expect("A5", WatchHarness::https, O, O, O, B);
        h.step(() -> cluster.apply("serviceentry-yahoo.yaml", "otherns"));
        h.expect("A6", WatchHarness::https, O, O, O, O);

        h.step(() -> {
            for (String ns : List.of("default", "otherns")) {
                cluster.delete("serviceentry-google.yaml", ns);
                cluster.delete("serviceentry-yahoo.yaml", ns);
            }
        });
        h.expect("B0 https", WatchHarness::https, B, B, B, B);
        h.expect("B0 http", WatchHarness::http, B, B, B, B);
        h.step(() -> {
            cluster.apply("external-google.yaml", "istio-system");
            cluster.apply("external-yahoo.yaml", "istio-system");
        });
        h.expect("B1", WatchHarness::http, O, O, O, O);
        h.step(() -> {
            cluster.apply("authz-allow-nothing.yaml", "istio-system");
            cluster.apply("authz-allow-google.yaml", "default");
        });
        h.expect("B2", WatchHarness::http, D, D, D, D);
        h.step(() -> {
            cluster.delete("authz-allow-nothing.yaml", "istio-system");
            cluster.delete("authz-allow-google.yaml", "default");
            cluster.apply("authz-deny-google.yaml", "istio-system");
            cluster.apply("authz-deny-yahoo.yaml", "istio-system");
        });
        h.expect("B3", WatchHarness::http, O, D, D, O);

        List<Long> versions = h.published.stream().map(WatchedSnapshot::version).toList();
        assertThat(versions).as("one snapshot per step at most, numbered up").isSorted().doesNotHaveDuplicates()
                .hasSizeBetween(10, 14);
        assertThat(h.watch.current().orElseThrow().resourceVersions()).containsKeys(
                "cluster:security.istio.io/AuthorizationPolicy/istio-system/external-deny-developers-google-com",
                "cluster:ConfigMap/istio-system/istio", "cluster:Pod/default/sleep-1")
                .doesNotContainKey("cluster:security.istio.io/AuthorizationPolicy/istio-system/allow-nothing");
        assertThat(h.rejected("AuthorizationPolicy")).isZero();
    }

    @Test
    void aBrokenUpdateOfADenyPolicyKeepsItsLastAcceptedVersionAndIsReportedEverywhere() {
        b3();
        startAndAwaitReady();
        h.expect("B3", WatchHarness::http, O, D, D, O);
        long version = h.watch.current().orElseThrow().version();

        h.step(() -> cluster.apply(cluster.object(BROKEN_DENY_GOOGLE)));

        // fail closed: otherns still may not reach google, as the accepted DENY said
        h.expect("B3 after the broken update", WatchHarness::http, O, D, D, O);
        assertThat(h.watch.current().orElseThrow().version()).as("nothing changed, nothing published").isEqualTo(version);
        // the same diagnostics the file loader gives for the same object
        LoadResult files = ConfigLoader.load(List.of(ConfigSource.stdin(BROKEN_DENY_GOOGLE.getBytes(),
                Optional.empty())), LoadOptions.DEFAULTS);
        assertThat(files.config()).as("files refuse it too").isEmpty();
        List<String> fileCodes = files.errors().stream().map(Diagnostic::code).toList();
        assertThat(fileCodes).contains("unknown-field");

        assertThat(h.rejected("AuthorizationPolicy")).isEqualTo(1.0);
        List<Event> events = cluster.client.v1().events().inNamespace("istio-system").list().getItems();
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.getReason()).isEqualTo("TollgateRejected");
            assertThat(e.getType()).isEqualTo("Warning");
            assertThat(e.getInvolvedObject().getKind()).isEqualTo("AuthorizationPolicy");
            assertThat(e.getInvolvedObject().getName()).isEqualTo("external-deny-developers-google-com");
            assertThat(e.getMessage()).contains("[unknown-field]", "namespace", files.errors().get(0).message());
        });
        GenericKubernetesResource stored = cluster.get("security.istio.io/v1", "AuthorizationPolicy", "istio-system",
                "external-deny-developers-google-com");
        Map<String, Object> status = map(stored.getAdditionalProperties().get("status"));
        assertThat((List<?>) status.get("validationMessages")).extracting(m -> map(map(m).get("type")).get("code"))
                .containsExactlyElementsOf(fileCodes);
        assertThat((List<?>) status.get("validationMessages")).allSatisfy(m -> assertThat(map(m))
                .containsEntry("level", "ERROR"));
        assertThat((List<?>) status.get("conditions")).singleElement().satisfies(c -> assertThat(map(c))
                .containsEntry("type", "TollgateAccepted").containsEntry("status", "False")
                .containsEntry("reason", "TollgateRejected"));

        // one broken object freezes nothing else: a valid change still applies
        h.step(() -> cluster.delete("authz-deny-yahoo.yaml", "istio-system"));
        h.expect("deny-yahoo deleted", WatchHarness::http, O, O, D, O);
        assertThat(h.rejected("AuthorizationPolicy")).as("reported once, not on every build").isEqualTo(1.0);
        assertThat(cluster.client.v1().events().inNamespace("istio-system").list().getItems()).hasSize(1);

        // fixed: the new version counts, denying default (to every host: it has no condition) instead of otherns
        h.step(() -> cluster.apply(cluster.object(BROKEN_DENY_GOOGLE
                .replace("namespace: [\"otherns\"]", "namespaces: [\"default\"]"))));
        h.expect("fixed", WatchHarness::http, D, D, O, O);
        Map<String, Object> cleared = map(cluster.get("security.istio.io/v1", "AuthorizationPolicy", "istio-system",
                "external-deny-developers-google-com").getAdditionalProperties().get("status"));
        // written (a replace through the mock drops the status), and without our entries: no stale refusal
        assertThat(cleared).isNotNull().doesNotContainKeys("validationMessages", "conditions");
    }

    /**
     * An enum value Istio does not have, arriving on a watch event (the object changed after the informers synced):
     * the typed Istio model on the class path cannot hold it, and fabric8 read watch events through it, so the field
     * vanished and the loader accepted an AuthorizationPolicy without its action, an ALLOW. It must be refused as
     * the file loader refuses it, keeping the accepted DENY.
     */
    @Test
    void aMistypedActionOnAWatchEventIsRefusedNotReadAsAnAllow() {
        b3();
        startAndAwaitReady();
        h.expect("B3", WatchHarness::http, O, D, D, O);
        long version = h.watch.current().orElseThrow().version();

        String mistyped = """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: external-deny-developers-google-com, namespace: istio-system}
                spec:
                  action: DENYY
                  rules:
                  - from:
                    - source:
                        namespaces: ["otherns"]
                    to:
                    - operation:
                        hosts: ["developers.google.com"]
                """;
        h.step(() -> cluster.apply(cluster.object(mistyped)));

        h.expect("B3 after the mistyped update", WatchHarness::http, O, D, D, O);
        assertThat(h.watch.current().orElseThrow().version()).as("nothing changed, nothing published").isEqualTo(version);
        assertThat(h.rejected("AuthorizationPolicy")).isEqualTo(1.0);
        assertThat(h.watch.current().orElseThrow().objects().get(
                "cluster:security.istio.io/AuthorizationPolicy/istio-system/external-deny-developers-google-com"))
                .contains("\"DENY\"").doesNotContain("DENYY");
    }

    @Test
    void aNewBrokenDenyPolicyIsLeftOutAndChangesNoDecision() {
        b3();
        startAndAwaitReady();
        h.step(() -> cluster.apply(cluster.object("""
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: deny-everything-from-default, namespace: istio-system}
                spec:
                  action: DENY
                  rules:
                  - from:
                    - source:
                        namespaces: ["default"]
                    when:
                    - key: connection.sni
                      valuez: ["developers.google.com"]
                """)));
        h.expect("B3 unchanged", WatchHarness::http, O, D, D, O);
        assertThat(h.rejected("AuthorizationPolicy")).isEqualTo(1.0);
        assertThat(h.watch.current().orElseThrow().snapshot().config().authorizationPolicies())
                .extracting(r -> r.key().name()).doesNotContain("deny-everything-from-default");
    }

    @Test
    void aReplicaStartingWithABrokenDenyPolicyServesNothingUntilItIsFixed() {
        b3();
        cluster.apply(cluster.object(BROKEN_DENY_GOOGLE));
        h.watch.start();
        WatchHarness.sleep(2000);
        // as the files: a broken policy with no accepted version to fall back on refuses the whole configuration
        assertThat(h.watch.ready()).isFalse();
        assertThat(h.watch.current()).isEmpty();
        assertThat(h.published).isEmpty();
        assertThat(h.rejected("AuthorizationPolicy")).isEqualTo(1.0);

        long before = h.watch.builds();
        cluster.apply("authz-deny-google.yaml", "istio-system");
        h.settle(before);
        assertThat(h.watch.ready()).isTrue();
        h.expect("B3", WatchHarness::http, O, D, D, O);
    }

    @Test
    void notReadyUntilEveryInformerHasSynced() {
        b3();
        cluster.failing = path -> path.startsWith("/api/v1/pods");
        h.watch.start();
        WatchHarness.sleep(2500);
        assertThat(h.watch.ready()).as("the pods are not listed yet").isFalse();
        assertThat(h.watch.current()).isEmpty();
        assertThat(h.published).isEmpty();

        cluster.failing = path -> false;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!h.watch.ready() && System.nanoTime() < deadline) {
            WatchHarness.sleep(100);
        }
        assertThat(h.watch.ready()).isTrue();
        assertThat(h.published).hasSize(1);
        h.expect("B3", WatchHarness::http, O, D, D, O);
    }

    @Test
    void manyChangesMakeFewSnapshots() {
        registryOnly();
        startAndAwaitReady();
        int before = h.published.size();
        h.step(() -> {
            for (int i = 0; i < 40; i++) {
                cluster.apply(cluster.object("""
                        apiVersion: networking.istio.io/v1
                        kind: ServiceEntry
                        metadata: {name: se-%d, namespace: default}
                        spec:
                          hosts: ["host-%d.example.com"]
                          ports: [{number: 443, name: https, protocol: HTTPS}]
                          resolution: DNS
                        """.formatted(i, i)));
            }
        });
        assertThat(h.published.size() - before).as("40 changes, debounced").isBetween(1, 5);
        assertThat(h.watch.current().orElseThrow().snapshot().config().serviceEntries()).hasSize(40);
        assertThat(h.check(DEFAULT_SLEEP, https("host-39.example.com"))).isEqualTo(O);
        assertThat(h.check(OTHERNS_SLEEP, https("host-39.example.com"))).isEqualTo(O);
        assertThat(h.check(DEFAULT_SLEEP, https(GOOGLE))).isEqualTo(B);
        assertThat(h.check(DEFAULT_SLEEP, http(YAHOO))).isEqualTo(B);
    }
}
