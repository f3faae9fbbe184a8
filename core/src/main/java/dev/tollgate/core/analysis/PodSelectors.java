package dev.tollgate.core.analysis;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;

import java.util.List;
import java.util.Map;

/**
 * A Kubernetes label selector as the API server reads it ({@code metav1.LabelSelectorAsSelector}): every
 * {@code matchLabels} pair and every {@code matchExpressions} requirement must hold; an empty selector selects
 * every pod. Istio's equality-only {@code model.LabelSelector} cannot say {@code NotIn} or {@code Exists}.
 */
final class PodSelectors {
    private PodSelectors() {
    }

    static boolean selectsAll(LabelSelector s) {
        return s == null || (s.getMatchLabels() == null || s.getMatchLabels().isEmpty())
                && (s.getMatchExpressions() == null || s.getMatchExpressions().isEmpty());
    }

    static boolean matches(LabelSelector s, Map<String, String> labels) {
        if (s == null) {
            return true;
        }
        if (s.getMatchLabels() != null) {
            for (Map.Entry<String, String> e : s.getMatchLabels().entrySet()) {
                if (!e.getValue().equals(labels.get(e.getKey()))) {
                    return false;
                }
            }
        }
        if (s.getMatchExpressions() != null) {
            for (LabelSelectorRequirement r : s.getMatchExpressions()) {
                if (!holds(r, labels)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** An operator Kubernetes does not know selects nothing: validation refuses it, and nothing is not wider. */
    private static boolean holds(LabelSelectorRequirement r, Map<String, String> labels) {
        String value = labels.get(r.getKey());
        List<String> values = r.getValues() == null ? List.of() : r.getValues();
        return switch (r.getOperator() == null ? "" : r.getOperator()) {
            case "In" -> value != null && values.contains(value);
            case "NotIn" -> value == null || !values.contains(value);
            case "Exists" -> value != null;
            case "DoesNotExist" -> value == null;
            default -> false;
        };
    }
}
