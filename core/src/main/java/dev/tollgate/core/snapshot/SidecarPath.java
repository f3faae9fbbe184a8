package dev.tollgate.core.snapshot;

import dev.tollgate.core.model.Consideration;
import dev.tollgate.core.model.HttpRequestInfo;
import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.OutboundMode;
import dev.tollgate.core.model.PortProtocol;
import dev.tollgate.core.model.ProxyRef;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.model.RouteKind;
import dev.tollgate.core.model.Stage;
import dev.tollgate.core.model.UpstreamTls;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.model.net.Authority;
import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.model.net.HostPattern;
import dev.tollgate.core.model.net.IpAddress;
import dev.tollgate.core.registry.Registry;
import dev.tollgate.core.registry.ServiceMatch;
import dev.tollgate.core.registry.SidecarScope;
import dev.tollgate.core.routing.RouteOutcome;
import dev.tollgate.core.routing.RouteTarget;
import dev.tollgate.core.routing.Routing;
import dev.tollgate.core.routing.UpstreamPolicy;
import io.fabric8.istio.api.api.networking.v1alpha3.ServicePort;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The sidecar's decision for one outbound connection or request: the Host/SNI check, the registry (Sidecar scope,
 * exportTo), the outbound traffic policy, the mesh route, then the {@link UpstreamResolver}.
 */
final class SidecarPath {
    private final Registry registry;
    private final Routing routing;
    private final UpstreamResolver upstreams;
    private final MeshSettings mesh;
    /**
     * A refusal's reason is the first line of the registry's explanation, which walks every Sidecar and candidate
     * host: worded once per (workload, host, port). Bounded, since the hosts come from the requests.
     */
    private final Map<RefusalKey, String> unknownHostWhys = new ConcurrentHashMap<>();
    /**
     * Which ServiceEntry {@code addresses} are plain IP literals: parsing one costs about 1 µs and every decision
     * for an entry asks. Keys come from the configuration only, never from a request, so the map stays small.
     */
    private final Map<String, Boolean> literalAddresses = new ConcurrentHashMap<>();
    private static final int UNKNOWN_HOST_WHY_LIMIT = 10_000;

    SidecarPath(Registry registry, Routing routing, UpstreamResolver upstreams, MeshSettings mesh) {
        this.registry = registry;
        this.routing = routing;
        this.upstreams = upstreams;
        this.mesh = mesh;
    }

    /** The sidecar's decision plus what explain needs. */
    record Eval(OutboundDecision decision, boolean noRoute, Optional<RouteOutcome> route,
                           Optional<UpstreamPolicy> upstream) {
        /** The HTTP request as the sidecar's route forwards it (rewrites applied), for the next hop. */
        Optional<HttpRequestInfo> forwarded(OutboundRequest request) {
            return route.flatMap(r -> r instanceof RouteOutcome.Routed routed ? routed.forwarded() : Optional.empty())
                    .or(request::http);
        }

        /** The same decision, with the route walk that led to it (for explain). */
        Eval after(RouteOutcome walked) {
            return new Eval(decision, noRoute, Optional.of(walked), upstream);
        }
    }

    Eval decide(WorkloadRef from, OutboundRequest request) {
        ProxyRef proxy = ProxyRef.sidecar(from);
        String requestedHost = HostName.fold(request.host());
        int port = request.port();
        List<Hop> hops = new ArrayList<>();
        Optional<String> otherHost = RequestedHost.mismatch(request);
        if (otherHost.isPresent()) {
            hops.add(new Hop(proxy, Stage.REQUEST, Hop.Outcome.DENY, otherHost.get(), Optional.empty(),
                    Origin.UNKNOWN));
            return new Eval(new OutboundDecision.Refused(otherHost.get(), hops), false, Optional.empty(),
                    Optional.empty());
        }
        SidecarScope scope = registry.scopeFor(from);
        Optional<ServiceMatch> pinned = request.originalDestination().flatMap(ip -> scope.lookup(ip, port));
        Optional<String> pinnedElsewhere = RequestedHost.pinnedElsewhere(request, pinned);
        if (pinnedElsewhere.isPresent()) {
            hops.add(new Hop(proxy, Stage.REQUEST, Hop.Outcome.DENY, pinnedElsewhere.get(),
                    pinned.map(m -> m.entry().key()), pinned.get().entry().origin()));
            return new Eval(new OutboundDecision.Refused(pinnedElsewhere.get(), hops), false, Optional.empty(),
                    Optional.empty());
        }
        Optional<ServiceMatch> match = scope.lookup(requestedHost, port);
        // a short name (db) or an ExternalName alias: Istio puts it among the service's own virtual host domains
        // (and SNI hosts), so the request is routed as one for the service's host
        String host = match.filter(m -> !m.wildcard() && !IpAddress.isLiteral(requestedHost)
                && !HostPattern.matches(m.matchedHost(), requestedHost)).map(ServiceMatch::matchedHost)
                .orElse(requestedHost);
        // The resource that sets the outbound traffic policy: the Sidecar when it sets one, else the mesh.
        Optional<ResourceKey> sidecarKey = scope.outboundModeFromSidecar() ? scope.sidecar().map(Resource::key)
                : Optional.empty();
        Origin sidecarOrigin = scope.outboundModeFromSidecar()
                ? scope.sidecar().map(r -> r.originOf("spec.outboundTrafficPolicy")).orElse(Origin.UNKNOWN)
                : mesh.origins().getOrDefault("outboundTrafficPolicy.mode", Origin.UNKNOWN);

        RouteOutcome outcome;
        if (match.isEmpty() || match.get().port().isEmpty()) {
            // worded only when read: most refusals (a matrix's, a proxy's forwarded requests') are never printed
            Supplier<String> why = Hop.lazily(() -> unknownHostWhy(from, host, port));
            Optional<RouteOutcome> vsOnly = virtualHostOutsideRegistry(from, scope, host, port, request);
            if (vsOnly.isEmpty() || vsOnly.get() instanceof RouteOutcome.NoVirtualService) {
                Eval out = outsideRegistry(proxy, scope, sidecarKey, sidecarOrigin, host, port, why, hops,
                        Stage.REGISTRY, request.originalDestination());
                return vsOnly.map(out::after).orElse(out);
            }
            hops.add(new Hop(proxy, Stage.REGISTRY, Hop.Outcome.PASS, Hop.lazily(() -> why.get()
                    + "; a VirtualService bound to mesh names " + host + ", so Istio builds a virtual host for it on "
                    + "port " + port + " whatever the outbound traffic policy"), Optional.empty(), Origin.UNKNOWN));
            outcome = vsOnly.get();
        } else {
            outcome = registryRoute(proxy, from, scope, match.get(), host, port, request, hops).orElse(null);
            if (outcome == null) {
                String why = hops.get(hops.size() - 1).detail();
                return new Eval(new OutboundDecision.Refused(why, hops), false, Optional.empty(),
                        Optional.empty());
            }
        }
        RouteTarget target;
        String routeName;
        switch (outcome) {
            case RouteOutcome.Routed r -> {
                hops.add(new Hop(proxy, Stage.ROUTE, Hop.Outcome.PASS, r.detail(), Optional.of(r.virtualService()),
                        r.origin()));
                target = r.target();
                routeName = r.virtualService() + " " + r.route();
            }
            case RouteOutcome.NoVirtualService n -> {
                target = new RouteTarget(host, "", port, 100);
                routeName = "outbound|" + port + "||" + host;
                hops.add(new Hop(proxy, Stage.ROUTE, Hop.Outcome.PASS, "default route " + routeName + " ("
                        + n.detail() + ")", Optional.empty(), Origin.UNKNOWN));
            }
            case RouteOutcome.Unmatched u -> {
                if (u.fallsThrough()) {
                    return outsideRegistry(proxy, scope, sidecarKey, sidecarOrigin, host, port, u::detail, hops,
                            Stage.ROUTE, request.originalDestination()).after(u);
                }
                hops.add(new Hop(proxy, Stage.ROUTE, Hop.Outcome.DENY, u.detail(), u.virtualService(), u.origin()));
                return new Eval(new OutboundDecision.Refused("no route: " + u.detail(), hops), true,
                        Optional.of(outcome), Optional.empty());
            }
        }

        // The registry decides for the gateway's Kubernetes service too: a destination neither imported by the
        // Sidecar nor brought in by the imported VirtualService leaves the route without a cluster, as in Istio.
        boolean fromVirtualService = outcome instanceof RouteOutcome.Routed routedBy
                && routing.infersDestination(routedBy.virtualService(), target.host(), from.namespace());
        Optional<HttpRequestInfo> forwarded = outcome instanceof RouteOutcome.Routed r && r.forwarded().isPresent()
                ? r.forwarded() : request.http();
        String autoSni = forwarded.map(h -> Authority.hostOf(h.authority())).orElse(target.host());
        var resolution = upstreams.resolve(proxy, from, (h, p) -> h.equals(host) && p == port ? match
                        : routeDestination(scope, fromVirtualService, h, p), target, port, Optional.of(host), autoSni,
                request.protocol() == Protocol.TLS, request.originalDestination(), hops);
        return switch (resolution) {
            case UpstreamResolver.Resolution.Unresolved u -> new Eval(new OutboundDecision.Refused(
                    u.noCluster() ? "no route: " + u.why() : u.why(), hops), u.noCluster(), Optional.of(outcome),
                    u.policy());
            case UpstreamResolver.Resolution.Resolved r -> new Eval(new OutboundDecision.Forward(r.upstream(),
                    r.viaGateway(), routeName, hops), false, Optional.of(outcome), r.policy());
        };
    }

    /**
     * The mesh route for a host:port of the registry; empty (with a DENY hop added) when the connection's protocol
     * cannot use the port.
     */
    private Optional<RouteOutcome> registryRoute(ProxyRef proxy, WorkloadRef from, SidecarScope scope, ServiceMatch m,
                                                 String host, int port, OutboundRequest request, List<Hop> hops) {
        ServicePort sePort = m.port().get();
        String requested = HostName.fold(request.host());
        hops.add(new Hop(proxy, Stage.REGISTRY, Hop.Outcome.PASS, m.entry().key() + " declares " + m.matchedHost()
                + " port " + port + "/" + sePort.getProtocol() + (requested.equals(host) ? ""
                : " (the request's " + requested + " stands for it)"), Optional.of(m.entry().key()),
                m.entry().origin()));

        RouteKind kind = RouteKind.forServicePort(PortProtocol.parse(sePort.getProtocol()));
        Optional<String> mismatch = protocolMismatch(kind, request, m, port);
        if (mismatch.isPresent()) {
            hops.add(new Hop(proxy, Stage.ROUTE, Hop.Outcome.DENY, mismatch.get(), Optional.of(m.entry().key()),
                    m.entry().origin()));
            return Optional.empty();
        }
        List<String> destinationIps = new ArrayList<>();
        if (IpAddress.isLiteral(host)) {
            destinationIps.add(host);
        }
        for (String a : m.entry().spec().getAddresses() == null ? List.<String>of() : m.entry().spec().getAddresses()) {
            if (literalAddresses.computeIfAbsent(a, IpAddress::isLiteral)) {
                destinationIps.add(a);
            }
        }
        // The service's virtual host answers to its name and to each address written in full (a CIDR is no Host).
        List<String> written = m.entry().spec().getAddresses() == null ? List.of() : m.entry().spec().getAddresses();
        Optional<String> serviceHost = HostPattern.matches(m.matchedHost(), host)
                || written.stream().anyMatch(a -> HostName.fold(a).equals(host))
                ? Optional.of(m.matchedHost()) : Optional.empty();
        return Optional.of(routing.meshRoute(from, scope, host, port, kind, request.sni(), request.http(),
                serviceHost, destinationIps));
    }

    /** {@link Routing#meshRouteOutsideRegistry} for an HTTP request to a host no service of the sidecar has. */
    private Optional<RouteOutcome> virtualHostOutsideRegistry(WorkloadRef from, SidecarScope scope, String host,
                                                              int port, OutboundRequest request) {
        if (request.protocol() != Protocol.HTTP || request.http().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(routing.meshRouteOutsideRegistry(from, scope, host, port, request.http().get()));
    }

    /**
     * The service behind a route's destination. The sidecar's own imports first; for a route of a VirtualService the
     * sidecar imported, Istio also adds that VirtualService's destinations to the sidecar's services even when the
     * Sidecar's egress hosts do not name them (pilot/pkg/model/sidecar.go collectImportedServices: "Infer more
     * possible destinations from virtual services"), which {@link SidecarScope#destination} resolves; the caller
     * says whether the VirtualService brings this destination in ({@link Routing#infersDestination}).
     */
    private static Optional<ServiceMatch> routeDestination(SidecarScope scope, boolean fromVirtualService,
                                                           String host, int port) {
        Optional<ServiceMatch> imported = scope.lookup(host, port);
        if (!fromVirtualService || imported.isPresent() && imported.get().port().isPresent()) {
            return imported;
        }
        Optional<ServiceMatch> inferred = scope.destination(host, port);
        return inferred.isPresent() && inferred.get().port().isPresent() ? inferred : imported.or(() -> inferred);
    }

    /** Outside the registry (or SNI matching no filter chain): the outbound traffic policy decides. */
    private Eval outsideRegistry(ProxyRef proxy, SidecarScope scope, Optional<ResourceKey> sidecarKey,
                                    Origin sidecarOrigin, String host, int port, Supplier<String> why,
                                    List<Hop> hops, Stage stage, Optional<String> originalDestination) {
        OutboundMode mode = scope.outboundMode();
        String source = sidecarKey.map(k -> k.toString()).orElse("mesh outboundTrafficPolicy");
        if (mode == OutboundMode.ALLOW_ANY && scope.egressProxy().isPresent()) {
            return toEgressProxy(proxy, scope, sidecarKey, sidecarOrigin, host, port, why, hops, stage);
        }
        if (mode == OutboundMode.ALLOW_ANY) {
            hops.add(new Hop(proxy, stage, Hop.Outcome.PASS, Hop.lazily(() -> host + ":" + port + ": " + why.get()
                    + "; " + source + " is ALLOW_ANY: PassthroughCluster"), sidecarKey, sidecarOrigin));
            // an address the client wrote is not one the operator gave: the proxy's address guard judges it. A
            // captured connection goes where it was headed: PassthroughCluster is ORIGINAL_DST in Envoy.
            Upstream passthrough = originalDestination.map(ip -> Upstream.originalDestination(host, ip, port,
                    UpstreamTls.NONE)).orElseGet(() -> new Upstream(host, port, List.of(), UpstreamTls.NONE));
            return new Eval(new OutboundDecision.Forward(passthrough, false, "PassthroughCluster", hops), false,
                    Optional.empty(), Optional.empty());
        }
        Supplier<String> reason = Hop.lazily(() -> "REGISTRY_ONLY (" + source + "): " + host + ":" + port + ": "
                + why.get());
        hops.add(new Hop(proxy, stage, Hop.Outcome.DENY, Hop.lazily(() -> reason.get() + " (BlackHoleCluster)"),
                sidecarKey, sidecarOrigin));
        return new Eval(new OutboundDecision.Refused(reason, hops), false, Optional.empty(), Optional.empty());
    }

    /**
     * Sidecar {@code outboundTrafficPolicy.egressProxy}: "Specifies the details of the egress proxy to which unknown
     * traffic should be forwarded to from the sidecar. Valid only if the global outbound traffic policy is
     * ALLOW_ANY."
     */
    private Eval toEgressProxy(ProxyRef proxy, SidecarScope scope, Optional<ResourceKey> sidecarKey,
                                  Origin sidecarOrigin, String host, int port, Supplier<String> why,
                                  List<Hop> hops, Stage stage) {
        var d = scope.egressProxy().get();
        String proxyHost = HostName.fold(d.getHost() == null ? "" : d.getHost());
        int proxyPort = d.getPort() != null && d.getPort().getNumber() != null ? d.getPort().getNumber().intValue()
                : port;
        RouteTarget target = new RouteTarget(proxyHost, d.getSubset() == null ? "" : d.getSubset(), proxyPort, 100);
        boolean viaGateway = upstreams.isGatewayService(proxyHost);
        Optional<String> serviceNamespace = viaGateway ? Optional.of(UpstreamResolver.serviceNamespaceOf(proxyHost))
                : scope.lookup(proxyHost, proxyPort).map(m -> m.entry().namespace());
        String sidecarName = scope.sidecar().map(r -> r.key().toString()).orElse("Sidecar");
        hops.add(new Hop(proxy, stage, Hop.Outcome.PASS, Hop.lazily(() -> host + ":" + port + ": " + why.get() + "; "
                + sidecarName + " is ALLOW_ANY with egressProxy " + target.host() + ":" + proxyPort), sidecarKey,
                sidecarOrigin));
        UpstreamPolicy policy = routing.upstreamPolicy(scope.namespace(), Map.of(), target, proxyPort,
                serviceNamespace, host);
        hops.add(new Hop(proxy, Stage.UPSTREAM, Hop.Outcome.PASS, "egress proxy " + proxyHost + ":" + proxyPort + "; "
                + policy.detail(), policy.rule(), policy.origin()));
        return new Eval(new OutboundDecision.Forward(new Upstream(proxyHost, proxyPort, List.of(), policy.tls()),
                viaGateway, "outbound|" + proxyPort + "|" + target.subset() + "|" + proxyHost, hops), false,
                Optional.empty(), Optional.of(policy));
    }

    /** One line from the registry's explanation of why {@code host} is not visible to {@code from}. */
    private String unknownHostWhy(WorkloadRef from, String host, int port) {
        RefusalKey key = new RefusalKey(from, host, port);
        String cached = unknownHostWhys.get(key);
        if (cached != null) {
            return cached;
        }
        String why = explainUnknownHost(from, host, port);
        if (unknownHostWhys.size() < UNKNOWN_HOST_WHY_LIMIT) {
            unknownHostWhys.putIfAbsent(key, why);
        }
        return why;
    }

    private record RefusalKey(WorkloadRef from, String host, int port) {
    }

    /**
     * The entry fact explain marks deciding: the Sidecars' facts come first and the entries' last, so the last
     * deciding fact is the entry's (a Sidecar's outboundTrafficPolicy is named in the reason's prefix already). The
     * first fact that merely did not apply could be a Sidecar selecting another workload, which decided nothing.
     */
    private String explainUnknownHost(WorkloadRef from, String host, int port) {
        List<Consideration> facts = registry.explain(from, host, port);
        for (int i = facts.size() - 1; i >= 0; i--) {
            Consideration c = facts.get(i);
            if (c.deciding() && c.resource().kind() != dev.tollgate.core.model.Kind.SIDECAR) {
                return c.why();
            }
        }
        return "no ServiceEntry declares " + host;
    }

    /**
     * The port's protocol decides the route list; a request of another kind cannot use it. Istio's HTTP listener
     * cannot parse a non-HTTP stream, and a TLS port's filter chains select on the ClientHello. Fail closed.
     */
    private static Optional<String> protocolMismatch(RouteKind kind, OutboundRequest request, ServiceMatch m,
                                                     int port) {
        if (kind == RouteKind.HTTP && request.protocol() != Protocol.HTTP) {
            return Optional.of("port " + port + " of " + m.entry().key() + " is " + m.port().get().getProtocol()
                    + " but the connection is " + request.protocol());
        }
        if (kind == RouteKind.TLS && request.protocol() != Protocol.TLS) {
            return Optional.of("port " + port + " of " + m.entry().key() + " is " + m.port().get().getProtocol()
                    + " (TLS expected) but the connection is " + request.protocol());
        }
        return Optional.empty();
    }
}
