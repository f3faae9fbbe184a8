package dev.tollgate.core.model;

import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.ResourceKey;

import java.util.Objects;

/**
 * One resource that {@code explain} looked at: whether it applied to this request and why (not).
 *
 * @param stage   as in {@code Hop.stage()} in the snapshot
 * @param applied true when the resource took part in the decision
 * @param why     a sentence a user can act on, e.g. "policy is in namespace default, so it never applies to the
 *                gateway istio-system/istio-egressgateway"
 */
public record Consideration(String stage, ResourceKey resource, boolean applied, String why, Origin origin) {
    public Consideration {
        Objects.requireNonNull(stage);
        Objects.requireNonNull(resource);
        Objects.requireNonNull(why);
        origin = origin == null ? Origin.UNKNOWN : origin;
    }
}
