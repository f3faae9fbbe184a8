package dev.tollgate.core.authz;

import dev.tollgate.core.model.PolicyRef;
import dev.tollgate.core.model.LabelSelector;
import dev.tollgate.core.model.Resource;
import io.fabric8.istio.api.api.security.v1beta1.AuthorizationPolicy;
import io.fabric8.istio.api.api.type.v1beta1.PolicyTargetReference;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One AuthorizationPolicy, compiled once: its action, whether it is a dry run, what it selects, and its rules.
 *
 * @param selector   {@code selector.matchLabels}; empty when the policy has no selector (it selects every workload)
 * @param targetRefs {@code targetRefs}, or the legacy {@code targetRef} when that is all there is
 * @param dryRunNote a problem with the {@code istio.io/dry-run} annotation, if any
 */
record CompiledPolicy(Resource<AuthorizationPolicy> resource, Action action, boolean dryRun,
                      Optional<LabelSelector> selector, List<PolicyTargetReference> targetRefs,
                      List<CompiledRule> rules, Optional<String> dryRunNote) {

    static final String DRY_RUN = "istio.io/dry-run";

    CompiledPolicy {
        targetRefs = List.copyOf(targetRefs);
        rules = List.copyOf(rules);
    }

    static CompiledPolicy compile(Resource<AuthorizationPolicy> resource, TrustDomains trustDomains) {
        AuthorizationPolicy spec = resource.spec();
        Action action = Action.of(spec.getAction());
        Optional<String> note = Optional.empty();
        boolean dryRun = false;
        String value = resource.annotations().get(DRY_RUN);
        if (value != null) {
            Optional<Boolean> parsed = parseBool(value);
            dryRun = parsed.orElse(false);
            if (parsed.isEmpty()) {
                note = Optional.of("annotation " + DRY_RUN + ": \"" + value
                        + "\" is not a boolean, so the policy is enforced (as Istio does)");
            }
        }
        Optional<LabelSelector> selector = spec.getSelector() == null ? Optional.empty()
                : Optional.of(LabelSelector.of(spec.getSelector().getMatchLabels()));
        List<PolicyTargetReference> refs = spec.getTargetRefs() == null ? List.of() : spec.getTargetRefs();
        if (refs.isEmpty() && spec.getTargetRef() != null) {
            refs = List.of(spec.getTargetRef());
        }
        List<CompiledRule> rules = new ArrayList<>();
        List<io.fabric8.istio.api.api.security.v1beta1.Rule> specRules =
                spec.getRules() == null ? List.of() : spec.getRules();
        for (int i = 0; i < specRules.size(); i++) {
            var r = specRules.get(i);
            rules.add(RuleCompiler.compile(r, i, PolicyRef.rule(resource.namespace(), resource.name(), i),
                    resource.namespace(), trustDomains, action));
        }
        return new CompiledPolicy(resource, action, dryRun, selector, refs.stream().filter(r -> r != null).toList(),
                rules, note);
    }

    String namespace() {
        return resource.namespace();
    }

    String name() {
        return resource.name();
    }

    /** The policy as a whole; its rules' refs extend it with their index. */
    PolicyRef policyRef() {
        return PolicyRef.policy(namespace(), name());
    }

    /** Go's strconv.ParseBool, which Istio uses for the dry-run annotation. */
    static Optional<Boolean> parseBool(String v) {
        return switch (v) {
            case "1", "t", "T", "TRUE", "true", "True" -> Optional.of(true);
            case "0", "f", "F", "FALSE", "false", "False" -> Optional.of(false);
            default -> Optional.empty();
        };
    }
}
