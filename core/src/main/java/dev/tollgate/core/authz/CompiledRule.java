package dev.tollgate.core.authz;

import dev.tollgate.core.model.PolicyRef;

import java.util.Optional;

/**
 * One rule of a policy, compiled for both protocols.
 *
 * @param id the rule as Envoy's RBAC filter names it
 */
record CompiledRule(int index, PolicyRef id, RuleCompiler.Variant http, RuleCompiler.Variant tcp) {

    RuleCompiler.Variant variant(boolean isTcp) {
        return isTcp ? tcp : http;
    }

    /** The tree that decides for this protocol; empty when the rule is skipped for it. */
    Optional<Matcher> tree(boolean isTcp) {
        return variant(isTcp).tree();
    }

    /**
     * What an enforced CUSTOM policy becomes: one rule that matches every request, named as its first rule. Tollgate
     * has no external authorization provider to ask, so it fails closed for every workload the policy selects.
     */
    static CompiledRule denyAll(CompiledPolicy p) {
        RuleCompiler.Variant any = new RuleCompiler.Variant(Optional.of(Matcher.ANY), Optional.empty(),
                java.util.List.of());
        return new CompiledRule(0, PolicyRef.rule(p.namespace(), p.name(), 0), any, any);
    }
}
