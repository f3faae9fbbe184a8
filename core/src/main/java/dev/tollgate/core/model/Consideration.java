package dev.tollgate.core.model;

import java.util.Objects;

/**
 * One resource that {@code explain} looked at: whether it applied to this request and why (not).
 *
 * @param applied  true when the resource took part in the decision
 * @param why      a sentence a user can act on, e.g. "policy is in namespace default, so it never applies to the
 *                 gateway istio-system/istio-egressgateway"
 * @param deciding true when the verdict rests on this fact: {@code check}'s reason is worded from it, so the reason
 *                 and the explanation cannot name different causes
 */
public record Consideration(Stage stage, ResourceKey resource, boolean applied, String why, Origin origin,
                            boolean deciding) {
    public Consideration {
        Objects.requireNonNull(stage);
        Objects.requireNonNull(resource);
        Objects.requireNonNull(why);
        origin = origin == null ? Origin.UNKNOWN : origin;
    }

    /** A fact explain reports that the verdict does not rest on. */
    public Consideration(Stage stage, ResourceKey resource, boolean applied, String why, Origin origin) {
        this(stage, resource, applied, why, origin, false);
    }

    /** The same fact, marked as one the verdict rests on. */
    public Consideration asDeciding() {
        return deciding ? this : new Consideration(stage, resource, applied, why, origin, true);
    }
}
