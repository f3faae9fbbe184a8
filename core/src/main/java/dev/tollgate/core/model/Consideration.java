package dev.tollgate.core.model;

import java.util.Objects;

/**
 * One resource that {@code explain} looked at: whether it applied to this request and why (not).
 *
 * @param applied true when the resource took part in the decision
 * @param why     a sentence a user can act on, e.g. "policy is in namespace default, so it never applies to the
 *                gateway istio-system/istio-egressgateway"
 */
public record Consideration(Stage stage, ResourceKey resource, boolean applied, String why, Origin origin) {
    public Consideration {
        Objects.requireNonNull(stage);
        Objects.requireNonNull(resource);
        Objects.requireNonNull(why);
        origin = origin == null ? Origin.UNKNOWN : origin;
    }
}
