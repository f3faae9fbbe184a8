package dev.tollgate.core.authz;

import io.fabric8.istio.api.api.security.v1beta1.AuthorizationPolicyAction;

/** AuthorizationPolicy's {@code action}; absent means ALLOW. */
public enum Action {
    ALLOW, DENY, AUDIT, CUSTOM;

    static Action of(AuthorizationPolicyAction a) {
        return a == null ? ALLOW : valueOf(a.name());
    }

    /**
     * Istio's builder hands ALLOW rules a "rule is invalid" error and skips them; every other action (DENY, AUDIT,
     * and CUSTOM, which without a usable provider Istio turns into DENY rules) drops only the failing constraint.
     */
    boolean skipsRuleOnError() {
        return this == ALLOW;
    }
}
