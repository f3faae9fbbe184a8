package dev.tollgate.config;

import dev.tollgate.core.model.KubernetesNames;
import dev.tollgate.core.model.Kind;

import java.util.Map;
import java.util.Set;

/** The metadata rules Istio's validation applies to every kind: names, namespaces and its own annotations. */
final class MetadataRules {
    private static final String DRY_RUN = "istio.io/dry-run";

    private MetadataRules() {
    }

    /** Istio's ValidateGatewayName (a DNS-1123 label) and the API server's subdomain rule for the other kinds. */
    static void nameAndNamespace(Kind kind, String name, FieldNode nameAt, String namespace, FieldNode metadata,
                                 Problems.Scoped p) {
        if (name.isEmpty()) {
            p.error("missing-field", nameAt, "metadata.name is required");
        } else if (kind == Kind.GATEWAY ? !KubernetesNames.isLabel(name) : !KubernetesNames.isSubdomain(name)) {
            p.error("invalid-name", nameAt, "invalid " + kind.kubernetesName() + " name \"" + name + "\": must be a "
                    + (kind == Kind.GATEWAY ? "DNS-1123 label (lower case, no dots)" : "DNS-1123 subdomain (lower case)"));
        }
        if (!KubernetesNames.isLabel(namespace)) {
            p.error("invalid-namespace", metadata.get("namespace").orElse(metadata),
                    "invalid namespace \"" + namespace + "\": must be a DNS-1123 label");
        }
    }

    /** Istio's ValidateDryRunAnnotation: only ALLOW and DENY AuthorizationPolicies may be dry-run. */
    static void dryRunAnnotation(Kind kind, FieldNode spec, Map<String, String> annotations, FieldNode metadata,
                                 Problems.Scoped p) {
        if (annotations.containsKey(DRY_RUN)) {
            FieldNode at = metadata.get("annotations").flatMap(a -> a.get(DRY_RUN)).orElse(metadata);
            String value = annotations.get(DRY_RUN);
            String action = spec.string("action").orElse("ALLOW");
            if (kind != Kind.AUTHORIZATION_POLICY) {
                p.error("invalid-field", at, "unsupported annotation " + DRY_RUN + " (only AuthorizationPolicy supports it)");
            } else if (!action.equals("ALLOW") && !action.equals("DENY")) {
                p.error("invalid-field", at, "the annotation " + DRY_RUN + " currently only supports action "
                        + "ALLOW/DENY, found action " + action);
            } else if (!Set.of("1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False")
                    .contains(value)) {
                p.error("invalid-field", at, "annotation " + DRY_RUN + " has invalid value \"" + value
                        + "\" (expected true or false)");
            }
        }
    }
}
