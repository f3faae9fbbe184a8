package dev.tollgate.config;

import dev.tollgate.core.model.KubernetesNames;
import dev.tollgate.core.model.Kind;
import io.fabric8.kubernetes.api.model.ObjectMeta;

import java.util.Map;
import java.util.Set;

/** The metadata rules Istio's validation applies to every kind: names, namespaces and its own annotations. */
final class MetadataRules {
    private static final String DRY_RUN = "istio.io/dry-run";

    /**
     * The metadata the API server writes, which {@code kubectl get -o yaml} exports keep. No decision reads them,
     * and their content is the server's (managedFields' FieldsV1 keys such as {@code f:spec} are not a schema), so
     * they load whatever they hold.
     */
    static final Set<String> SERVER_WRITTEN = Set.of("managedFields", "resourceVersion", "uid", "generation",
            "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink", "finalizers",
            "ownerReferences");

    private static SpecSchema.ObjectShape metadataShape;

    private MetadataRules() {
    }

    /**
     * ObjectMeta's shape with the {@link #SERVER_WRITTEN} fields taking any value. The fields Istio reads (name,
     * namespace, labels, annotations) and generateName stay strict, so {@code lables:} is still an unknown field.
     */
    static synchronized SpecSchema.ObjectShape metadataShape() {
        if (metadataShape == null) {
            SpecSchema.ObjectShape strict = (SpecSchema.ObjectShape) SpecSchema.of(ObjectMeta.class);
            SpecSchema.ObjectShape shape = new SpecSchema.ObjectShape(strict.typeName);
            strict.properties().forEach((name, fieldShape) -> shape.properties().put(name, SERVER_WRITTEN.contains(name)
                    ? new SpecSchema.AnyValue() : fieldShape));
            metadataShape = shape;
        }
        return metadataShape;
    }

    /** Istio's ValidateGatewayName (a DNS-1123 label) and the API server's subdomain rule for the other kinds. */
    static void nameAndNamespace(Kind kind, String name, FieldNode nameAt, String namespace, FieldNode metadata,
                                 Problems.Scoped p) {
        if (name.isEmpty()) {
            p.error("missing-field", nameAt, "metadata.name is required");
        } else if (kind == Kind.SERVICE ? !isDns1035Label(name)
                : kind == Kind.GATEWAY ? !KubernetesNames.isLabel(name) : !KubernetesNames.isSubdomain(name)) {
            p.error("invalid-name", nameAt, "invalid " + kind.kubernetesName() + " name \"" + name + "\": must be a "
                    + (kind == Kind.SERVICE ? "DNS-1035 label (lower case, starting with a letter, no dots), the"
                    + " first label of its host"
                    : kind == Kind.GATEWAY ? "DNS-1123 label (lower case, no dots)" : "DNS-1123 subdomain (lower case)"));
        }
        if (!KubernetesNames.isLabel(namespace)) {
            p.error("invalid-namespace", metadata.get("namespace").orElse(metadata),
                    "invalid namespace \"" + namespace + "\": must be a DNS-1123 label");
        }
    }

    /** Kubernetes' {@code ValidateServiceName}: a DNS-1035 label, a DNS-1123 label that starts with a letter. */
    static boolean isDns1035Label(String s) {
        return KubernetesNames.isLabel(s) && s.charAt(0) >= 'a' && s.charAt(0) <= 'z';
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
