package dev.tollgate.cli.kube;

import dev.tollgate.control.ca.TokenReviews;
import dev.tollgate.control.watch.IstioCrds;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.internal.MockDispatcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.function.Predicate;

/**
 * fabric8's mock API server in CRUD mode with Istio's CRDs ({@link IstioCrds}), a kubeconfig that points at it, and
 * {@code kubectl apply} and {@code kubectl delete} of the tutorial's files.
 * A Deployment applied also gets its Pod, as its controller would make it: the cluster's workloads are its Pods.
 * TokenReview is an expectation ({@link #reviews}: the review's status stubbed per token), everything else CRUD. The
 * API server can be stopped and started again on its port, its objects kept, as an outage of a real one.
 */
public final class LiveCluster implements AutoCloseable {
    public static final Path TUTORIAL = Path.of("..", "examples", "tutorial");

    public final KubernetesClient client;
    /** What TokenReview answers, per token. */
    public final TokenReviews reviews = new TokenReviews();
    private final Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
    private final Dispatcher dispatcher;
    private final int port;
    private KubernetesMockServer server;
    /** GETs of paths this matches are answered 403, as an API server answers a user without RBAC for them. */
    public volatile Predicate<String> forbidden = p -> false;

    public LiveCluster() {
        KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher(IstioCrds.contexts()) {
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
        MockDispatcher expected = new MockDispatcher(expectations);
        this.dispatcher = new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return request.getPath().startsWith(TokenReviews.PATH) ? expected.dispatch(request)
                        : crud.dispatch(request);
            }
        };
        server = serve(0);
        port = server.getPort();
        server.expect().post().withPath(TokenReviews.PATH).andReply(reviews).always();
        client = server.createClient();
        IstioCrds.install(client);
        for (String ns : List.of("default", "otherns", "istio-system")) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
                    .create();
        }
    }

    private KubernetesMockServer serve(int onPort) {
        KubernetesMockServer s = new KubernetesMockServer(new Context(), new MockWebServer(), expectations, dispatcher,
                false);
        s.init(InetAddress.getLoopbackAddress(), onPort);
        return s;
    }

    /** The API server goes away: connections to its port are refused until {@link #startApiServer()}. */
    public synchronized void stopApiServer() {
        server.destroy();
    }

    /** The API server is back on the same port, with the objects it held. */
    public synchronized void startApiServer() {
        server = serve(port);
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

    /** {@code kubectl apply -n NAMESPACE -f examples/tutorial/FILE}: the objects as the API server stored them. */
    public List<GenericKubernetesResource> apply(String fixture, String namespace) {
        List<GenericKubernetesResource> out = new ArrayList<>();
        for (GenericKubernetesResource r : read(fixture, namespace)) {
            out.add(apply(r));
        }
        return out;
    }

    /** {@code kubectl apply} of one object: as the API server stored it (with its resourceVersion). */
    public GenericKubernetesResource apply(GenericKubernetesResource r) {
        GenericKubernetesResource stored = client.genericKubernetesResources(r.getApiVersion(), r.getKind())
                .inNamespace(r.getMetadata().getNamespace()).resource(r).createOr(NonDeletingOperation::update);
        if (r.getKind().equals("Deployment")) {
            podOf(r);
        }
        return stored;
    }

    /** {@code kubectl delete -n NAMESPACE -f examples/tutorial/FILE}: each object, in the file's order. */
    public List<GenericKubernetesResource> delete(String fixture, String namespace) {
        List<GenericKubernetesResource> objects = read(fixture, namespace);
        for (GenericKubernetesResource r : objects) {
            client.genericKubernetesResources(r.getApiVersion(), r.getKind())
                    .inNamespace(r.getMetadata().getNamespace()).withName(r.getMetadata().getName()).delete();
        }
        return objects;
    }

    /** An object from inline YAML, at the version the mock stores. */
    public GenericKubernetesResource object(String yaml) {
        return IstioCrds.storedVersion(client.getKubernetesSerialization().unmarshal(yaml, GenericKubernetesResource.class));
    }

    private List<GenericKubernetesResource> read(String fixture, String namespace) {
        List<GenericKubernetesResource> out = new ArrayList<>();
        try (InputStream in = Files.newInputStream(TUTORIAL.resolve(fixture))) {
            Object parsed = client.getKubernetesSerialization().unmarshal(in);
            for (Object item : parsed instanceof List<?> l ? l : List.of(parsed)) {
                GenericKubernetesResource r = client.getKubernetesSerialization()
                        .convertValue((HasMetadata) item, GenericKubernetesResource.class);
                if (r.getMetadata().getNamespace() == null) {
                    r.getMetadata().setNamespace(namespace);
                }
                out.add(IstioCrds.storedVersion(r));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
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
        outboundTrafficPolicy("REGISTRY_ONLY");
    }

    /** Sets the mesh's outbound policy ({@code ALLOW_ANY} or {@code REGISTRY_ONLY}) in the istio ConfigMap. */
    public io.fabric8.kubernetes.api.model.ConfigMap outboundTrafficPolicy(String mode) {
        return client.configMaps().inNamespace("istio-system").resource(new ConfigMapBuilder().withNewMetadata()
                .withName("istio").endMetadata()
                .addToData("mesh", "outboundTrafficPolicy:\n  mode: " + mode + "\n").build())
                .createOr(NonDeletingOperation::update);
    }

    @Override
    public synchronized void close() {
        client.close();
        server.destroy();
    }
}
