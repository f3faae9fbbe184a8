package dev.tollgate.core.model;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One AuthorizationPolicy, or one rule of it, as Envoy's RBAC filter names it. Istio's
 * {@code pilot/pkg/security/authz/builder/builder.go policyName} formats a rule as
 * {@code ns[NAMESPACE]-policy[NAME]-rule[INDEX]}; {@link #toString()} gives exactly that, so access logs, metrics and
 * {@code check} print what Envoy would. Code that needs the namespace, name or rule reads the fields; the text is
 * only for people and logs.
 *
 * @param rule the rule's index in {@code spec.rules}; empty for the policy as a whole ({@code ns[..]-policy[..]})
 */
public record PolicyRef(String namespace, String name, OptionalInt rule) {
    public PolicyRef {
        Objects.requireNonNull(namespace);
        Objects.requireNonNull(name);
        rule = rule == null ? OptionalInt.empty() : rule;
        if (rule.isPresent() && rule.getAsInt() < 0) {
            throw new IllegalArgumentException("rule index " + rule.getAsInt() + " < 0");
        }
    }

    public static PolicyRef policy(String namespace, String name) {
        return new PolicyRef(namespace, name, OptionalInt.empty());
    }

    public static PolicyRef rule(String namespace, String name, int index) {
        return new PolicyRef(namespace, name, OptionalInt.of(index));
    }

    /** This rule's policy as a whole. */
    public PolicyRef policy() {
        return policy(namespace, name);
    }

    public ResourceKey resource() {
        return new ResourceKey(Kind.AUTHORIZATION_POLICY, namespace, name);
    }

    /**
     * Reads Envoy's form back, for text that arrives from outside (a log line, a test's expectation). Kubernetes
     * names hold no brackets, so a bracket inside a field is refused rather than guessed at.
     */
    public static Optional<PolicyRef> parse(String text) {
        if (!text.startsWith("ns[")) {
            return Optional.empty();
        }
        int nsEnd = text.indexOf(']', 3);
        if (nsEnd < 0 || !text.startsWith("-policy[", nsEnd + 1)) {
            return Optional.empty();
        }
        int nameStart = nsEnd + "]-policy[".length();
        int nameEnd = text.indexOf(']', nameStart);
        if (nameEnd < 0) {
            return Optional.empty();
        }
        String ns = text.substring(3, nsEnd);
        String name = text.substring(nameStart, nameEnd);
        if (ns.contains("[") || name.contains("[")) {
            return Optional.empty();
        }
        String tail = text.substring(nameEnd + 1);
        if (tail.isEmpty()) {
            return Optional.of(policy(ns, name));
        }
        if (!tail.startsWith("-rule[") || !tail.endsWith("]")) {
            return Optional.empty();
        }
        String digits = tail.substring("-rule[".length(), tail.length() - 1);
        if (digits.isEmpty() || digits.length() > 9 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')
                || digits.length() > 1 && digits.charAt(0) == '0') {
            return Optional.empty();
        }
        return Optional.of(rule(ns, name, Integer.parseInt(digits)));
    }

    @Override
    public String toString() {
        String p = "ns[" + namespace + "]-policy[" + name + "]";
        return rule.isPresent() ? p + "-rule[" + rule.getAsInt() + "]" : p;
    }
}
