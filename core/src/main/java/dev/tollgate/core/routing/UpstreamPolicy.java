package dev.tollgate.core.routing;

import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.snapshot.Consideration;
import dev.tollgate.core.snapshot.UpstreamTls;

import java.util.List;
import java.util.Optional;

/**
 * The DestinationRule that applies to one upstream cluster, and the TLS it asks for.
 *
 * @param missingSubset the route's subset when no DestinationRule defines it (Envoy has no such cluster: 503)
 */
public record UpstreamPolicy(Optional<ResourceKey> rule, UpstreamTls tls, Optional<String> missingSubset,
                             String detail, Origin origin, List<Consideration> considerations) {
    public UpstreamPolicy {
        considerations = List.copyOf(considerations);
    }
}
