package dev.tollgate.control.push;

import dev.tollgate.api.config.v1.ConfigResponse;
import dev.tollgate.api.config.v1.Node;
import dev.tollgate.api.config.v1.Resource;
import dev.tollgate.control.watch.ClusterWatch;
import dev.tollgate.control.watch.MockCluster;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.grpc.Status;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.tollgate.control.push.PushKit.sidecar;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The push fed by the real watch on fabric8's mock API server (CRUD mode): resources created and deleted as
 * {@code kubectl} would, and the views each proxy is pushed after each step.
 */
class PushFromClusterTest {
    static final String GW_SA = "istio-egressgateway-service-account";
    static final Map<String, String> GW_LABELS = Map.of("istio", "egressgateway", "app", "istio-egressgateway");

    MockCluster cluster;
    ClusterWatch watch;
    PushKit kit;

    @BeforeEach
    void start() {
        cluster = new MockCluster();
        for (String ns : List.of("default", "otherns", "istio-system")) {
            cluster.client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata()
                    .build()).create();
        }
        cluster.client.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName("sleep-1")
                .withLabels(Map.of("app", "sleep")).endMetadata().withNewSpec().withServiceAccountName("sleep")
                .addNewContainer().withName("c").withImage("curl").endContainer().endSpec().build()).create();
        cluster.client.configMaps().inNamespace("istio-system").resource(new ConfigMapBuilder().withNewMetadata()
                .withName("istio").endMetadata().addToData("mesh", "outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n")
                .build()).create();
        watch = new ClusterWatch(cluster.client, new SimpleMeterRegistry(),
                new ClusterWatch.Options("istio-system", Duration.ofMillis(50), Duration.ofMillis(500)));
        kit = new PushKit(watch::current);
        watch.subscribe(kit.service);
    }

    @AfterEach
    void stop() throws Exception {
        kit.close();
        watch.close();
        cluster.close();
    }

    static List<String> sources(ConfigResponse r) {
        return r.getResourcesList().stream().map(Resource::getSource).toList();
    }

    @Test
    void theTutorialStepsArePushedToTheProxiesThatSeeThem() throws Exception {
        // not started: a proxy is told to come back later, not given an empty configuration
        PushKit.Stream early = new PushKit.Stream(kit.channel("default", "sleep")).first(sidecar("default", "sleep"));
        assertThat(early.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);

        watch.start();
        PushKit.eventually(watch::ready, "the watch synced");
        PushKit.Stream sleep = new PushKit.Stream(kit.channel("default", "sleep")).first(sidecar("default", "sleep"));
        PushKit.Stream gw = new PushKit.Stream(kit.channel("istio-system", GW_SA))
                .first(PushKit.node(Node.Kind.GATEWAY, "istio-system", GW_SA, GW_LABELS));
        assertThat(sources(sleep.next())).containsExactly("cluster:ConfigMap/istio-system/istio");
        assertThat(sources(gw.next())).containsExactly("cluster:ConfigMap/istio-system/istio");

        // tutorial part A: the ServiceEntry for google, in default
        cluster.apply("serviceentry-google.yaml", "default");
        ConfigResponse a = sleep.next();
        assertThat(sources(a)).contains("cluster:networking.istio.io/ServiceEntry/default/external-developers-google-com");
        sleep.ack(a);

        // another namespace's private ServiceEntry: nothing for default's sidecar
        cluster.apply(cluster.object("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: theirs, namespace: otherns}
                spec: {hosts: [theirs.example.org], exportTo: ["."], ports: [{number: 443, name: tls, protocol: TLS}], resolution: DNS}
                """));
        sleep.quiet(1500);

        // part B: the gateway's route and policy; the gateway gets its Gateway, VirtualService and policy
        cluster.apply("external-google.yaml", "istio-system");
        cluster.apply("authz-allow-google.yaml", "istio-system");
        ConfigResponse b = lastOf(gw, r -> sources(r).stream().anyMatch(s -> s.contains("AuthorizationPolicy")));
        assertThat(sources(b)).anyMatch(s -> s.contains("/Gateway/istio-system/"))
                .anyMatch(s -> s.contains("/VirtualService/istio-system/"))
                .anyMatch(s -> s.contains("/AuthorizationPolicy/istio-system/"))
                .noneMatch(s -> s.contains("otherns"));
        ConfigResponse sleepB = lastOf(sleep, r -> sources(r).stream().anyMatch(s -> s.contains("/VirtualService/")));
        assertThat(sources(sleepB)).noneMatch(s -> s.contains("AuthorizationPolicy") || s.contains("otherns")
                || s.contains(":Pod/") || s.contains(":Namespace/"));

        // kubectl delete: the pushed views shrink again
        cluster.delete("authz-allow-google.yaml", "istio-system");
        ConfigResponse afterDelete = lastOf(gw, r -> sources(r).stream().noneMatch(s -> s.contains("AuthorizationPolicy")));
        assertThat(afterDelete.getVersionInfo()).isNotEqualTo(b.getVersionInfo());
    }

    /** Takes responses until one satisfies {@code done}, and returns it. */
    static ConfigResponse lastOf(PushKit.Stream s, java.util.function.Predicate<ConfigResponse> done) throws Exception {
        while (true) {
            ConfigResponse r = s.next();
            s.ack(r);
            if (done.test(r)) {
                return r;
            }
        }
    }
}
