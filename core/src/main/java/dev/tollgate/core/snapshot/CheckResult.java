package dev.tollgate.core.snapshot;

import dev.tollgate.core.model.PolicyRef;
import dev.tollgate.core.model.Verdict;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The whole path's answer, as {@code tollgate check} prints it.
 *
 * @param policy             the deciding policy id in Envoy's form, when one rule decided
 * @param policiesConsidered every policy evaluated at the deciding hop (for "no ALLOW policy matched")
 * @param upstream           where the traffic finally goes, when allowed
 */
public record CheckResult(Verdict outcome, Optional<PolicyRef> policy, String reason, List<Hop> hops,
                          List<PolicyRef> policiesConsidered, Optional<Upstream> upstream) {
    public CheckResult {
        Objects.requireNonNull(outcome);
        policy = policy == null ? Optional.empty() : policy;
        Objects.requireNonNull(reason);
        hops = List.copyOf(hops);
        policiesConsidered = List.copyOf(policiesConsidered);
        upstream = upstream == null ? Optional.empty() : upstream;
    }

    public boolean allowed() {
        return outcome.allowed();
    }
}
