package dev.tollgate.core.authz;

import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.model.Consideration;
import dev.tollgate.core.model.Stage;
import dev.tollgate.core.model.PolicyRef;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code explain} for authorization: every AuthorizationPolicy in the configuration, whether it applies to the
 * workload and why (not), and, by walking the same matcher trees that {@link Authorizer#authorize} evaluates,
 * which rule matched or which leaf failed. Policies that do not apply are still evaluated, so explain can say
 * "it would not match anyway". Off the hot path: allocation here is fine.
 */
final class Explainer {
    static final Stage STAGE = Stage.AUTHZ;

    private Explainer() {
    }

    static List<Consideration> explain(Authorizer authz, WorkloadRef target, AuthzRequest request) {
        AuthzDecision decision = authz.authorizeNormalized(target, request);
        Applicable applicable = authz.applicable(target);
        boolean tcp = request.isTcp();
        List<Consideration> applied = new ArrayList<>();
        for (Action a : List.of(Action.CUSTOM, Action.DENY, Action.ALLOW, Action.AUDIT)) {
            for (CompiledPolicy p : applicable.policies) {
                if (p.action() == a) {
                    Consideration c = new Consideration(STAGE, p.resource().key(), !p.dryRun() && a != Action.AUDIT,
                            applies(p, target, authz.rootNamespace()) + "; " + outcome(p, request, tcp, decision),
                            p.resource().origin());
                    applied.add(decides(p, decision) ? c.asDeciding() : c);
                }
            }
        }
        List<Consideration> others = new ArrayList<>();
        for (CompiledPolicy p : authz.policies()) {
            if (applicable.policies.contains(p)) {
                continue;
            }
            String why = Selection.whyNot(p, target, authz.rootNamespace()).orElse("policy does not apply");
            others.add(new Consideration(STAGE, p.resource().key(), false,
                    why + "; " + hypothetical(p, request, tcp), p.resource().origin()));
        }
        List<Consideration> out = new ArrayList<>(applied);
        out.addAll(others);
        return List.copyOf(out);
    }

    /**
     * Whether the decision rests on this policy: it holds the deciding rule, or, for "no ALLOW policy matched", it is
     * one of the enforced ALLOW policies that all failed to match (together they leave the request denied).
     */
    private static boolean decides(CompiledPolicy p, AuthzDecision decision) {
        if (p.dryRun()) {
            return false;
        }
        if (decision.policyId().isPresent()) {
            PolicyRef decider = decision.policyId().get();
            return p.rules().stream().anyMatch(r -> r.id().equals(decider))
                    || decider.policy().equals(p.policyRef());
        }
        return !decision.allowed() && p.action() == Action.ALLOW;
    }

    private static String applies(CompiledPolicy p, WorkloadRef w, String root) {
        StringBuilder b = new StringBuilder(p.action().name()).append(" policy applies to ").append(w.namespace())
                .append('/').append(w.serviceAccount()).append(" (");
        b.append(p.namespace().equals(root) ? "it is in the root namespace " + root + ", so it applies mesh-wide"
                : "it is in the workload's namespace " + p.namespace());
        if (!p.targetRefs().isEmpty()) {
            b.append("; its targetRefs name the workload's Gateway");
        } else if (p.selector().isEmpty()) {
            b.append("; no selector, so it selects every workload there");
        } else if (p.selector().get().isEmpty()) {
            b.append("; its empty selector selects every workload there");
        } else {
            b.append("; selector ").append(p.selector().get().describe()).append(" matches");
        }
        b.append(')');
        if (p.dryRun()) {
            b.append("; dry run (istio.io/dry-run: \"true\"): evaluated and logged, never enforced");
        }
        return b.toString();
    }

    /** What an applying policy did to this request. */
    private static String outcome(CompiledPolicy p, AuthzRequest r, boolean tcp, AuthzDecision decision) {
        String rules = rules(p, r, tcp);
        Optional<CompiledRule> matched = firstMatch(p, r, tcp);
        Optional<PolicyRef> decider = decision.policyId();
        String decidedBy = decider.map(PolicyRef::toString).orElse("");
        boolean decidedHere = matched.isPresent() && decider.isPresent()
                && p.rules().stream().anyMatch(x -> x.id().equals(decider.get()));
        return switch (p.action()) {
            case CUSTOM -> p.dryRun()
                    ? "CUSTOM (external authorization) is not supported; as a dry run it is only evaluated: " + rules
                    + (matched.isPresent() ? "; it would have sent the request to its provider" : "")
                    : "CUSTOM (external authorization) is not supported, so Tollgate denies all traffic to the "
                    + "workloads it selects (fail closed)"
                    + (decider.map(d -> d.policy().equals(p.policyRef())).orElse(false)
                    ? "; so the request is denied (" + decidedBy + ")" : "")
                    + "; its rules would choose what to send to the provider: " + rules;
            case DENY -> rules + (matched.isEmpty() ? "" : p.dryRun() ? "; it would have denied the request"
                    : decidedHere ? "; so the request is denied (" + decidedBy + ")"
                    : "; the request is denied by " + decidedBy);
            case AUDIT -> rules + (matched.isPresent() ? "; the request is marked for audit" : "")
                    + " (AUDIT never changes the decision)";
            case ALLOW -> {
                if (p.dryRun()) {
                    yield rules + (matched.isPresent() ? "; it would have allowed the request"
                            : "; it would not have allowed the request");
                }
                if (matched.isPresent()) {
                    yield rules + (decision.allowed() ? (decidedHere ? "; so the request is allowed (" + decidedBy
                            + ")" : "; the request is allowed (" + decidedBy + " is reported first)")
                            : "; but " + decidedBy + " denied the request first (CUSTOM, then DENY, then ALLOW)");
                }
                String tail = decision.allowed() ? "" : decision.policyId().isEmpty()
                        ? "; no ALLOW policy matched, so the request is denied: when ALLOW policies apply to a "
                        + "workload, a request is allowed only if one of them matches"
                        : "";
                if (p.rules().isEmpty()) {
                    yield "it has no rules (spec: {}), so it matches nothing and allows nothing" + tail
                            + (tail.isEmpty() ? "" : "; this allow-nothing policy is what leaves the request denied");
                }
                yield rules + tail;
            }
        };
    }

    /** For a policy that does not apply: would its rules have matched? */
    private static String hypothetical(CompiledPolicy p, AuthzRequest r, boolean tcp) {
        if (p.action() == Action.CUSTOM && !p.dryRun()) {
            return "if it applied, it would deny every request (CUSTOM is not supported: fail closed)";
        }
        if (p.rules().isEmpty()) {
            return "it has no rules (spec: {}), so it would match nothing anyway";
        }
        Optional<CompiledRule> m = firstMatch(p, r, tcp);
        if (m.isPresent()) {
            return "if it applied, its " + p.action() + " " + rules(p, r, tcp);
        }
        String why = rules(p, r, tcp);
        return "it would not match anyway: " + (why.startsWith("no rule matches: ")
                ? why.substring("no rule matches: ".length()) : why);
    }

    private static Optional<CompiledRule> firstMatch(CompiledPolicy p, AuthzRequest r, boolean tcp) {
        return p.rules().stream().filter(x -> x.tree(tcp).map(t -> t.matches(r)).orElse(false)).findFirst();
    }

    /** "rule[0] matches (...)" or "no rule matches: rule[0]: ...; rule[1]: ...". */
    static String rules(CompiledPolicy p, AuthzRequest r, boolean tcp) {
        if (p.rules().isEmpty()) {
            return "it has no rules (spec: {}), so it matches nothing";
        }
        List<String> notes = new ArrayList<>();
        for (CompiledRule rule : p.rules()) {
            for (String n : rule.variant(tcp).notes()) {
                notes.add("rule[" + rule.index() + "]: " + n);
            }
        }
        String noteText = notes.isEmpty() ? "" : " [" + String.join("; ", notes) + "]";
        List<String> failures = new ArrayList<>();
        for (CompiledRule rule : p.rules()) {
            Optional<Matcher> tree = rule.tree(tcp);
            if (tree.isEmpty()) {
                failures.add("rule[" + rule.index() + "] is skipped: " + rule.variant(tcp).skipped().orElse(""));
                continue;
            }
            if (tree.get().matches(r)) {
                List<String> why = new ArrayList<>();
                success(tree.get(), r, why);
                return "rule[" + rule.index() + "] matches" + (why.isEmpty() ? " (an empty rule matches every request)"
                        : ": " + String.join(", ", why)) + noteText;
            }
            failures.add("rule[" + rule.index() + "]: " + failure(tree.get(), r));
        }
        return "no rule matches: " + String.join("; ", failures) + noteText;
    }

    /** Why {@code m} (which does not match) fails: the first failing leaf, with the actual value. */
    static String failure(Matcher m, AuthzRequest r) {
        return switch (m) {
            case Matcher.And and -> and.all().stream().filter(c -> !c.matches(r)).findFirst()
                    .map(c -> failure(c, r)).orElse("");
            case Matcher.Or or -> or.any().size() == 1 ? failure(or.any().get(0), r)
                    : String.join(" / ", or.any().stream().map(c -> failure(c, r)).toList());
            case Matcher.Field f when f.attr() == null -> failure(f.body(), r);
            case Matcher.Field f -> f.path() + " " + f.values() + (f.body() instanceof Matcher.Not ? " matches "
                    : " does not match ") + f.attr().describe(r, f.headerName());
            case Matcher.Not n when n.inner() instanceof Matcher.Any -> "it matches nothing";
            case Matcher.Not n -> "excluded";
            default -> "a condition does not match";
        };
    }

    /** The fields that made {@code m} match. */
    static void success(Matcher m, AuthzRequest r, List<String> out) {
        switch (m) {
            case Matcher.And and -> and.all().forEach(c -> success(c, r, out));
            case Matcher.Or or -> or.any().stream().filter(c -> c.matches(r)).findFirst()
                    .ifPresent(c -> success(c, r, out));
            case Matcher.Field f when f.attr() == null -> success(f.body(), r, out);
            case Matcher.Field f -> out.add(f.path() + " " + f.values() + (f.body() instanceof Matcher.Not
                    ? " does not match " : " matches ") + f.attr().describe(r, f.headerName()));
            default -> {
            }
        }
    }
}
