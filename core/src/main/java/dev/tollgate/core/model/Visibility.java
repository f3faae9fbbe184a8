package dev.tollgate.core.model;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Where a service or a piece of config is visible: its {@code exportTo}, or the mesh default when that is empty.
 * Modelled on Istio's {@code pkg/config/visibility}: each entry is an {@code Instance}, one of {@link #PRIVATE}
 * ({@code .}, the resource's own namespace), {@link #PUBLIC} ({@code *}, every namespace), {@link #NONE}
 * ({@code ~}, no namespace; for services only) or a namespace name.
 *
 * <p>Istio's validation ({@code pkg/config/validation validateExportTo}) lets {@code *} and {@code ~} only stand
 * alone ("cannot have both public (*) and non-public exportTo values", "cannot export service entry to no one (~)
 * and someone"). Tollgate's loader enforces that, but the core still gets lists it did not check (tests, callers
 * building specs), so they are read as Istio's push context indexes them ({@code initServiceRegistry},
 * {@code initVirtualServices}): {@code *} anywhere makes it public, else {@code ~} anywhere makes it visible
 * nowhere, else {@code .} and names list the namespaces.
 *
 * <p>The value holds no namespace of its own: every question names the resource's namespace, which is what
 * {@code .} means.
 *
 * @param declared    the {@code exportTo} as written, empty when the mesh default applies
 * @param meshDefault the mesh default ({@code defaultServiceExportTo} etc.), when it applies; else empty
 * @param effective   the entries that decide
 */
public record Visibility(List<String> declared, List<String> meshDefault, List<String> effective) {
    public static final String PRIVATE = ".";
    public static final String PUBLIC = "*";
    public static final String NONE = "~";

    /** How the entries place the resource, as Istio's push context indexes it. */
    public enum Scope { PUBLIC, NONE, NAMESPACES }

    public Visibility {
        declared = List.copyOf(declared);
        meshDefault = List.copyOf(meshDefault);
        effective = List.copyOf(effective);
    }

    /**
     * A VirtualService's or DestinationRule's: {@code exportTo}, or the mesh default
     * ({@code defaultVirtualServiceExportTo}, {@code defaultDestinationRuleExportTo}) when it is empty.
     */
    public static Visibility ofConfig(List<String> declared, List<String> meshDefault) {
        Objects.requireNonNull(meshDefault);
        return declared == null || declared.isEmpty()
                ? new Visibility(List.of(), meshDefault, meshDefault)
                : new Visibility(declared, List.of(), declared);
    }

    /**
     * A service's: {@code exportTo}, or {@code meshConfig.defaultServiceExportTo} when it is empty. Of the default
     * only {@code .} and {@code *} count, {@code .} first: a default naming only namespaces (or {@code ~}) leaves
     * the service visible nowhere (RegistryConformanceTest E11-E15 pin this reading of {@code initServiceRegistry}).
     */
    public static Visibility ofService(List<String> declared, List<String> meshDefault) {
        Objects.requireNonNull(meshDefault);
        if (declared != null && !declared.isEmpty()) {
            return new Visibility(declared, List.of(), declared);
        }
        List<String> effective = meshDefault.contains(PRIVATE) ? List.of(PRIVATE)
                : meshDefault.contains(PUBLIC) ? List.of(PUBLIC) : List.of(NONE);
        return new Visibility(List.of(), meshDefault, effective);
    }

    /** Visible in every namespace: Kubernetes Services, which Tollgate does not read exportTo from. */
    public static Visibility everywhere() {
        return new Visibility(List.of(PUBLIC), List.of(), List.of(PUBLIC));
    }

    public Scope scope() {
        return effective.contains(PUBLIC) ? Scope.PUBLIC : effective.contains(NONE) ? Scope.NONE : Scope.NAMESPACES;
    }

    /** The namespaces it is exported to when {@link #scope()} is NAMESPACES ({@code .} resolved); else empty. */
    public Set<String> namespaces(String ownNamespace) {
        Set<String> out = new LinkedHashSet<>();
        if (scope() == Scope.NAMESPACES) {
            for (String e : effective) {
                out.add(e.equals(PRIVATE) ? ownNamespace : e);
            }
        }
        return out;
    }

    /** Is a resource in {@code ownNamespace} with this visibility visible from {@code namespace}? */
    public boolean isVisibleFrom(String namespace, String ownNamespace) {
        return switch (scope()) {
            case PUBLIC -> true;
            case NONE -> false;
            case NAMESPACES -> namespaces(ownNamespace).contains(namespace);
        };
    }

    /**
     * Istio indexes config in three groups and a consumer in {@code namespace} sees them in this order: private to
     * its own namespace (0), exported to it by name from another (1), then everything else (2).
     */
    public int precedenceFor(String namespace, String ownNamespace) {
        if (namespace.equals(ownNamespace) && (effective.contains(PRIVATE) || effective.contains(ownNamespace))) {
            return 0;
        }
        if (!namespace.equals(ownNamespace) && effective.contains(namespace)) {
            return 1;
        }
        return 2;
    }

    public boolean fromMeshDefault() {
        return declared.isEmpty();
    }

    /** A list as a user writes it in YAML, e.g. {@code [".", "default"]}. */
    public static String quoted(List<String> values) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < values.size(); i++) {
            b.append(i == 0 ? "" : ", ").append('"').append(values.get(i)).append('"');
        }
        return b.append(']').toString();
    }

    /** The deciding entries, e.g. {@code [.]}: what {@code explain} quotes after "exportTo". */
    @Override
    public String toString() {
        return effective.toString();
    }
}
