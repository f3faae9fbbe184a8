package dev.tollgate.config;

import dev.tollgate.core.model.KubernetesNames;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.Workload;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Workloads from Kubernetes manifests: a Pod's own labels and service account, or a controller's pod template
 * ({@code spec.template}, or {@code spec.jobTemplate.spec.template} for a CronJob). Reads only those fields.
 */
final class WorkloadReader {
    static final List<String> CONTROLLERS = List.of("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job",
            "ReplicationController", "CronJob");

    private WorkloadReader() {
    }

    static Optional<Workload> read(String kind, FieldNode doc, String namespace, String name, Origin origin,
                                   Problems.Scoped p) {
        Optional<FieldNode> pod = switch (kind) {
            case "Pod" -> Optional.of(doc);
            case "CronJob" -> doc.get("spec").flatMap(s -> s.get("jobTemplate")).flatMap(j -> j.get("spec"))
                    .flatMap(s -> s.get("template"));
            default -> doc.get("spec").flatMap(s -> s.get("template"));
        };
        if (pod.isEmpty()) {
            p.error("missing-field", doc, kind + " has no pod template (spec.template)");
            return Optional.empty();
        }
        Map<String, String> labels = new LinkedHashMap<>();
        Optional<FieldNode> labelNode = pod.get().get("metadata").flatMap(m -> m.get("labels"));
        if (labelNode.isPresent()) {
            if (!(labelNode.get().node() instanceof YamlNode.MapNode)) {
                p.error("wrong-type", labelNode.get(), "labels must be a map of strings");
                return Optional.empty();
            }
            for (FieldNode label : labelNode.get().entries()) {
                if (!(label.node() instanceof YamlNode.Scalar s) || s.type() != YamlNode.Scalar.Type.STRING) {
                    p.error("wrong-type", label, "label values must be strings (quote them), got "
                            + YamlNode.describe(label.node()));
                    return Optional.empty();
                }
                labels.put(label.key(), label.text());
            }
        }
        Optional<FieldNode> podSpec = pod.get().get("spec");
        String serviceAccount = podSpec.flatMap(s -> s.string("serviceAccountName"))
                .or(() -> podSpec.flatMap(s -> s.string("serviceAccount")))
                .filter(s -> !s.isEmpty()).orElse("default");
        if (!KubernetesNames.isSubdomain(serviceAccount)) {
            p.error("invalid-field", podSpec.flatMap(s -> s.get("serviceAccountName")).orElse(doc),
                    "invalid service account name \"" + serviceAccount + "\"");
            return Optional.empty();
        }
        return Optional.of(new Workload(namespace, name, serviceAccount, labels, origin));
    }
}
