package dev.tollgate.core.routing;

import dev.tollgate.core.model.Consideration;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.model.HttpRequestInfo;

import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What the VirtualServices say about one request at one proxy. Each outcome can say why every VirtualService for
 * the request did or did not decide it ({@link #considerations()}): the router walks the same path again with a
 * {@link RouteTrace} that records, so the explanation is the decision's own, at no cost to the request itself.
 */
public sealed interface RouteOutcome {

    String detail();

    /** Why each VirtualService the router looked at did or did not decide this outcome (for explain). */
    List<Consideration> considerations();

    /** This outcome, explained by {@code explanation} (the router's recorded walk). */
    RouteOutcome explainedBy(Supplier<List<Consideration>> explanation);

    /** Before the router attaches its walk: nothing to say. */
    Supplier<List<Consideration>> UNEXPLAINED = List::of;

    /**
     * A route matched.
     *
     * @param route     e.g. {@code http[0]}, {@code tls[1]}, {@code tcp[0]}
     * @param forwarded for HTTP: the request as the route forwards it (authority and path rewrites applied)
     */
    record Routed(ResourceKey virtualService, Origin origin, String route, RouteTarget target, String detail,
                  Optional<HttpRequestInfo> forwarded, Supplier<List<Consideration>> explanation)
            implements RouteOutcome {
        public Routed {
            forwarded = forwarded == null ? Optional.empty() : forwarded;
            explanation = explanation == null ? UNEXPLAINED : explanation;
        }

        public Routed(ResourceKey virtualService, Origin origin, String route, RouteTarget target, String detail,
                      Optional<HttpRequestInfo> forwarded) {
            this(virtualService, origin, route, target, detail, forwarded, UNEXPLAINED);
        }

        @Override
        public List<Consideration> considerations() {
            return List.copyOf(explanation.get());
        }

        @Override
        public Routed explainedBy(Supplier<List<Consideration>> e) {
            return new Routed(virtualService, origin, route, target, detail, forwarded, e);
        }
    }

    /** No VirtualService applies: the proxy's default route to the service itself. */
    record NoVirtualService(String detail, Supplier<List<Consideration>> explanation) implements RouteOutcome {
        public NoVirtualService {
            explanation = explanation == null ? UNEXPLAINED : explanation;
        }

        public NoVirtualService(String detail) {
            this(detail, UNEXPLAINED);
        }

        @Override
        public List<Consideration> considerations() {
            return List.copyOf(explanation.get());
        }

        @Override
        public NoVirtualService explainedBy(Supplier<List<Consideration>> e) {
            return new NoVirtualService(detail, e);
        }
    }

    /**
     * A VirtualService owns the host but none of its routes matched.
     *
     * @param fallsThrough true for TLS at a sidecar: the SNI matches no filter chain, so the connection falls to the
     *                     outbound traffic policy (PassthroughCluster or BlackHoleCluster); false: Envoy answers 404 NR
     */
    record Unmatched(Optional<ResourceKey> virtualService, Origin origin, String detail, boolean fallsThrough,
                     Supplier<List<Consideration>> explanation) implements RouteOutcome {
        public Unmatched {
            explanation = explanation == null ? UNEXPLAINED : explanation;
        }

        public Unmatched(Optional<ResourceKey> virtualService, Origin origin, String detail, boolean fallsThrough) {
            this(virtualService, origin, detail, fallsThrough, UNEXPLAINED);
        }

        @Override
        public List<Consideration> considerations() {
            return List.copyOf(explanation.get());
        }

        @Override
        public Unmatched explainedBy(Supplier<List<Consideration>> e) {
            return new Unmatched(virtualService, origin, detail, fallsThrough, e);
        }
    }
}
