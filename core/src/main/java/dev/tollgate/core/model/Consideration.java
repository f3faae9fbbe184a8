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
 * @param reached  false when the request never got to the step this resource belongs to (refused at the registry,
 *                 denied before routing): the resource was not weighed and found wanting, it was not consulted
 */
public record Consideration(Stage stage, ResourceKey resource, boolean applied, String why, Origin origin,
                            boolean deciding, boolean reached) {
    public Consideration {
        Objects.requireNonNull(stage);
        Objects.requireNonNull(resource);
        Objects.requireNonNull(why);
        origin = origin == null ? Origin.UNKNOWN : origin;
        if (!reached && (applied || deciding)) {
            throw new IllegalArgumentException("a resource the request never reached neither applied nor decided");
        }
    }

    /** A fact explain reports that the verdict does not rest on. */
    public Consideration(Stage stage, ResourceKey resource, boolean applied, String why, Origin origin) {
        this(stage, resource, applied, why, origin, false, true);
    }

    /** A resource of a step the request never got to. */
    public static Consideration notReached(Stage stage, ResourceKey resource, String why, Origin origin) {
        return new Consideration(stage, resource, false, why, origin, false, false);
    }

    /** The same fact, marked as one the verdict rests on. */
    public Consideration asDeciding() {
        return new Consideration(stage, resource, applied, why, origin, true, reached);
    }

    /** The same fact, not marked as one the verdict rests on. */
    public Consideration asNotDeciding() {
        return new Consideration(stage, resource, applied, why, origin, false, reached);
    }
}
