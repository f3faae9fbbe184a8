package dev.tollgate.core.registry;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Where one ServiceEntry is visible, as Istio's push context indexes it ({@code initServiceRegistry}):
 * <ul>
 *   <li>{@code *} anywhere in the list: every namespace (the other values are ignored);</li>
 *   <li>else {@code ~} anywhere: no namespace at all;</li>
 *   <li>else {@code .} and the entry's own namespace name: the entry's namespace; other names: those namespaces.</li>
 * </ul>
 * An empty {@code exportTo} takes {@code meshConfig.defaultServiceExportTo}: if it contains {@code .} the entry is
 * private to its namespace, else if it contains {@code *} it is public, else (only {@code ~} or namespace names)
 * Istio indexes it nowhere, so it is visible to no namespace.
 *
 * @param declared     the list as written, empty when the mesh default applied
 * @param meshDefault  the mesh default, when it applied
 * @param namespaces   the namespaces it is visible to when neither public nor none (already resolved)
 */
record ExportTo(Scope scope, Set<String> namespaces, List<String> declared, List<String> meshDefault) {

    enum Scope { PUBLIC, NONE, NAMESPACES }

    ExportTo {
        namespaces = Set.copyOf(namespaces);
        declared = List.copyOf(declared);
        meshDefault = List.copyOf(meshDefault);
    }

    static ExportTo of(List<String> declared, String ownNamespace, List<String> meshDefault) {
        if (declared == null || declared.isEmpty()) {
            if (meshDefault.contains(".")) {
                return new ExportTo(Scope.NAMESPACES, Set.of(ownNamespace), List.of(), meshDefault);
            }
            if (meshDefault.contains("*")) {
                return new ExportTo(Scope.PUBLIC, Set.of(), List.of(), meshDefault);
            }
            return new ExportTo(Scope.NONE, Set.of(), List.of(), meshDefault);
        }
        if (declared.contains("*")) {
            return new ExportTo(Scope.PUBLIC, Set.of(), declared, List.of());
        }
        if (declared.contains("~")) {
            return new ExportTo(Scope.NONE, Set.of(), declared, List.of());
        }
        Set<String> out = new LinkedHashSet<>();
        for (String e : declared) {
            out.add(e.equals(".") ? ownNamespace : e);
        }
        return new ExportTo(Scope.NAMESPACES, out, declared, List.of());
    }

    boolean visibleTo(String namespace) {
        return switch (scope) {
            case PUBLIC -> true;
            case NONE -> false;
            case NAMESPACES -> namespaces.contains(namespace);
        };
    }

    boolean fromMeshDefault() {
        return declared.isEmpty();
    }

    /** How a user would write it back, e.g. {@code exportTo: ["."]} or {@code meshConfig.defaultServiceExportTo: ["*"]}. */
    String describe() {
        return fromMeshDefault()
                ? "no exportTo, so meshConfig.defaultServiceExportTo " + quoted(meshDefault) + " applies"
                : "exportTo: " + quoted(declared);
    }

    static String quoted(List<String> values) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < values.size(); i++) {
            b.append(i == 0 ? "" : ", ").append('"').append(values.get(i)).append('"');
        }
        return b.append(']').toString();
    }
}
