package dev.tollgate.core.authz;

import dev.tollgate.core.model.PolicyRef;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of evaluating every AuthorizationPolicy that applies to one workload.
 *
 * @param policyId           the deciding rule; empty when no single rule
 *                           decided (allowed with no ALLOW policy, or denied because no ALLOW policy matched)
 * @param policiesConsidered the policies that applied to the workload, in evaluation order
 * @param dryRunMatches      the {@code istio.io/dry-run} rules that would have decided, logged only
 */
public record AuthzDecision(boolean allowed, Optional<PolicyRef> policyId, String reason,
                            List<PolicyRef> policiesConsidered, List<PolicyRef> dryRunMatches) {
    public AuthzDecision {
        policyId = policyId == null ? Optional.empty() : policyId;
        Objects.requireNonNull(reason);
        policiesConsidered = List.copyOf(policiesConsidered);
        dryRunMatches = List.copyOf(dryRunMatches);
    }
}
