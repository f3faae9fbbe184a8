package dev.tollgate.cli.kube;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.function.Predicate;

/**
 * fabric8's mock API server in CRUD mode with Istio's CRDs (served at v1, v1beta1 and for networking v1alpha3, stored
 * at v1), a kubeconfig that points at it, and {@code kubectl apply} of the tutorial's files. A Deployment applied
 * also gets its Pod, as its controller would make it: the cluster's workloads are its Pods.
 */
public final class LiveCluster implements AutoCloseable {
    public static final Path TUTORIAL = Path.of("..", "examples", "tutorial");
    private static final String[][] ISTIO = {
            {"networking.istio.io", "ServiceEntry", "serviceentries"},
            {"networking.istio.io", "Sidecar", "sidecars"},
            {"networking.istio.io", "Gateway", "gateways"},
            {"networking.istio.io", "VirtualService", "virtualservices"},
            {"networking.istio.io", "DestinationRule", "destinationrules"},
            {"security.istio.io", "AuthorizationPolicy", "authorizationpolicies"}};

    public final KubernetesClient client;
    private final KubernetesMockServer server;
    /** GETs of paths this matches are answered 403, as an API server answers a user without RBAC for them. */
    public volatile Predicate<String> forbidden = p -> false;

    public LiveCluster() {
        List<CustomResourceDefinitionContext> contexts = new ArrayList<>();
        for (String[] k : ISTIO) {
            for (String v : versions(k[0])) {
                contexts.add(new CustomResourceDefinitionContext.Builder().withGroup(k[0]).withVersion(v)
                        .withKind(k[1]).withPlural(k[2]).withScope("Namespaced").build());
            }
        }
        KubernetesCrudDispatcher dispatcher = new KubernetesCrudDispatcher(contexts) {
            @Override
            public MockResponse handleGet(String path) {
                if (forbidden.test(path)) {
                    return new MockResponse().setResponseCode(403).setBody(("{\"kind\":\"Status\",\"apiVersion\":\"v1\","
                            + "\"status\":\"Failure\",\"reason\":\"Forbidden\",\"code\":403,\"message\":\"pods is "
                            + "forbidden: User \\\"alice\\\" cannot list resource \\\"pods\\\"\"}").getBytes());
                }
                return super.handleGet(path);
            }
        };
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init();
        client = server.createClient();
        for (String[] k : ISTIO) {
            client.apiextensions().v1().customResourceDefinitions().resource(new CustomResourceDefinitionBuilder()
                    .withNewMetadata().withName(k[2] + "." + k[0]).endMetadata()
                    .withNewSpec().withGroup(k[0]).withScope("Namespaced")
                    .withNewNames().withKind(k[1]).withPlural(k[2]).endNames()
                    .withVersions(versions(k[0]).stream().map(v -> new CustomResourceDefinitionVersionBuilder()
                            .withName(v).withServed(true).withStorage(v.equals("v1")).build()).toList())
                    .endSpec().build()).create();
        }
        for (String ns : List.of("default", "otherns", "istio-system")) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
                    .create();
        }
    }

    private static List<String> versions(String group) {
        return group.startsWith("security") ? List.of("v1", "v1beta1") : List.of("v1", "v1alpha3", "v1beta1");
    }

    /** A kubeconfig whose one context, {@code mock}, is this server. */
    public Path kubeconfig(Path dir) throws IOException {
        Path file = dir.resolve("kubeconfig");
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: mock
                  cluster: {server: "%s"}
                contexts:
                - name: mock
                  context: {cluster: mock, user: tester, namespace: default}
                current-context: mock
                users:
                - name: tester
                  user: {token: not-checked-by-the-mock}
                """.formatted(server.url("/").replaceAll("/$", "")));
        return file;
    }

    /** {@code kubectl apply -n NAMESPACE -f examples/tutorial/FILE}. */
    public void apply(String fixture, String namespace) {
        try (InputStream in = Files.newInputStream(TUTORIAL.resolve(fixture))) {
            Object parsed = client.getKubernetesSerialization().unmarshal(in);
            for (Object item : parsed instanceof List<?> l ? l : List.of(parsed)) {
                GenericKubernetesResource r = client.getKubernetesSerialization()
                        .convertValue((HasMetadata) item, GenericKubernetesResource.class);
                if (r.getMetadata().getNamespace() == null) {
                    r.getMetadata().setNamespace(namespace);
                }
                // the mock converts nothing between versions; Istio's versions share one schema
                String v = r.getApiVersion();
                if (v.startsWith("networking.istio.io/") || v.startsWith("security.istio.io/")) {
                    r.setApiVersion(v.substring(0, v.indexOf('/')) + "/v1");
                }
                client.genericKubernetesResources(r.getApiVersion(), r.getKind())
                        .inNamespace(r.getMetadata().getNamespace()).resource(r).createOr(NonDeletingOperation::update);
                if (r.getKind().equals("Deployment")) {
                    podOf(r);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void podOf(GenericKubernetesResource deployment) {
        PodTemplateSpec template = client.getKubernetesSerialization().convertValue(
                deployment.getAdditionalProperties().get("spec"), io.fabric8.kubernetes.api.model.apps.DeploymentSpec.class)
                .getTemplate();
        Pod pod = new Pod();
        ObjectMeta meta = new ObjectMeta();
        meta.setName(deployment.getMetadata().getName() + "-6d4f8b7c9-x2x7q");
        meta.setNamespace(deployment.getMetadata().getNamespace());
        meta.setLabels(template.getMetadata().getLabels());
        pod.setMetadata(meta);
        pod.setSpec(template.getSpec());
        client.pods().resource(pod).createOr(NonDeletingOperation::update);
    }

    /** The mesh's outbound policy, in the istio ConfigMap as istioctl install writes it. */
    public void registryOnly() {
        client.configMaps().inNamespace("istio-system").resource(new ConfigMapBuilder().withNewMetadata()
                .withName("istio").endMetadata()
                .addToData("mesh", "outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n").build()).create();
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }
}
