package dev.tollgate.core.snapshot;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The whole path's answer, as {@code tollgate check} prints it.
 *
 * @param outcome            {@code allowed}, {@code blocked} (the sidecar refused), {@code denied} (the gateway's
 *                           authorization), {@code no-route}
 * @param policy             the deciding policy id in Envoy's form, when one rule decided
 * @param policiesConsidered ids of every policy evaluated at the deciding hop (for "no ALLOW policy matched")
 * @param upstream           where the traffic finally goes, when allowed
 */
public record CheckResult(boolean allowed, String outcome, Optional<String> policy, String reason, List<Hop> hops,
                          List<String> policiesConsidered, Optional<Upstream> upstream) {
    public CheckResult {
        Objects.requireNonNull(outcome);
        policy = policy == null ? Optional.empty() : policy;
        Objects.requireNonNull(reason);
        hops = List.copyOf(hops);
        policiesConsidered = List.copyOf(policiesConsidered);
        upstream = upstream == null ? Optional.empty() : upstream;
    }
}
