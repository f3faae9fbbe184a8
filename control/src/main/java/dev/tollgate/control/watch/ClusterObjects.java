package dev.tollgate.control.watch;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The latest version of every watched object, as the informers last delivered it, and who to tell when one changes.
 * Reads are copies: a snapshot is built from one consistent picture while the informers go on.
 */
final class ClusterObjects {
    /** An object and the kind it was watched as. */
    record Entry(WatchedKind kind, GenericKubernetesResource object) {
    }

    private final Map<ObjectKey, Entry> objects = new ConcurrentHashMap<>();
    private final Runnable changed;

    ClusterObjects(Runnable changed) {
        this.changed = Objects.requireNonNull(changed);
    }

    ResourceEventHandler<GenericKubernetesResource> handler(WatchedKind kind) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(GenericKubernetesResource obj) {
                put(kind, obj);
            }

            @Override
            public void onUpdate(GenericKubernetesResource oldObj, GenericKubernetesResource newObj) {
                put(kind, newObj);
            }

            @Override
            public void onDelete(GenericKubernetesResource obj, boolean deletedFinalStateUnknown) {
                objects.remove(ObjectKey.of(kind, obj));
                changed.run();
            }
        };
    }

    private void put(WatchedKind kind, GenericKubernetesResource obj) {
        objects.put(ObjectKey.of(kind, obj), new Entry(kind, obj));
        changed.run();
    }

    /** Every object now, sorted by key so that a load's order, and its diagnostics, do not depend on timing. */
    Map<ObjectKey, Entry> copy() {
        return new TreeMap<>(objects);
    }
}
