package dev.tollgate.control.watch;

import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.ConfigSource;
import dev.tollgate.config.LoadOptions;
import dev.tollgate.config.LoadResult;
import dev.tollgate.config.ParsedObject;
import dev.tollgate.core.model.ConfigSet;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The CLI's one-time read of a cluster: the watched kinds, listed, load as the same files would. */
class ClusterListingTest {
    private final MockCluster cluster = new MockCluster();

    @AfterEach
    void close() {
        cluster.close();
    }

    @Test
    void listsTheWatchedKindsAndLoadsAsTheirFilesDo() {
        cluster.client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("default")
                .endMetadata().build()).create();
        cluster.client.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName("sleep-1")
                .withLabels(Map.of("app", "sleep")).endMetadata().withNewSpec().withServiceAccountName("sleep")
                .addNewContainer().withName("sleep").withImage("curl").endContainer().endSpec().build()).create();
        cluster.apply("external-google.yaml", "istio-system");
        cluster.apply("authz-deny-google.yaml", "istio-system");
        // a ConfigMap that is not the mesh's is no business of the mesh, and is not read
        cluster.client.configMaps().inNamespace("istio-system").resource(new ConfigMapBuilder().withNewMetadata()
                .withName("other").endMetadata().addToData("k", "v").build()).create();

        List<ParsedObject> objects = ClusterListing.list(cluster.client, "istio-system");

        assertThat(objects).extracting(ParsedObject::source)
                .contains("cluster:Namespace/default", "cluster:Pod/default/sleep-1",
                        "cluster:security.istio.io/AuthorizationPolicy/istio-system/external-deny-developers-google-com")
                .noneMatch(s -> s.contains("ConfigMap"));
        LoadResult fromCluster = ConfigLoader.loadObjects(objects, LoadOptions.DEFAULTS);
        LoadResult fromFiles = ConfigLoader.load(List.of(
                new ConfigSource(MockCluster.TUTORIAL.resolve("external-google.yaml"), Optional.of("istio-system")),
                new ConfigSource(MockCluster.TUTORIAL.resolve("authz-deny-google.yaml"), Optional.of("istio-system"))),
                LoadOptions.DEFAULTS);
        assertThat(fromCluster.ok()).as(fromCluster.diagnostics().toString()).isTrue();
        ConfigSet c = fromCluster.config().orElseThrow();
        ConfigSet f = fromFiles.config().orElseThrow();
        assertThat(c.authorizationPolicies()).extracting(r -> r.key() + " " + r.spec())
                .isEqualTo(f.authorizationPolicies().stream().map(r -> r.key() + " " + r.spec()).toList());
        assertThat(c.serviceEntries()).extracting(r -> r.key() + " " + r.spec())
                .isEqualTo(f.serviceEntries().stream().map(r -> r.key() + " " + r.spec()).toList());
        assertThat(c.workloads()).isNotEmpty();
    }

    @Test
    void readsTheMeshConfigMapInTheRootNamespaceOnly() {
        for (String ns : List.of("istio-system", "elsewhere")) {
            cluster.client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata()
                    .withName("istio").endMetadata()
                    .addToData("mesh", "outboundTrafficPolicy: {mode: REGISTRY_ONLY}").build()).create();
        }
        assertThat(ClusterListing.list(cluster.client, "istio-system")).extracting(ParsedObject::source)
                .containsExactly("cluster:ConfigMap/istio-system/istio");
    }
}
