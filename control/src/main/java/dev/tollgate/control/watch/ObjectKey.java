package dev.tollgate.control.watch;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * One object in the cluster, whatever API version it was read at. Its {@link #source()} is the name its diagnostics
 * carry as their origin, so a diagnostic can be traced back to the object it is about.
 */
record ObjectKey(String group, String kind, String namespace, String name) implements Comparable<ObjectKey> {

    static ObjectKey of(WatchedKind kind, HasMetadata object) {
        String ns = object.getMetadata().getNamespace();
        return new ObjectKey(kind.group(), kind.kind(), ns == null ? "" : ns, object.getMetadata().getName());
    }

    String source() {
        return "cluster:" + (group.isEmpty() ? "" : group + "/") + kind + "/"
                + (namespace.isEmpty() ? "" : namespace + "/") + name;
    }

    @Override
    public int compareTo(ObjectKey o) {
        return source().compareTo(o.source());
    }
}
