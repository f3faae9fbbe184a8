package dev.tollgate.core.snapshot;

import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.ResourceKey;

import java.util.Objects;
import java.util.Optional;

/**
 * One step of a decision: which proxy, which stage, what happened, and the resource that decided it.
 *
 * @param proxy    e.g. {@code sidecar default/sleep} or {@code gateway istio-system/istio-egressgateway}
 * @param stage    one of {@code request} (the request names another host than it asked for), {@code registry},
 *                 {@code route}, {@code server}, {@code authz}, {@code upstream}
 * @param resource the deciding resource, if one did (empty e.g. for "mesh ALLOW_ANY")
 */
public record Hop(String proxy, String stage, Outcome outcome, String detail, Optional<ResourceKey> resource,
                  Origin origin) {
    public enum Outcome { PASS, DENY }

    public Hop {
        Objects.requireNonNull(proxy);
        Objects.requireNonNull(stage);
        Objects.requireNonNull(outcome);
        Objects.requireNonNull(detail);
        resource = resource == null ? Optional.empty() : resource;
        origin = origin == null ? Origin.UNKNOWN : origin;
    }
}
