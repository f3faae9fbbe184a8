package dev.tollgate.core.model;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Equality-based label selector: it matches a workload whose labels include every one of its pairs, as Istio's
 * {@code labels.Instance.SubsetOf} ({@code pkg/config/labels/instance.go}). An empty selector matches every label
 * set, the empty one included.
 *
 * <p>Whether a resource without a selector is the same as one with an empty selector depends on the kind, and the
 * kinds that care keep the absence themselves ({@code Optional<LabelSelector>}):
 * <table>
 *   <caption>Absent and empty selectors per kind, as Istio reads them</caption>
 *   <tr><th>Kind and field</th><th>Absent</th><th>Empty</th><th>Istio source</th></tr>
 *   <tr><td>Gateway {@code selector}</td><td>every gateway workload</td><td>every gateway workload</td>
 *       <td>{@code pilot/pkg/model/push_context.go} {@code mergeGateways}: "no selector. Applies to all workloads
 *       asking for the gateway"; otherwise {@code SubsetOf(proxy.Labels)}</td></tr>
 *   <tr><td>AuthorizationPolicy {@code selector.matchLabels}</td><td>every workload in scope</td>
 *       <td>every workload in scope</td><td>{@code pilot/pkg/model/policyattachment.go}
 *       {@code ShouldAttachPolicy}: {@code selector == nil || SubsetOf(p.WorkloadLabels)}</td></tr>
 *   <tr><td>Sidecar {@code workloadSelector.labels}</td><td>the namespace-wide Sidecar, tried after the
 *       workload-specific ones</td><td>matches every workload, as a workload-specific Sidecar</td>
 *       <td>{@code push_context.go} {@code getSidecarScope}: "if there is no workload selector, the config applies to
 *       all workloads"</td></tr>
 *   <tr><td>DestinationRule {@code workloadSelector.matchLabels}</td><td>the catch-all rule</td>
 *       <td>matches every workload of its own namespace, as a workload-specific rule</td>
 *       <td>{@code pilot/pkg/model/sidecar.go} {@code DestinationRule}: {@code GetWorkloadSelector() == nil} is the
 *       catch-all; otherwise only in the rule's namespace, outbound</td></tr>
 *   <tr><td>ServiceEntry {@code workloadSelector.labels}</td><td>the entry's own {@code endpoints}</td>
 *       <td>every WorkloadEntry of the entry's namespace (Istio's validation warns)</td>
 *       <td>{@code pilot/pkg/serviceregistry/serviceentry/conversion.go} {@code services}: WorkloadEntries of
 *       {@code cfg.Namespace} filtered by {@code krt.FilterLabel(se.WorkloadSelector.Labels)}; see
 *       {@code registry.ServiceEndpoints}</td></tr>
 * </table>
 */
public record LabelSelector(Map<String, String> matchLabels) {
    /** The empty selector: it matches every workload. */
    public static final LabelSelector EVERY_WORKLOAD = new LabelSelector(Map.of());

    public LabelSelector {
        matchLabels = Map.copyOf(matchLabels);
    }

    /**
     * The selector of these labels as written; {@code null} (no labels) is the empty selector, and a label written
     * without a value ({@code app: ~}) means the empty value, never a crash.
     */
    public static LabelSelector of(Map<String, String> matchLabels) {
        if (matchLabels == null || matchLabels.isEmpty()) {
            return EVERY_WORKLOAD;
        }
        Map<String, String> out = new HashMap<>();
        matchLabels.forEach((k, v) -> {
            if (k != null) {
                out.put(k, v == null ? "" : v);
            }
        });
        return new LabelSelector(out);
    }

    /** Istio's {@code SubsetOf}: every pair of the selector is among {@code labels}, key and value. */
    public boolean matches(Map<String, String> labels) {
        for (Map.Entry<String, String> e : matchLabels.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    public boolean isEmpty() {
        return matchLabels.isEmpty();
    }

    /** {@code k=v,k2=v2}, sorted by key. */
    public String describe() {
        return new TreeMap<>(matchLabels).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }

    /** As the map prints, which hop and explain texts have always shown. */
    @Override
    public String toString() {
        return matchLabels.toString();
    }
}
