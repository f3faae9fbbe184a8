package dev.tollgate.control.watch;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
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
import java.util.Map;
import java.util.function.Predicate;

/**
 * fabric8's mock API server in CRUD mode with Istio's CRDs installed ({@link IstioCrds}), and {@code kubectl apply} / {@code kubectl delete} of the project's fixture files.
 */
public final class MockCluster implements AutoCloseable {
    static final Path TUTORIAL = Path.of("..", "examples", "tutorial");

    public final KubernetesMockServer server;
    public final KubernetesClient client;
    /** Paths whose GET the API server answers with 503 while this holds: an API server slow to list. */
    volatile Predicate<String> failing = p -> false;

    public MockCluster() {
        KubernetesCrudDispatcher dispatcher = new KubernetesCrudDispatcher(IstioCrds.contexts()) {
            @Override
            public MockResponse handleGet(String path) {
                if (failing.test(path)) {
                    return new MockResponse().setResponseCode(503).setBody("{}".getBytes());
                }
                return super.handleGet(path);
            }
        };
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init();
        client = server.createClient(b -> b.editOrNewConfig().withRequestRetryBackoffLimit(0).endConfig());
        IstioCrds.install(client);
    }

    /** The objects of a fixture file, as {@code kubectl apply -n NS -f FILE} sends them. */
    List<GenericKubernetesResource> read(String fixture, String namespace) {
        List<GenericKubernetesResource> out = new ArrayList<>();
        try (InputStream in = Files.newInputStream(TUTORIAL.resolve(fixture))) {
            Object parsed = client.getKubernetesSerialization().unmarshal(in);
            List<?> items = parsed instanceof List<?> l ? l : List.of(parsed);
            for (Object item : items) {
                HasMetadata m = (HasMetadata) item;
                GenericKubernetesResource r = client.getKubernetesSerialization()
                        .convertValue(m, GenericKubernetesResource.class);
                r.getMetadata().setNamespace(namespace);
                out.add(IstioCrds.storedVersion(r));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** {@code kubectl apply}: creates each object, or replaces it when it exists. */
    public void apply(String fixture, String namespace) {
        read(fixture, namespace).forEach(this::apply);
    }

    public void apply(GenericKubernetesResource r) {
        client.genericKubernetesResources(r.getApiVersion(), r.getKind()).inNamespace(r.getMetadata().getNamespace())
                .resource(r).createOr(NonDeletingOperation::update);
    }

    /** {@code kubectl delete -f}: deletes each object in the file's order. */
    public void delete(String fixture, String namespace) {
        for (GenericKubernetesResource r : read(fixture, namespace)) {
            client.genericKubernetesResources(r.getApiVersion(), r.getKind()).inNamespace(namespace)
                    .withName(r.getMetadata().getName()).delete();
        }
    }

    /** An object from its fields, e.g. one parsed from inline YAML. */
    public GenericKubernetesResource object(String yaml) {
        return IstioCrds.storedVersion(client.getKubernetesSerialization().unmarshal(yaml, GenericKubernetesResource.class));
    }

    GenericKubernetesResource get(String apiVersion, String kind, String namespace, String name) {
        return client.genericKubernetesResources(apiVersion, kind).inNamespace(namespace).withName(name).get();
    }

    List<GenericKubernetesResource> events(String namespace) {
        return client.v1().events().inNamespace(namespace).list().getItems().stream()
                .map(e -> client.getKubernetesSerialization().convertValue(e, GenericKubernetesResource.class))
                .toList();
    }

    static Map<String, Object> map(Object o) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) o;
        return m;
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }
}
