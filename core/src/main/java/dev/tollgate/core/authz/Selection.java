package dev.tollgate.core.authz;

import dev.tollgate.core.model.LabelSelector;
import dev.tollgate.core.model.WorkloadRef;
import io.fabric8.istio.api.api.type.v1beta1.PolicyTargetReference;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Which workloads a policy applies to, as Istio's {@code WorkloadPolicyMatcher.ShouldAttachPolicy}: the policy's
 * namespace must be the root namespace or the workload's; then
 * <ul>
 *   <li>a workload that is not a Gateway API gateway (no {@code gateway.networking.k8s.io/gateway-name} label):
 *       a policy with {@code targetRefs} is ignored altogether; otherwise {@code selector.matchLabels} must be a
 *       subset of the workload's labels (no selector selects all);</li>
 *   <li>a Gateway API gateway workload: without {@code targetRefs} the selector decides (Istio's default
 *       {@code ENABLE_SELECTOR_BASED_K8S_GATEWAY_POLICY=true}); with them, one must be
 *       {@code gateway.networking.k8s.io/Gateway} named as the label says, in the workload's namespace, from a
 *       policy in that namespace.</li>
 * </ul>
 * Tollgate has no Gateway API objects, Services or waypoints, so that label is the only thing a {@code targetRefs}
 * can resolve to; any other target (Service, ServiceEntry, GatewayClass) applies to nothing, as in Istio for
 * sidecars and gateways.
 */
final class Selection {
    static final String GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name";

    private Selection() {
    }

    /** Empty when {@code p} applies to {@code w}; otherwise the reason it does not. */
    static Optional<String> whyNot(CompiledPolicy p, WorkloadRef w, String rootNamespace) {
        if (!p.namespace().equals(rootNamespace) && !p.namespace().equals(w.namespace())) {
            return Optional.of("policy is in namespace " + p.namespace() + "; it applies only to workloads in "
                    + p.namespace() + " (the root namespace is " + rootNamespace + "), and the workload is in "
                    + w.namespace());
        }
        String gatewayName = w.labels().get(GATEWAY_NAME_LABEL);
        if (gatewayName == null) {
            if (!p.targetRefs().isEmpty()) {
                return Optional.of("policy has targetRefs " + refs(p) + ": Istio ignores a policy with targetRefs "
                        + "for a workload that is not a Gateway API gateway (no label " + GATEWAY_NAME_LABEL
                        + "), and Tollgate has no Gateway API objects or Services, so it applies to nothing here");
            }
            return selector(p, w);
        }
        if (p.targetRefs().isEmpty()) {
            return selector(p, w);
        }
        for (PolicyTargetReference ref : p.targetRefs()) {
            String ns = ref.getNamespace();
            if (p.namespace().equals(w.namespace()) && (ns == null || ns.isEmpty() || ns.equals(w.namespace()))
                    && "gateway.networking.k8s.io".equals(ref.getGroup()) && "Gateway".equals(ref.getKind())
                    && gatewayName.equals(ref.getName())) {
                return Optional.empty();
            }
        }
        return Optional.of("policy has targetRefs " + refs(p) + ", none of which is the Gateway "
                + w.namespace() + "/" + gatewayName + " that this workload runs (label " + GATEWAY_NAME_LABEL + ")");
    }

    private static Optional<String> selector(CompiledPolicy p, WorkloadRef w) {
        if (p.selector().isEmpty()) {
            return Optional.empty();
        }
        LabelSelector want = p.selector().get();
        if (!want.matches(w.labels())) {
            return Optional.of("selector " + want.describe() + " does not match the workload's labels ("
                    + (w.labels().isEmpty() ? "none" : labels(w.labels())) + ")");
        }
        return Optional.empty();
    }

    static String labels(Map<String, String> labels) {
        return new TreeMap<>(labels).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }

    private static String refs(CompiledPolicy p) {
        return p.targetRefs().stream()
                .map(r -> (r.getGroup() == null || r.getGroup().isEmpty() ? "core" : r.getGroup()) + "/"
                        + r.getKind() + " " + r.getName())
                .collect(Collectors.joining(", ", "[", "]"));
    }
}
