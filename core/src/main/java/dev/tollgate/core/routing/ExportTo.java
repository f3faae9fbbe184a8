package dev.tollgate.core.routing;

import java.util.List;

/**
 * A resource's {@code exportTo}, resolved against its own namespace. Istio: "The value "." is reserved and defines
 * an export to the same namespace that the [resource] is declared in. Similarly the value "*" is reserved and
 * defines an export to all namespaces"; "~" exports nowhere. An empty list falls back to the mesh default.
 */
record ExportTo(String ownNamespace, List<String> values) {
    ExportTo {
        values = List.copyOf(values);
    }

    static ExportTo of(String ownNamespace, List<String> declared, List<String> meshDefault) {
        return new ExportTo(ownNamespace, declared == null || declared.isEmpty() ? meshDefault : declared);
    }

    boolean visibleTo(String namespace) {
        for (String v : values) {
            if (v.equals("*") || v.equals(namespace) || (v.equals(".") && ownNamespace.equals(namespace))) {
                return true;
            }
        }
        return false;
    }

    /** Istio indexes exports in three groups and a consumer sees them in this order (its own first, then public). */
    int precedenceFor(String namespace) {
        if (values.contains(".") || values.contains(ownNamespace)) {
            if (namespace.equals(ownNamespace)) {
                return 0;
            }
        }
        if (values.contains(namespace) && !namespace.equals(ownNamespace)) {
            return 1;
        }
        return 2;
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
