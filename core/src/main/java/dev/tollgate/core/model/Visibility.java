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
 * and someone"). That rule is {@link #problems}, which the loader reports; but the core still gets lists it did not
 * check (tests, callers
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
     * A VirtualService's: {@code exportTo}, or {@code meshConfig.defaultVirtualServiceExportTo} as written when it is
     * empty ({@code virtualservice_controller.go copyDefaultExportToSet}: every entry, {@code .} read as the
     * VirtualService's namespace).
     */
    public static Visibility ofConfig(List<String> declared, List<String> meshDefault) {
        return asWritten(declared, meshDefault);
    }

    /**
     * A DestinationRule's: {@code exportTo}, or the mesh default when it is empty, of which Istio reads only
     * {@code .}: {@code push_context.go setDestinationRules} ("No exportTo in destinationRule. Use the global default.
     * We only honor . and *") makes a rule without exportTo private when {@code defaultDestinationRuleExportTo}
     * contains {@code .}, and otherwise exports it with an empty set, which {@code getExportedDestinationRuleFromNamespace}
     * shows to every namespace. So {@code ["default"]} or {@code ["~"]} make such rules public, and {@code .} wins
     * over {@code *}.
     */
    public static Visibility ofDestinationRule(List<String> declared, List<String> meshDefault) {
        Objects.requireNonNull(meshDefault);
        if (declared != null && !declared.isEmpty()) {
            return new Visibility(declared, List.of(), declared);
        }
        return new Visibility(List.of(), meshDefault, meshDefault.contains(PRIVATE) ? List.of(PRIVATE) : List.of(PUBLIC));
    }

    /**
     * A service's: {@code exportTo}, or {@code meshConfig.defaultServiceExportTo} as written when it is empty
     * ({@code push_context.go serviceExportTo}, read by {@code initServiceRegistry} and {@code IsServiceVisible}): a
     * default of {@code ["default"]} exports every service without exportTo to namespace {@code default}.
     */
    public static Visibility ofService(List<String> declared, List<String> meshDefault) {
        return asWritten(declared, meshDefault);
    }

    private static Visibility asWritten(List<String> declared, List<String> meshDefault) {
        Objects.requireNonNull(meshDefault);
        return declared == null || declared.isEmpty()
                ? new Visibility(List.of(), meshDefault, meshDefault)
                : new Visibility(declared, List.of(), declared);
    }

    /** Whose exportTo a list is: the rules differ in {@code ~} and in what {@code .} stands for. */
    public enum Owner {
        /** {@code ~} is allowed ("cannot export service entry to no one (~) and someone" if not alone). */
        SERVICE_ENTRY,
        /** VirtualService, DestinationRule without workloadSelector: {@code ~} is refused. */
        CONFIG,
        /** A DestinationRule with a workloadSelector: nothing beyond its own namespace. */
        DESTINATION_RULE_WITH_SELECTOR,
        /**
         * A {@code meshConfig.default*ExportTo} list. Istio does not validate these; Tollgate refuses what could not
         * mean anything (bad names, {@code *} or {@code ~} not alone) and lets duplicates pass, as before.
         */
        MESH_DEFAULT
    }

    /**
     * One violation of the exportTo rule.
     *
     * @param entry the position of the offending entry, or -1 when the list as a whole is at fault
     */
    public record Problem(int entry, String message) {
    }

    /**
     * Istio's {@code pkg/config/validation validateExportTo}, with its messages: no duplicates ({@code .} counts as
     * {@code namespace}), each entry {@code .}, {@code *}, {@code ~} (ServiceEntry only) or a namespace name
     * ({@code visibility.Instance.Validate}; Tollgate asks for a Kubernetes namespace name, lower case, where Istio
     * takes any DNS-1123 label), {@code *} and {@code ~} only alone, and a DestinationRule with a workloadSelector
     * exported to its own namespace only. Empty when the list is valid (an empty list is).
     *
     * @param namespace the resource's namespace; ignored for {@link Owner#MESH_DEFAULT}
     */
    public static List<Problem> problems(List<String> exportTo, String namespace, Owner owner) {
        List<Problem> out = new java.util.ArrayList<>();
        if (exportTo == null || exportTo.isEmpty()) {
            return out;
        }
        boolean meshDefault = owner == Owner.MESH_DEFAULT;
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < exportTo.size(); i++) {
            String e = exportTo.get(i);
            String key = e.equals(PRIVATE) && !meshDefault ? namespace : e;
            if (seen.contains(key) && !meshDefault) {
                out.add(new Problem(i, e.equals(key) ? "duplicate entries in exportTo for entry " + e
                        : "duplicate entries in exportTo: . and current namespace " + namespace));
            } else if (e.equals(NONE) && owner != Owner.SERVICE_ENTRY && !meshDefault) {
                out.add(new Problem(i, "exportTo ~ (none) is only allowed on a ServiceEntry"));
            } else if (!e.equals(PRIVATE) && !e.equals(PUBLIC) && !e.equals(NONE) && !KubernetesNames.isLabel(e)) {
                out.add(new Problem(i, "exportTo entry \"" + e
                        + "\" is invalid: only ., *, ~ or a namespace name (DNS-1123 label) is allowed"));
            } else {
                seen.add(key);
            }
        }
        if (owner == Owner.DESTINATION_RULE_WITH_SELECTOR && !seen.isEmpty()) {
            if (!seen.contains(namespace)) {
                out.add(new Problem(-1, "destination rule with workload selector cannot have exportTo beyond current"
                        + " namespace"));
            } else if (seen.size() > 1) {
                out.add(new Problem(-1, "destination rule with workload selector cannot have multiple entries in"
                        + " exportTo"));
            }
        }
        if (seen.contains(PUBLIC) && exportTo.size() > 1) {
            out.add(new Problem(-1, "cannot have both public (*) and non-public exportTo values for a resource"));
        }
        if (seen.contains(NONE) && exportTo.size() > 1) {
            out.add(new Problem(-1, "cannot export service entry to no one (~) and someone"));
        }
        return out;
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
