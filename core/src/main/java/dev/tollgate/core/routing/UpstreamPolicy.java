package dev.tollgate.core.routing;

import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.model.Consideration;
import dev.tollgate.core.model.UpstreamTls;

import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The DestinationRule that applies to one upstream cluster, and the TLS it asks for.
 *
 * @param missingSubset the route's subset when no DestinationRule defines it (Envoy has no such cluster: 503)
 * @param explanation   words {@link #considerations()} when asked: with the tutorial's one rule per external host
 *                      that is a sentence per merged rule, too much to build (or keep) for every request
 */
public record UpstreamPolicy(Optional<ResourceKey> rule, UpstreamTls tls, Optional<String> missingSubset,
                             String detail, Origin origin, Supplier<List<Consideration>> explanation) {

    /** Why each DestinationRule for the host did or did not apply (for explain). */
    public List<Consideration> considerations() {
        return List.copyOf(explanation.get());
    }
}
