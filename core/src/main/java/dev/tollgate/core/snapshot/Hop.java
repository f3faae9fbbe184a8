package dev.tollgate.core.snapshot;

import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.ProxyRef;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.model.Stage;

import java.util.Objects;
import java.util.Optional;

/**
 * One step of a decision: which proxy, which stage, what happened, and the resource that decided it.
 *
 * @param proxy    printed e.g. {@code sidecar default/sleep} or {@code gateway istio-system/istio-egressgateway}
 * @param resource the deciding resource, if one did (empty e.g. for "mesh ALLOW_ANY")
 */
public record Hop(ProxyRef proxy, Stage stage, Outcome outcome, String detail, Optional<ResourceKey> resource,
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
