package dev.tollgate.control.watch;

import dev.tollgate.config.ParsedObject;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The cluster's objects read once, as {@code istioctl analyze} reads them: the kinds and versions the control plane
 * watches ({@link WatchedKinds}), listed instead of watched, in the form the watch hands the loader
 * ({@link Assembly#fields}), each named {@code cluster:GROUP/KIND/NAMESPACE/NAME} so that a diagnostic names its
 * object. So the CLI reading a cluster and the control plane watching it load the same configuration.
 */
public final class ClusterListing {
    private ClusterListing() {
    }

    /**
     * @param rootNamespace where the {@code istio} ConfigMap is read
     * @throws KubernetesClientException when a list fails (unreachable, unauthorized, forbidden)
     * @throws IllegalStateException     when the API server cannot say which versions of Istio's kinds it serves
     */
    public static List<ParsedObject> list(KubernetesClient client, String rootNamespace) {
        Map<ObjectKey, GenericKubernetesResource> objects = new TreeMap<>();
        List<WatchedKind> kinds = new ArrayList<>(WatchedKinds.istio(client));
        kinds.addAll(WatchedKinds.KUBERNETES);
        for (WatchedKind kind : kinds) {
            var resources = client.genericKubernetesResources(kind.context());
            var items = kind.namespaced() ? resources.inAnyNamespace().list().getItems() : resources.list().getItems();
            for (GenericKubernetesResource o : items) {
                objects.put(ObjectKey.of(kind, o), typed(kind, o));
            }
        }
        GenericKubernetesResource mesh = client.genericKubernetesResources(WatchedKinds.CONFIG_MAP.context())
                .inNamespace(rootNamespace).withName("istio").get();
        if (mesh != null) {
            objects.put(ObjectKey.of(WatchedKinds.CONFIG_MAP, mesh), typed(WatchedKinds.CONFIG_MAP, mesh));
        }
        List<ParsedObject> out = new ArrayList<>(objects.size());
        objects.forEach((key, o) -> out.add(new ParsedObject(key.source(), Assembly.fields(o))));
        return out;
    }

    /** A list's items may come without apiVersion and kind (the list has them); the loader needs both. */
    private static GenericKubernetesResource typed(WatchedKind kind, GenericKubernetesResource o) {
        if (o.getApiVersion() == null || o.getApiVersion().isEmpty()) {
            o.setApiVersion(kind.apiVersion());
        }
        if (o.getKind() == null || o.getKind().isEmpty()) {
            o.setKind(kind.kind());
        }
        return o;
    }
}
