package dev.tollgate.core.authz;

import dev.tollgate.core.model.PolicyRef;

import io.fabric8.istio.api.api.security.v1beta1.Condition;
import io.fabric8.istio.api.api.security.v1beta1.Operation;
import io.fabric8.istio.api.api.security.v1beta1.Rule;
import io.fabric8.istio.api.api.security.v1beta1.RuleFrom;
import io.fabric8.istio.api.api.security.v1beta1.RuleTo;
import io.fabric8.istio.api.api.security.v1beta1.Source;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Compiles one {@link Rule} into a {@link Matcher} tree for HTTP or for TCP traffic (the {@code forTcp} argument,
 * as in Istio's {@code Model.Generate(forTCP, ...)}). A rule is {@code from AND to AND when}; a from/to list is an OR
 * of its entries; the fields of one entry are ANDed; the values of one field are ORed; {@code not*} fields are
 * NOT(OR(values)). An empty rule matches everything.
 *
 * <p>HTTP-only fields on TCP: for ALLOW the whole rule is skipped (it can never match), for DENY/AUDIT/CUSTOM only
 * that constraint is dropped, so the rule matches more. Values that cannot compile (bad CIDR, bad port) follow the
 * same split: fail closed either way.
 */
final class RuleCompiler {

    /** The compiled rule for one protocol: a tree, or the reason it was skipped; notes on dropped constraints. */
    record Variant(Optional<Matcher> tree, Optional<String> skipped, List<String> notes) {
        Variant {
            notes = List.copyOf(notes);
        }
    }

    private static final class Skip extends Exception {
        Skip(String message) {
            super(message, null, false, false);
        }
    }

    private final String policyNamespace;
    private final TrustDomains trustDomains;
    private final Action action;
    private final boolean forTcp;
    private final List<String> notes = new ArrayList<>();
    private boolean sawHttpOnly;

    private RuleCompiler(String policyNamespace, TrustDomains trustDomains, Action action, boolean forTcp) {
        this.policyNamespace = policyNamespace;
        this.trustDomains = trustDomains;
        this.action = action;
        this.forTcp = forTcp;
    }

    /** The rule compiled for HTTP and for TCP; one shared tree when it uses no HTTP-only field. */
    static CompiledRule compile(Rule rule, int index, PolicyRef id, String policyNamespace, TrustDomains trustDomains,
                                Action action) {
        RuleCompiler http = new RuleCompiler(policyNamespace, trustDomains, action, false);
        Variant forHttp = http.variant(rule);
        Variant forTcp = http.sawHttpOnly
                ? new RuleCompiler(policyNamespace, trustDomains, action, true).variant(rule) : forHttp;
        return new CompiledRule(index, id, forHttp, forTcp);
    }

    private Variant variant(Rule rule) {
        try {
            Matcher tree = rule(rule);
            return new Variant(Optional.of(tree), Optional.empty(), notes);
        } catch (Skip s) {
            return new Variant(Optional.empty(), Optional.of(s.getMessage()), notes);
        }
    }

    private Matcher rule(Rule rule) throws Skip {
        if (rule == null) {
            invalid("rule", "empty (null) rule");
            return Matcher.ANY;
        }
        unknown("", rule.getAdditionalProperties());
        List<Matcher> parts = new ArrayList<>();
        List<RuleFrom> from = nonNull(rule.getFrom());
        if (!from.isEmpty()) {
            List<Matcher> alternatives = new ArrayList<>();
            for (int i = 0; i < from.size(); i++) {
                String path = "from[" + i + "]";
                RuleFrom f = from.get(i);
                List<Matcher> fields = new ArrayList<>();
                if (f != null) {
                    unknown(path + ".", f.getAdditionalProperties());
                    source(path + ".source.", f.getSource(), fields);
                } else {
                    invalid(path, "empty (null) entry");
                }
                alternatives.add(new Matcher.Field(path, List.of(), null, null, and(fields)));
            }
            parts.add(or(alternatives));
        }
        List<RuleTo> to = nonNull(rule.getTo());
        if (!to.isEmpty()) {
            List<Matcher> alternatives = new ArrayList<>();
            for (int i = 0; i < to.size(); i++) {
                String path = "to[" + i + "]";
                RuleTo t = to.get(i);
                List<Matcher> fields = new ArrayList<>();
                if (t != null) {
                    unknown(path + ".", t.getAdditionalProperties());
                    operation(path + ".operation.", t.getOperation(), fields);
                } else {
                    invalid(path, "empty (null) entry");
                }
                alternatives.add(new Matcher.Field(path, List.of(), null, null, and(fields)));
            }
            parts.add(or(alternatives));
        }
        List<Condition> when = nonNull(rule.getWhen());
        for (int i = 0; i < when.size(); i++) {
            Condition c = when.get(i);
            String path = "when[" + i + "]";
            if (c == null) {
                invalid(path, "empty (null) condition");
                continue;
            }
            unknown(path + ".", c.getAdditionalProperties());
            String key = c.getKey() == null ? "" : c.getKey();
            Optional<Generators.Generator> g = Generators.forWhenKey(key);
            if (g.isEmpty()) {
                invalid(path + ".key", "unknown attribute " + key);
                continue;
            }
            field(path + " " + key, path + " " + key + " notValues", g.get(), key, c.getValues(), c.getNotValues(),
                    parts);
        }
        return and(parts);
    }

    private void source(String prefix, Source s, List<Matcher> out) throws Skip {
        if (s == null) {
            return;
        }
        Map<String, Object> extra = s.getAdditionalProperties();
        // fabric8 7.5.2's Source has no trustDomains/notTrustDomains: read them from the unknown fields it keeps.
        field(prefix + "principals", prefix + "notPrincipals", Generators.PRINCIPAL, "source.principal",
                s.getPrincipals(), s.getNotPrincipals(), out);
        field(prefix + "requestPrincipals", prefix + "notRequestPrincipals", Generators.REQUEST_AUTH,
                "request.auth.principal", s.getRequestPrincipals(), s.getNotRequestPrincipals(), out);
        field(prefix + "serviceAccounts", prefix + "notServiceAccounts", Generators.SERVICE_ACCOUNT,
                "source.serviceAccount", s.getServiceAccounts(), s.getNotServiceAccounts(), out);
        field(prefix + "trustDomains", prefix + "notTrustDomains", Generators.TRUST_DOMAIN, "source.trustDomain",
                strings(extra == null ? null : extra.get("trustDomains")),
                strings(extra == null ? null : extra.get("notTrustDomains")), out);
        field(prefix + "namespaces", prefix + "notNamespaces", Generators.NAMESPACE, "source.namespace",
                s.getNamespaces(), s.getNotNamespaces(), out);
        field(prefix + "remoteIpBlocks", prefix + "notRemoteIpBlocks", Generators.REMOTE_IP, "remote.ip",
                s.getRemoteIpBlocks(), s.getNotRemoteIpBlocks(), out);
        field(prefix + "ipBlocks", prefix + "notIpBlocks", Generators.SOURCE_IP, "source.ip",
                s.getIpBlocks(), s.getNotIpBlocks(), out);
        if (extra != null) {
            for (String k : extra.keySet()) {
                if (!k.equals("trustDomains") && !k.equals("notTrustDomains")) {
                    invalid(prefix + k, "unknown field " + k);
                }
            }
        }
    }

    private void operation(String prefix, Operation o, List<Matcher> out) throws Skip {
        if (o == null) {
            return;
        }
        unknown(prefix, o.getAdditionalProperties());
        field(prefix + "hosts", prefix + "notHosts", Generators.HOST, "hosts", o.getHosts(), o.getNotHosts(), out);
        field(prefix + "methods", prefix + "notMethods", Generators.METHOD, "methods", o.getMethods(),
                o.getNotMethods(), out);
        field(prefix + "paths", prefix + "notPaths", Generators.PATH, "paths", o.getPaths(), o.getNotPaths(), out);
        field(prefix + "ports", prefix + "notPorts", Generators.PORT, "ports", o.getPorts(), o.getNotPorts(), out);
    }

    /** One key's values (ORed) and notValues (NOT of OR), each as a labelled {@link Matcher.Field}. */
    private void field(String path, String notPath, Generators.Generator g, String key, List<String> values,
                       List<String> notValues, List<Matcher> out) throws Skip {
        Optional<Matcher> yes = leaves(path, g, key, migrate(key, nonNull(values)));
        yes.ifPresent(m -> out.add(new Matcher.Field(path, nonNull(values), g.attr(), g.headerName(key), m)));
        Optional<Matcher> no = leaves(notPath, g, key, migrate(key, nonNull(notValues)));
        no.ifPresent(m -> out.add(new Matcher.Field(notPath, nonNull(notValues), g.attr(), g.headerName(key),
                new Matcher.Not(m))));
    }

    private Optional<Matcher> leaves(String path, Generators.Generator g, String key, List<String> values)
            throws Skip {
        if (values.isEmpty()) {
            return Optional.empty();
        }
        sawHttpOnly |= g.httpOnly();
        if (forTcp && g.httpOnly()) {
            if (action.skipsRuleOnError()) {
                throw new Skip(path + " is HTTP-only, so Istio ignores this ALLOW rule for TCP traffic");
            }
            notes.add(path + " is HTTP-only and is ignored for TCP traffic, so this " + action
                    + " rule matches without it");
            return Optional.empty();
        }
        List<Matcher> or = new ArrayList<>();
        for (String v : values) {
            if (v == null) {
                invalid(path, "empty (null) value");
                continue;
            }
            try {
                or.add(g.leaf(key, v, policyNamespace));
            } catch (Generators.InvalidValue e) {
                invalid(path, e.getMessage());
            }
        }
        return or.isEmpty() ? Optional.empty() : Optional.of(or(or));
    }

    /**
     * Istio's trust domain migration: principals naming the mesh's trust domain, an alias or {@code cluster.local}
     * stand for the same identity in every one of them; a {@code trustDomains} value naming one of them stands for
     * all of them. Other keys are kept as written.
     */
    private List<String> migrate(String key, List<String> values) {
        boolean principal = key.equals("source.principal");
        if (!principal && !key.equals("source.trustDomain")) {
            return values;
        }
        List<String> out = new ArrayList<>(values.size());
        for (String v : values) {
            if (v == null) {
                out.add(null);
            } else {
                out.addAll(principal ? trustDomains.principals(v) : trustDomains.trustDomains(v));
            }
        }
        return out;
    }

    private void unknown(String prefix, Map<String, Object> extra) throws Skip {
        if (extra != null) {
            for (String k : extra.keySet()) {
                invalid(prefix + k, "unknown field " + k);
            }
        }
    }

    /** Fail closed: an ALLOW rule with something invalid never matches; other actions drop only that constraint. */
    private void invalid(String path, String message) throws Skip {
        if (action.skipsRuleOnError()) {
            throw new Skip(path + ": " + message + ", so this ALLOW rule never matches");
        }
        notes.add(path + ": " + message + "; the constraint is dropped, so this " + action + " rule matches more");
    }

    private static Matcher and(List<Matcher> parts) {
        return parts.isEmpty() ? Matcher.ANY : parts.size() == 1 ? parts.get(0) : new Matcher.And(parts);
    }

    private static Matcher or(List<Matcher> parts) {
        return parts.size() == 1 ? parts.get(0) : new Matcher.Or(parts);
    }

    private static <T> List<T> nonNull(List<T> list) {
        return list == null ? List.of() : list;
    }

    private static List<String> strings(Object o) {
        if (o instanceof List<?> l) {
            List<String> out = new ArrayList<>();
            for (Object e : l) {
                out.add(String.valueOf(e));
            }
            return out;
        }
        return o == null ? List.of() : List.of(String.valueOf(o));
    }
}
