package dev.tollgate.core.snapshot;

import dev.tollgate.core.model.PolicyRef;
import dev.tollgate.core.model.Verdict;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The whole path's answer, as {@code tollgate check} prints it.
 *
 * <p>A class rather than a record so that the reason can wait: a refusal's reason may walk the registry to be
 * worded, and a matrix asks a million decisions of which it prints none of the words (see {@link Hop}). Equality
 * and {@code toString} are a record's.
 *
 * @param policy             the deciding policy id in Envoy's form, when one rule decided
 * @param policiesConsidered every policy evaluated at the deciding hop (for "no ALLOW policy matched")
 * @param upstream           where the traffic finally goes, when allowed
 */
public final class CheckResult {
    private final Verdict outcome;
    private final Optional<PolicyRef> policy;
    private final Supplier<String> reason;
    private final List<Hop> hops;
    private final List<PolicyRef> policiesConsidered;
    private final Optional<Upstream> upstream;

    public CheckResult(Verdict outcome, Optional<PolicyRef> policy, String reason, List<Hop> hops,
                       List<PolicyRef> policiesConsidered, Optional<Upstream> upstream) {
        this(outcome, policy, constant(reason), hops, policiesConsidered, upstream);
    }

    /** {@code reason} is read on demand (it must be pure, and is read at most once per call of {@link #reason}). */
    public CheckResult(Verdict outcome, Optional<PolicyRef> policy, Supplier<String> reason, List<Hop> hops,
                       List<PolicyRef> policiesConsidered, Optional<Upstream> upstream) {
        this.outcome = Objects.requireNonNull(outcome);
        this.policy = policy == null ? Optional.empty() : policy;
        this.reason = Objects.requireNonNull(reason);
        this.hops = List.copyOf(hops);
        this.policiesConsidered = List.copyOf(policiesConsidered);
        this.upstream = upstream == null ? Optional.empty() : upstream;
    }

    private static Supplier<String> constant(String s) {
        Objects.requireNonNull(s);
        return () -> s;
    }

    public Verdict outcome() {
        return outcome;
    }

    public Optional<PolicyRef> policy() {
        return policy;
    }

    public String reason() {
        return Objects.requireNonNull(reason.get());
    }

    public List<Hop> hops() {
        return hops;
    }

    public List<PolicyRef> policiesConsidered() {
        return policiesConsidered;
    }

    public Optional<Upstream> upstream() {
        return upstream;
    }

    public boolean allowed() {
        return outcome.allowed();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CheckResult r && outcome == r.outcome && policy.equals(r.policy)
                && reason().equals(r.reason()) && hops.equals(r.hops) && policiesConsidered.equals(r.policiesConsidered)
                && upstream.equals(r.upstream);
    }

    @Override
    public int hashCode() {
        return Objects.hash(outcome, policy, reason(), hops, policiesConsidered, upstream);
    }

    @Override
    public String toString() {
        return "CheckResult[outcome=" + outcome + ", policy=" + policy + ", reason=" + reason() + ", hops=" + hops
                + ", policiesConsidered=" + policiesConsidered + ", upstream=" + upstream + "]";
    }
}
