package dev.tollgate.core.model;

import java.util.Objects;

/**
 * Identifies one resource: kind, namespace, name. Printed as {@code Kind namespace/name}.
 *
 * @param writtenAs for a resource converted from another (a VirtualService Istio makes of an HTTPRoute), the one the
 *                  user wrote, as {@code HTTPRoute namespace/name}: messages name what the user can find in the
 *                  files; empty otherwise
 */
public record ResourceKey(Kind kind, String namespace, String name, String writtenAs) {
    public ResourceKey {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        writtenAs = writtenAs == null ? "" : writtenAs;
    }

    public ResourceKey(Kind kind, String namespace, String name) {
        this(kind, namespace, name, "");
    }

    @Override
    public String toString() {
        return writtenAs.isEmpty() ? kind.kubernetesName() + " " + namespace + "/" + name : writtenAs;
    }
}
