package dev.tollgate.control.ca;

import dev.tollgate.identity.MeshCa;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;

import static dev.tollgate.control.ca.CaSecretRotationTest.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The roots published to every namespace, against the mock API server in CRUD mode. */
class RootPublisherTest {

    final KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
            new KubernetesCrudDispatcher(List.of()), false);
    KubernetesClient client;
    RootPublisher publisher;
    final String oldRoots = new CaBundle(MeshCa.generate("cluster.local"), List.of()).rootsPem();
    final String bothRoots = oldRoots + new CaBundle(MeshCa.generate("cluster.local"), List.of()).rootsPem();

    @BeforeEach
    void start() {
        server.init();
        client = server.createClient();
        for (String ns : List.of("default", "istio-system", "tollgate-system")) {
            namespace(ns);
        }
        publisher = new RootPublisher(client, new SimpleMeterRegistry());
    }

    @AfterEach
    void stop() {
        publisher.close();
        client.close();
        server.destroy();
    }

    @Test
    void publishesToEveryNamespaceIncludingOnesCreatedLater() throws Exception {
        publisher.start(oldRoots);
        await(() -> published("default") && published("istio-system") && published("tollgate-system"));
        assertThat(content("default")).isEqualTo(oldRoots);
        assertThat(configMap("default").getMetadata().getLabels()).containsAllEntriesOf(RootPublisher.LABELS);
        assertThat(publisher.writes()).isEqualTo(3);

        namespace("created-later");
        await(() -> published("created-later"));
        assertThat(content("created-later")).isEqualTo(oldRoots);
        assertThat(publisher.writes()).isEqualTo(4);
    }

    @Test
    void rewritesOnlyWhatDiffers() throws Exception {
        // one namespace already has the roots: the publisher must leave it alone
        client.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata()
                .withName(RootPublisher.CONFIG_MAP).endMetadata().addToData(RootPublisher.KEY, oldRoots).build()).create();
        String untouched = configMap("default").getMetadata().getResourceVersion();
        publisher.start(oldRoots);
        await(() -> published("istio-system") && published("tollgate-system"));
        Thread.sleep(300); // a write to default would have come with the others
        assertThat(configMap("default").getMetadata().getResourceVersion()).isEqualTo(untouched);
        assertThat(publisher.writes()).isEqualTo(2);

        // the same roots again (a resync, a label change of the Secret): no write at all
        publisher.publish(oldRoots);
        Thread.sleep(300);
        assertThat(publisher.writes()).isEqualTo(2);

        // a rotation's first step: every namespace gets both roots, once
        publisher.publish(bothRoots);
        await(() -> List.of("default", "istio-system", "tollgate-system").stream().allMatch(ns -> bothRoots.equals(content(ns))));
        Thread.sleep(300);
        assertThat(publisher.writes()).isEqualTo(5);
        assertThat(publisher.failures()).isZero();
    }

    @Test
    void putsBackWhatSomeoneElseChangedOrDeleted() throws Exception {
        publisher.start(bothRoots);
        await(() -> published("default") && published("istio-system"));

        // someone narrows the trust of a namespace by hand (or an attacker with ConfigMap write access tries to add a root)
        client.configMaps().inNamespace("default").withName(RootPublisher.CONFIG_MAP)
                .edit(cm -> new ConfigMapBuilder(cm).addToData(RootPublisher.KEY, oldRoots).build());
        await(() -> bothRoots.equals(content("default")));

        client.configMaps().inNamespace("istio-system").withName(RootPublisher.CONFIG_MAP).delete();
        await(() -> bothRoots.equals(content("istio-system")));
    }

    @Test
    void followsTheCaSecretThroughARotation(@org.junit.jupiter.api.io.TempDir java.nio.file.Path a,
                                            @org.junit.jupiter.api.io.TempDir java.nio.file.Path b) throws Exception {
        CaSecretRotationTest.Root old = CaSecretRotationTest.Root.init(a);
        CaSecretRotationTest.Root next = CaSecretRotationTest.Root.init(b);
        var secrets = client.secrets().inNamespace("tollgate-system");
        secrets.resource(CaSecretRotationTest.secret(old.cert(), old.key(), null)).create();
        try (CaSecretWatch ca = CaSecretWatch.start(client, "tollgate-system", CaSecret.DEFAULT_NAME)) {
            publisher.follow(ca);
            await(() -> old.cert().equals(content("default")));

            secrets.resource(CaSecretRotationTest.secret(old.cert(), old.key(), next.cert())).update();
            await(() -> (old.cert() + next.cert()).equals(content("default")));
            secrets.resource(CaSecretRotationTest.secret(next.cert(), next.key(), old.cert())).update();
            await(() -> (next.cert() + old.cert()).equals(content("istio-system")));
            // a broken Secret publishes nothing new
            secrets.resource(CaSecretRotationTest.secret(next.cert(), old.key(), null)).update();
            await(() -> ca.reloadFailures() == 1);
            Thread.sleep(300);
            assertThat(content("default")).isEqualTo(next.cert() + old.cert());
            secrets.resource(CaSecretRotationTest.secret(next.cert(), next.key(), null)).update();
            await(() -> next.cert().equals(content("default")) && next.cert().equals(content("tollgate-system")));
        }
    }

    private void namespace(String name) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
    }

    private ConfigMap configMap(String ns) {
        return client.configMaps().inNamespace(ns).withName(RootPublisher.CONFIG_MAP).get();
    }

    private boolean published(String ns) {
        return configMap(ns) != null;
    }

    private String content(String ns) {
        ConfigMap cm = configMap(ns);
        return cm == null || cm.getData() == null ? null : cm.getData().get(RootPublisher.KEY);
    }
}
