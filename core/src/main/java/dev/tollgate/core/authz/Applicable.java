package dev.tollgate.core.authz;

import dev.tollgate.core.model.PolicyRef;
import dev.tollgate.core.model.WorkloadRef;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The policies that apply to one workload, prepared for the hot path: for each action the rules in Envoy's order
 * (its RBAC engine keeps policies in a {@code std::map}, so the first match by name is the one reported), with the
 * decision each would produce already built.
 */
final class Applicable {

    /** One rule ready to evaluate; {@code http}/{@code tcp} null when the rule is skipped for that protocol. */
    record Entry(CompiledPolicy policy, CompiledRule rule, Matcher http, Matcher tcp, AuthzDecision decision) {
        boolean matches(AuthzRequest r, boolean isTcp) {
            Matcher m = isTcp ? tcp : http;
            return m != null && m.matches(r);
        }
    }

    final List<CompiledPolicy> policies;
    final Entry[] custom;
    final Entry[] deny;
    final Entry[] allow;
    final Entry[] dryRun;
    /** {@link #deny} and {@link #allow} indexed by required SNI, per protocol: what decide evaluates. */
    final RuleIndex denyHttp;
    final RuleIndex denyTcp;
    final RuleIndex allowHttp;
    final RuleIndex allowTcp;
    final boolean enforcesAllow;
    final List<PolicyRef> considered;
    final AuthzDecision noAllowPolicy;
    final AuthzDecision noAllowMatched;

    private Applicable(List<CompiledPolicy> policies) {
        this.policies = List.copyOf(policies);
        List<PolicyRef> ids = new ArrayList<>();
        for (Action a : List.of(Action.CUSTOM, Action.DENY, Action.ALLOW)) {
            for (CompiledPolicy p : policies) {
                if (p.action() == a && !p.dryRun()) {
                    ids.add(p.policyRef());
                }
            }
        }
        this.considered = List.copyOf(ids);
        this.enforcesAllow = policies.stream().anyMatch(p -> p.action() == Action.ALLOW && !p.dryRun());
        this.noAllowPolicy = new AuthzDecision(true, Optional.empty(), "no ALLOW policy applies to the workload",
                considered, List.of());
        this.noAllowMatched = new AuthzDecision(false, Optional.empty(), "no ALLOW policy matched", considered,
                List.of());
        this.custom = entries(policies, Action.CUSTOM, false);
        this.deny = entries(policies, Action.DENY, false);
        this.allow = entries(policies, Action.ALLOW, false);
        List<Entry> dry = new ArrayList<>();
        for (Action a : List.of(Action.CUSTOM, Action.DENY, Action.ALLOW)) {
            dry.addAll(List.of(entries(policies, a, true)));
        }
        this.dryRun = dry.toArray(Entry[]::new);
        this.denyHttp = RuleIndex.of(deny, false);
        this.denyTcp = RuleIndex.of(deny, true);
        this.allowHttp = RuleIndex.of(allow, false);
        this.allowTcp = RuleIndex.of(allow, true);
    }

    static Applicable of(List<CompiledPolicy> candidates, WorkloadRef target, String rootNamespace) {
        List<CompiledPolicy> applying = new ArrayList<>();
        for (CompiledPolicy p : candidates) {
            if (Selection.whyNot(p, target, rootNamespace).isEmpty()) {
                applying.add(p);
            }
        }
        return new Applicable(applying);
    }

    private Entry[] entries(List<CompiledPolicy> policies, Action action, boolean dryRun) {
        List<Entry> out = new ArrayList<>();
        for (CompiledPolicy p : policies) {
            if (p.action() != action || p.dryRun() != dryRun) {
                continue;
            }
            if (action == Action.CUSTOM && !dryRun) {
                // Fail closed: with no provider to ask, every request to a selected workload is denied.
                CompiledRule all = CompiledRule.denyAll(p);
                out.add(new Entry(p, all, Matcher.ANY, Matcher.ANY, decision(p, all)));
                continue;
            }
            for (CompiledRule r : p.rules()) {
                out.add(new Entry(p, r, r.tree(false).orElse(null), r.tree(true).orElse(null), decision(p, r)));
            }
        }
        // Envoy orders RBAC policies by their names as text
        out.sort(Comparator.comparing(e -> e.rule().id().toString()));
        return out.toArray(Entry[]::new);
    }

    private AuthzDecision decision(CompiledPolicy p, CompiledRule r) {
        String where = p.namespace() + "/" + p.name() + " rule[" + r.index() + "]";
        return switch (p.action()) {
            case ALLOW -> new AuthzDecision(true, Optional.of(r.id()), "allowed by ALLOW policy " + where,
                    considered, List.of());
            case DENY -> new AuthzDecision(false, Optional.of(r.id()), "denied by DENY policy " + where,
                    considered, List.of());
            case CUSTOM -> new AuthzDecision(false, Optional.of(r.id()), "denied by CUSTOM policy " + p.namespace()
                    + "/" + p.name() + ": CUSTOM (external authorization) is not supported, so Tollgate denies all "
                    + "traffic to the workloads it selects (fail closed)", considered, List.of());
            case AUDIT -> new AuthzDecision(true, Optional.of(r.id()), "audited by " + where, considered,
                    List.of());
        };
    }
}
