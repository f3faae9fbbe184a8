package dev.tollgate.core.model;

import java.util.Objects;

/** Identifies one resource: kind, namespace, name. Printed as {@code Kind namespace/name}. */
public record ResourceKey(Kind kind, String namespace, String name) {
    public ResourceKey {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
    }

    @Override
    public String toString() {
        return kind.kubernetesName() + " " + namespace + "/" + name;
    }
}
