package dev.tollgate.core.routing;

import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.model.HttpRequestInfo;

import java.util.Optional;

/** What the VirtualServices say about one request at one proxy. */
public sealed interface RouteOutcome {

    String detail();

    /**
     * A route matched.
     *
     * @param route     e.g. {@code http[0]}, {@code tls[1]}, {@code tcp[0]}
     * @param forwarded for HTTP: the request as the route forwards it (authority and path rewrites applied)
     */
    record Routed(ResourceKey virtualService, Origin origin, String route, RouteTarget target, String detail,
                  Optional<HttpRequestInfo> forwarded) implements RouteOutcome {
        public Routed {
            forwarded = forwarded == null ? Optional.empty() : forwarded;
        }
    }

    /** No VirtualService applies: the proxy's default route to the service itself. */
    record NoVirtualService(String detail) implements RouteOutcome {
    }

    /**
     * A VirtualService owns the host but none of its routes matched.
     *
     * @param fallsThrough true for TLS at a sidecar: the SNI matches no filter chain, so the connection falls to the
     *                     outbound traffic policy (PassthroughCluster or BlackHoleCluster); false: Envoy answers 404 NR
     */
    record Unmatched(Optional<ResourceKey> virtualService, Origin origin, String detail, boolean fallsThrough)
            implements RouteOutcome {
    }
}
