package dev.tollgate.core.authz;

import java.util.Optional;

/**
 * One rule of a policy, compiled for both protocols.
 *
 * @param id Envoy's policy name {@code ns[<ns>]-policy[<name>]-rule[<i>]}
 */
record CompiledRule(int index, String id, RuleCompiler.Variant http, RuleCompiler.Variant tcp) {

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
        return new CompiledRule(0, id(p.namespace(), p.name(), 0), any, any);
    }

    static String id(String namespace, String name, int index) {
        return "ns[" + namespace + "]-policy[" + name + "]-rule[" + index + "]";
    }
}
