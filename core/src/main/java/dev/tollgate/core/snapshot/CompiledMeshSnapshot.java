package dev.tollgate.core.snapshot;

import dev.tollgate.core.model.net.HostPattern;
import dev.tollgate.core.model.net.IpAddress;
import dev.tollgate.core.model.net.Authority;
import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.model.EgressGatewayIdentity;
import dev.tollgate.core.model.GatewayListener;
import dev.tollgate.core.model.PortProtocol;
import dev.tollgate.core.model.RouteKind;
import dev.tollgate.core.model.ServerTlsMode;
import dev.tollgate.core.model.UpstreamTls;
import dev.tollgate.core.model.TlsMode;
import dev.tollgate.core.model.HttpRequestInfo;
import dev.tollgate.core.model.Consideration;
import dev.tollgate.core.analysis.EgressAnalyzer;
import dev.tollgate.core.authz.AuthzDecision;
import dev.tollgate.core.authz.AuthzRequest;
import dev.tollgate.core.authz.Authorizer;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.OutboundMode;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.model.Stage;
import dev.tollgate.core.model.PolicyRef;
import dev.tollgate.core.model.ProxyRef;
import dev.tollgate.core.model.Verdict;
import dev.tollgate.core.model.Workload;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.registry.Hosts;
import dev.tollgate.core.registry.Registry;
import dev.tollgate.core.registry.ServiceMatch;
import dev.tollgate.core.registry.SidecarScope;
import dev.tollgate.core.routing.GatewayServer;
import dev.tollgate.core.routing.RouteOutcome;
import dev.tollgate.core.routing.RouteTarget;
import dev.tollgate.core.routing.Routing;
import dev.tollgate.core.routing.ServerSelection;
import dev.tollgate.core.routing.UpstreamPolicy;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntryResolution;
import io.fabric8.istio.api.api.networking.v1alpha3.ServicePort;
import io.fabric8.istio.api.api.networking.v1alpha3.WorkloadEntry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The snapshot: the registry (which hosts a sidecar knows), routing (where they go) and authorization (what the
 * gateway lets through), each compiled once. Every answer carries the hops that decided it.
 */
final class CompiledMeshSnapshot implements MeshSnapshot {

    private final ConfigSet config;
    private final Registry registry;
    private final Routing routing;
    private final Authorizer authorizer;
    /** Namespace of a gateway service -> the gateway workload behind it. */
    private final Map<String, WorkloadRef> gatewayWorkloads = new HashMap<>();
    /** Where each AuthorizationPolicy came from, so an authz hop can point at the file. */
    private final Map<ResourceKey, Origin> policyOrigins = new HashMap<>();
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

    CompiledMeshSnapshot(ConfigSet config, Registry registry, Routing routing, Authorizer authorizer) {
        this.config = config;
        this.registry = registry;
        this.routing = routing;
        this.authorizer = authorizer;
        config.authorizationPolicies().forEach(p -> policyOrigins.put(p.key(), p.origin()));
        for (Workload w : config.workloads()) {
            if (routing.selectedByAnyGateway(w.labels()) && !w.labels().isEmpty()) {
                gatewayWorkloads.putIfAbsent(w.namespace(), w.ref());
            }
        }
    }

    @Override
    public ConfigSet config() {
        return config;
    }

    // ------------------------------------------------------------------ sidecar

    /** The sidecar's decision plus what explain needs. */
    private record Sidecar(OutboundDecision decision, boolean noRoute, Optional<RouteOutcome> route,
                           Optional<UpstreamPolicy> upstream) {
        /** The HTTP request as the sidecar's route forwards it (rewrites applied), for the next hop. */
        Optional<HttpRequestInfo> forwarded(OutboundRequest request) {
            return route.flatMap(r -> r instanceof RouteOutcome.Routed routed ? routed.forwarded() : Optional.empty())
                    .or(request::http);
        }

        /** The same decision, with the route walk that led to it (for explain). */
        Sidecar after(RouteOutcome walked) {
            return new Sidecar(decision, noRoute, Optional.of(walked), upstream);
        }
    }

    @Override
    public OutboundDecision outbound(WorkloadRef from, OutboundRequest request) {
        return sidecar(from, request).decision();
    }

    private Sidecar sidecar(WorkloadRef from, OutboundRequest request) {
        ProxyRef proxy = ProxyRef.sidecar(from);
        String host = HostName.fold(request.host());
        int port = request.port();
        List<Hop> hops = new ArrayList<>();
        Optional<String> otherHost = RequestedHost.mismatch(request);
        if (otherHost.isPresent()) {
            hops.add(new Hop(proxy, Stage.REQUEST, Hop.Outcome.DENY, otherHost.get(), Optional.empty(),
                    Origin.UNKNOWN));
            return new Sidecar(new OutboundDecision.Refused(otherHost.get(), hops), false, Optional.empty(),
                    Optional.empty());
        }
        SidecarScope scope = registry.scopeFor(from);
        Optional<ServiceMatch> match = scope.lookup(host, port);
        // The resource that sets the outbound traffic policy: the Sidecar when it sets one, else the mesh.
        Optional<ResourceKey> sidecarKey = scope.outboundModeFromSidecar() ? scope.sidecar().map(Resource::key)
                : Optional.empty();
        Origin sidecarOrigin = scope.outboundModeFromSidecar()
                ? scope.sidecar().map(r -> r.originOf("spec.outboundTrafficPolicy")).orElse(Origin.UNKNOWN)
                : mesh().origins().getOrDefault("outboundTrafficPolicy.mode", Origin.UNKNOWN);

        RouteOutcome outcome;
        if (match.isEmpty() || match.get().port().isEmpty()) {
            String why = match.map(m -> m.entry().key() + " declares " + host + " but not port " + port)
                    .orElseGet(() -> unknownHostWhy(from, host, port));
            Optional<RouteOutcome> vsOnly = virtualHostOutsideRegistry(from, scope, host, port, request);
            if (vsOnly.isEmpty() || vsOnly.get() instanceof RouteOutcome.NoVirtualService) {
                Sidecar out = outsideRegistry(proxy, scope, sidecarKey, sidecarOrigin, host, port, why, hops,
                        Stage.REGISTRY);
                return vsOnly.map(out::after).orElse(out);
            }
            hops.add(new Hop(proxy, Stage.REGISTRY, Hop.Outcome.PASS, why + "; a VirtualService bound to mesh names "
                    + host + ", so Istio builds a virtual host for it on port " + port + " whatever the outbound "
                    + "traffic policy", Optional.empty(), Origin.UNKNOWN));
            outcome = vsOnly.get();
        } else {
            outcome = registryRoute(proxy, from, scope, match.get(), host, port, request, hops).orElse(null);
            if (outcome == null) {
                String why = hops.get(hops.size() - 1).detail();
                return new Sidecar(new OutboundDecision.Refused(why, hops), false, Optional.empty(),
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
                    return outsideRegistry(proxy, scope, sidecarKey, sidecarOrigin, host, port, u.detail(), hops,
                            Stage.ROUTE).after(u);
                }
                hops.add(new Hop(proxy, Stage.ROUTE, Hop.Outcome.DENY, u.detail(), u.virtualService(), u.origin()));
                return new Sidecar(new OutboundDecision.Refused("no route: " + u.detail(), hops), true,
                        Optional.of(outcome), Optional.empty());
            }
        }

        // The destination: the egress gateway's Kubernetes service, or a host of the registry.
        String destHost = target.host();
        boolean viaGateway = destHost.equals(EgressGatewayIdentity.SERVICE_HOST);
        int destPort = target.port();
        // The registry decides for the gateway's Kubernetes service too: a destination neither imported by the
        // Sidecar nor brought in by the imported VirtualService leaves the route without a cluster, as in Istio.
        boolean fromVirtualService = outcome instanceof RouteOutcome.Routed routedBy
                && routing.infersDestination(routedBy.virtualService(), destHost, from.namespace());
        Optional<ServiceMatch> dm = destHost.equals(host) && (destPort == 0 || destPort == port) ? match
                : routeDestination(scope, fromVirtualService, destHost, destPort > 0 ? destPort : port);
        if (destPort == 0) {
            destPort = dm.map(d -> singlePort(d.entry().spec()).orElse(port)).orElse(port);
            if (destPort != port) {
                dm = routeDestination(scope, fromVirtualService, destHost, destPort);
            }
        }
        if (dm.isEmpty() || dm.get().port().isEmpty()) {
            String why = "route destination " + destHost + ":" + destPort + " is not in the registry of " + from
                    + " (Envoy has no such cluster: 503)";
            hops.add(new Hop(proxy, Stage.UPSTREAM, Hop.Outcome.DENY, why, Optional.empty(), Origin.UNKNOWN));
            return new Sidecar(new OutboundDecision.Refused("no route: " + why, hops), true,
                    Optional.of(outcome), Optional.empty());
        }
        Optional<String> serviceNamespace = Optional.of(dm.get().entry().namespace());
        List<String> addresses = endpointAddresses(dm.get().entry().spec());
        if (addresses.isEmpty() && destHost.equals(host) && IpAddress.isLiteral(host)
                && Hosts.declaredAddress(host, dm.get().entry().spec().getAddresses())) {
            // the client's address is one the ServiceEntry declares (addresses): the operator vouches for it
            addresses = List.of(host);
        }
        // The egress gateway is addressed by its Gateway server port (its listeners, and destination.port in its
        // policies); its Kubernetes Service's targetPort is a container detail Tollgate does not reproduce.
        int connectPort = viaGateway ? destPort : connectPort(dm.get(), destPort);
        RouteTarget resolved = new RouteTarget(destHost, target.subset(), destPort, target.weight());
        Optional<HttpRequestInfo> forwarded = outcome instanceof RouteOutcome.Routed r && r.forwarded().isPresent()
                ? r.forwarded() : request.http();
        String autoSni = forwarded.map(h -> Authority.hostOf(h.authority())).orElse(destHost);
        UpstreamPolicy policy = routing.upstreamPolicy(from.namespace(), from.labels(), resolved, destPort,
                serviceNamespace, autoSni);
        if (policy.missingSubset().isPresent()) {
            String why = "subset " + policy.missingSubset().get() + " of " + destHost + " is not defined: "
                    + policy.detail();
            hops.add(new Hop(proxy, Stage.UPSTREAM, Hop.Outcome.DENY, why, policy.rule(), policy.origin()));
            return new Sidecar(new OutboundDecision.Refused("no route: " + why, hops), true, Optional.of(outcome),
                    Optional.of(policy));
        }
        hops.add(new Hop(proxy, Stage.UPSTREAM, Hop.Outcome.PASS, (viaGateway ? "to the egress gateway " : "direct to ")
                + destHost + ":" + destPort + (connectPort != destPort ? " (endpoint port " + connectPort + ")" : "")
                + "; " + policy.detail(), policy.rule(), policy.origin()));
        Upstream upstream = new Upstream(destHost, connectPort, addresses, policy.tls());
        return new Sidecar(new OutboundDecision.Forward(upstream, viaGateway, routeName, hops), false,
                Optional.of(outcome), Optional.of(policy));
    }

    /**
     * The mesh route for a host:port of the registry; empty (with a DENY hop added) when the connection's protocol
     * cannot use the port.
     */
    private Optional<RouteOutcome> registryRoute(ProxyRef proxy, WorkloadRef from, SidecarScope scope, ServiceMatch m,
                                                 String host, int port, OutboundRequest request, List<Hop> hops) {
        ServicePort sePort = m.port().get();
        hops.add(new Hop(proxy, Stage.REGISTRY, Hop.Outcome.PASS, m.entry().key() + " declares " + m.matchedHost()
                + " port " + port + "/" + sePort.getProtocol(), Optional.of(m.entry().key()), m.entry().origin()));

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
    private Sidecar outsideRegistry(ProxyRef proxy, SidecarScope scope, Optional<ResourceKey> sidecarKey,
                                    Origin sidecarOrigin, String host, int port, String why, List<Hop> hops,
                                    Stage stage) {
        OutboundMode mode = scope.outboundMode();
        String source = sidecarKey.map(k -> k.toString()).orElse("mesh outboundTrafficPolicy");
        if (mode == OutboundMode.ALLOW_ANY && scope.egressProxy().isPresent()) {
            return toEgressProxy(proxy, scope, sidecarKey, sidecarOrigin, host, port, why, hops, stage);
        }
        if (mode == OutboundMode.ALLOW_ANY) {
            hops.add(new Hop(proxy, stage, Hop.Outcome.PASS, host + ":" + port + ": " + why + "; " + source
                    + " is ALLOW_ANY: PassthroughCluster", sidecarKey, sidecarOrigin));
            // an address the client wrote is not one the operator gave: the proxy's address guard judges it
            return new Sidecar(new OutboundDecision.Forward(new Upstream(host, port, List.of(), UpstreamTls.NONE),
                    false, "PassthroughCluster", hops), false, Optional.empty(), Optional.empty());
        }
        String reason = "REGISTRY_ONLY (" + source + "): " + host + ":" + port + ": " + why;
        hops.add(new Hop(proxy, stage, Hop.Outcome.DENY, reason + " (BlackHoleCluster)", sidecarKey, sidecarOrigin));
        return new Sidecar(new OutboundDecision.Refused(reason, hops), false, Optional.empty(), Optional.empty());
    }

    /**
     * Sidecar {@code outboundTrafficPolicy.egressProxy}: "Specifies the details of the egress proxy to which unknown
     * traffic should be forwarded to from the sidecar. Valid only if the global outbound traffic policy is
     * ALLOW_ANY."
     */
    private Sidecar toEgressProxy(ProxyRef proxy, SidecarScope scope, Optional<ResourceKey> sidecarKey,
                                  Origin sidecarOrigin, String host, int port, String why, List<Hop> hops,
                                  Stage stage) {
        var d = scope.egressProxy().get();
        String proxyHost = HostName.fold(d.getHost() == null ? "" : d.getHost());
        int proxyPort = d.getPort() != null && d.getPort().getNumber() != null ? d.getPort().getNumber().intValue()
                : port;
        RouteTarget target = new RouteTarget(proxyHost, d.getSubset() == null ? "" : d.getSubset(), proxyPort, 100);
        boolean viaGateway = proxyHost.equals(EgressGatewayIdentity.SERVICE_HOST);
        Optional<String> serviceNamespace = viaGateway ? Optional.of(serviceNamespaceOf(proxyHost))
                : scope.lookup(proxyHost, proxyPort).map(m -> m.entry().namespace());
        hops.add(new Hop(proxy, stage, Hop.Outcome.PASS, host + ":" + port + ": " + why + "; "
                + scope.sidecar().map(r -> r.key().toString()).orElse("Sidecar") + " is ALLOW_ANY with egressProxy "
                + target.host() + ":" + proxyPort, sidecarKey, sidecarOrigin));
        UpstreamPolicy policy = routing.upstreamPolicy(scope.namespace(), Map.of(), target, proxyPort,
                serviceNamespace, host);
        hops.add(new Hop(proxy, Stage.UPSTREAM, Hop.Outcome.PASS, "egress proxy " + proxyHost + ":" + proxyPort + "; "
                + policy.detail(), policy.rule(), policy.origin()));
        return new Sidecar(new OutboundDecision.Forward(new Upstream(proxyHost, proxyPort, List.of(), policy.tls()),
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

    private String explainUnknownHost(WorkloadRef from, String host, int port) {
        for (Consideration c : registry.explain(from, host, port)) {
            if (!c.applied()) {
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

    /**
     * The port the proxy connects to: an endpoint's own port for the service port's name ("ports: Set of ports
     * associated with the endpoint"), else the ServicePort's targetPort ("The port number on the endpoint where the
     * traffic will be received"), else the service port. With several endpoints, the first one's port.
     */
    private static int connectPort(ServiceMatch m, int servicePort) {
        if (m.port().isEmpty()) {
            return servicePort;
        }
        ServicePort p = m.port().get();
        ServiceEntry se = m.entry().spec();
        if (se.getEndpoints() != null && !se.getEndpoints().isEmpty() && p.getName() != null) {
            Map<String, Long> ports = se.getEndpoints().get(0).getPorts();
            if (ports != null && ports.get(p.getName()) != null) {
                return ports.get(p.getName()).intValue();
            }
        }
        return p.getTargetPort() != null && p.getTargetPort() > 0 ? p.getTargetPort().intValue() : servicePort;
    }

    private static Optional<Integer> singlePort(ServiceEntry se) {
        return se.getPorts() != null && se.getPorts().size() == 1 && se.getPorts().get(0).getNumber() != null
                ? Optional.of(se.getPorts().get(0).getNumber().intValue()) : Optional.empty();
    }

    /** Addresses the operator gave: a STATIC or DNS ServiceEntry's endpoints (unix sockets are not addresses). */
    private static List<String> endpointAddresses(ServiceEntry se) {
        ServiceEntryResolution res = se.getResolution();
        if (res == null || se.getEndpoints() == null
                || !(res == ServiceEntryResolution.STATIC || res == ServiceEntryResolution.DNS)) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (WorkloadEntry e : se.getEndpoints()) {
            if (e.getAddress() != null && !e.getAddress().isEmpty() && !e.getAddress().startsWith("unix://")) {
                out.add(e.getAddress());
            }
        }
        return List.copyOf(out);
    }

    private static String serviceNamespaceOf(String svcHost) {
        String[] parts = svcHost.split("\\.");
        return parts.length > 1 ? parts[1] : "";
    }

    // ------------------------------------------------------------------ gateway

    @Override
    public List<GatewayListener> gatewayListeners(WorkloadRef gateway) {
        return routing.listeners(gateway);
    }

    private record GatewayEval(GatewayDecision decision, Optional<AuthzDecision> authz,
                               Optional<AuthzRequest> authzRequest, Optional<UpstreamPolicy> upstream,
                               Optional<GatewayServer> server, Optional<RouteOutcome> route) {
        GatewayEval(GatewayDecision decision, Optional<AuthzDecision> authz, Optional<AuthzRequest> authzRequest,
                    Optional<UpstreamPolicy> upstream) {
            this(decision, authz, authzRequest, upstream, Optional.empty(), Optional.empty());
        }

        GatewayEval at(GatewayServer s, Optional<RouteOutcome> r) {
            return new GatewayEval(decision, authz, authzRequest, upstream, Optional.of(s), r);
        }
    }

    @Override
    public GatewayDecision gateway(WorkloadRef gateway, GatewayRequest request) {
        return gatewayEval(gateway, request, Optional.empty()).decision();
    }

    /**
     * @param clientTls for {@code check}: the TLS the sidecar opens to the gateway (a real connection tells the
     *                  gateway itself); a plain server cannot take TLS and a terminating one cannot take plain bytes
     */
    private GatewayEval gatewayEval(WorkloadRef gw, GatewayRequest request, Optional<TlsMode> clientTls) {
        ProxyRef proxy = ProxyRef.gateway(gw);
        List<Hop> hops = new ArrayList<>();
        Optional<String> authorityHost = request.http().map(h -> Authority.hostOf(h.authority()));
        ServerSelection sel = routing.selectServer(gw, request.port(), request.sni(), authorityHost);
        if (sel instanceof ServerSelection.NoServer none) {
            String reason = none.reason();
            if (clientTls.equals(Optional.of(TlsMode.DISABLE)) && routing.servers(gw).stream()
                    .anyMatch(s -> s.port() == request.port() && s.kind().terminatesTls())) {
                reason = sidecarSends(request) + " but the servers on port " + request.port()
                        + " terminate TLS: the handshake fails (" + reason + ")";
            }
            hops.add(new Hop(proxy, Stage.SERVER, Hop.Outcome.DENY, reason, Optional.empty(), Origin.UNKNOWN));
            return new GatewayEval(new GatewayDecision.NoRoute(reason, hops), Optional.empty(),
                    Optional.empty(), Optional.empty());
        }
        GatewayServer server = ((ServerSelection.Selected) sel).server();
        if (server.kind().tlsMode().requiresClientCertificate() && request.peer().isEmpty()) {
            String why = server.label() + " requires a mesh client certificate; the peer presented none";
            hops.add(new Hop(proxy, Stage.SERVER, Hop.Outcome.DENY, why, Optional.of(server.gateway()),
                    server.origin()));
            return new GatewayEval(new GatewayDecision.NoRoute(why, hops), Optional.empty(), Optional.empty(),
                    Optional.empty()).at(server, Optional.empty());
        }
        Optional<String> tlsMismatch = clientTls.flatMap(t -> {
            if (t != TlsMode.DISABLE && server.kind().tlsMode() == ServerTlsMode.NONE) {
                return Optional.of("the sidecar opens " + t + " but " + server.label() + " takes plain "
                        + server.kind().protocol() + ": the connection fails");
            }
            if (t == TlsMode.DISABLE && server.kind().terminatesTls()) {
                return Optional.of(sidecarSends(request) + " but " + server.label()
                        + " terminates TLS: the handshake fails");
            }
            return Optional.empty();
        });
        if (tlsMismatch.isPresent()) {
            hops.add(new Hop(proxy, Stage.SERVER, Hop.Outcome.DENY, tlsMismatch.get(), Optional.of(server.gateway()),
                    server.origin()));
            return new GatewayEval(new GatewayDecision.NoRoute(tlsMismatch.get(), hops), Optional.empty(),
                    Optional.empty(), Optional.empty()).at(server, Optional.empty());
        }
        hops.add(new Hop(proxy, Stage.SERVER, Hop.Outcome.PASS, ((ServerSelection.Selected) sel).detail(),
                Optional.of(server.gateway()), server.origin()));

        // The gateway reads HTTP only on HTTP servers and TLS-terminated HTTPS ones; elsewhere it sees TCP.
        Optional<HttpRequestInfo> http = server.kind().readsHttp() ? request.http() : Optional.empty();
        AuthzRequest areq = new AuthzRequest(request.peer().map(Peer::principal), request.peer().map(Peer::namespace),
                request.sourceAddress(), request.sourceAddress(), request.destinationAddress(), request.port(),
                request.sni(), http);
        AuthzDecision d = authorizer.authorize(gw, areq);
        Optional<ResourceKey> policyKey = d.policyId().map(PolicyRef::resource);
        Origin policyOrigin = policyKey.map(k -> policyOrigins.getOrDefault(k, Origin.UNKNOWN)).orElse(Origin.UNKNOWN);
        if (!d.allowed()) {
            hops.add(new Hop(proxy, Stage.AUTHZ, Hop.Outcome.DENY, d.reason() + " ("
                    + d.policyId().map(p -> "rbac_access_denied_matched_policy[" + p + "]")
                    .orElse("rbac_access_denied_matched_policy[none]") + ")", policyKey, policyOrigin));
            return new GatewayEval(new GatewayDecision.Denied(d.policyId(), d.reason(), hops), Optional.of(d),
                    Optional.of(areq), Optional.empty()).at(server, Optional.empty());
        }
        hops.add(new Hop(proxy, Stage.AUTHZ, Hop.Outcome.PASS, d.reason(), policyKey, policyOrigin));

        // Envoy normalizes :path once, before RBAC and routing, and forwards the normalized path: route on it too
        Optional<HttpRequestInfo> normalized = http.map(h -> new HttpRequestInfo(h.method(), h.authority(),
                authorizer.normalizedPath(h.path()), h.headers()));
        RouteOutcome out = routing.gatewayRoute(gw, server, request.sni(), normalized);
        if (!(out instanceof RouteOutcome.Routed r)) {
            Optional<ResourceKey> vs = out instanceof RouteOutcome.Unmatched u ? u.virtualService() : Optional.empty();
            hops.add(new Hop(proxy, Stage.ROUTE, Hop.Outcome.DENY, out.detail(), vs, Origin.UNKNOWN));
            return new GatewayEval(new GatewayDecision.NoRoute(out.detail(), hops), Optional.of(d), Optional.of(areq),
                    Optional.empty()).at(server, Optional.of(out));
        }
        hops.add(new Hop(proxy, Stage.ROUTE, Hop.Outcome.PASS, r.detail(), Optional.of(r.virtualService()),
                r.origin()));
        RouteTarget target = r.target();
        SidecarScope scope = registry.scopeFor(gw);
        int destPort = target.port();
        Optional<ServiceMatch> dm = scope.lookup(target.host(), destPort > 0 ? destPort : server.port());
        if (destPort == 0) {
            destPort = dm.flatMap(x -> singlePort(x.entry().spec())).orElse(server.port());
            dm = scope.lookup(target.host(), destPort);
        }
        if (dm.isEmpty() || dm.get().port().isEmpty()) {
            String why = "route destination " + target.host() + ":" + destPort + " is not in the registry of the "
                    + ProxyRef.gateway(gw) + " (Envoy has no such cluster: 503)";
            hops.add(new Hop(proxy, Stage.UPSTREAM, Hop.Outcome.DENY, why, Optional.empty(), Origin.UNKNOWN));
            return new GatewayEval(new GatewayDecision.NoRoute(why, hops), Optional.of(d), Optional.of(areq),
                    Optional.empty()).at(server, Optional.of(out));
        }
        RouteTarget resolved = new RouteTarget(target.host(), target.subset(), destPort, target.weight());
        String autoSni = r.forwarded().map(h -> Authority.hostOf(h.authority())).or(() -> authorityHost).orElse(target.host());
        UpstreamPolicy policy = routing.upstreamPolicy(gw.namespace(), gw.labels(), resolved, destPort,
                Optional.of(dm.get().entry().namespace()), autoSni);
        if (policy.missingSubset().isPresent()) {
            String why = "subset " + policy.missingSubset().get() + " of " + target.host() + " is not defined: "
                    + policy.detail();
            hops.add(new Hop(proxy, Stage.UPSTREAM, Hop.Outcome.DENY, why, policy.rule(), policy.origin()));
            return new GatewayEval(new GatewayDecision.NoRoute(why, hops), Optional.of(d), Optional.of(areq),
                    Optional.of(policy)).at(server, Optional.of(out));
        }
        int connectPort = connectPort(dm.get(), destPort);
        hops.add(new Hop(proxy, Stage.UPSTREAM, Hop.Outcome.PASS, target.host() + ":" + destPort
                + (connectPort != destPort ? " (endpoint port " + connectPort + ")" : "") + "; " + policy.detail(),
                policy.rule(), policy.origin()));
        Upstream upstream = new Upstream(target.host(), connectPort, endpointAddresses(dm.get().entry().spec()),
                policy.tls());
        return new GatewayEval(new GatewayDecision.Forward(upstream, r.virtualService() + " " + r.route(), hops,
                normalized.map(HttpRequestInfo::path)),
                Optional.of(d), Optional.of(areq), Optional.of(policy)).at(server, Optional.of(out));
    }

    /** What a sidecar that opens no TLS of its own sends: with an SNI, the application's TLS (no mesh certificate). */
    private static String sidecarSends(GatewayRequest request) {
        return request.sni().isPresent() ? "the sidecar forwards the application's own TLS (no mesh certificate)"
                : "the sidecar sends plain bytes";
    }

    // ------------------------------------------------------------------ the whole path

    private record Path(CheckResult result, Sidecar sidecar, Optional<WorkloadRef> gateway,
                        Optional<GatewayEval> gatewayEval) {
    }

    @Override
    public CheckResult check(WorkloadRef from, OutboundRequest request) {
        return path(from, request).result();
    }

    private Path path(WorkloadRef from, OutboundRequest request) {
        Sidecar sc = sidecar(from, request);
        switch (sc.decision()) {
            case OutboundDecision.Refused r -> {
                return new Path(new CheckResult(sc.noRoute() ? Verdict.NO_ROUTE : Verdict.BLOCKED, Optional.empty(),
                        r.reason(), r.trace(), List.of(), Optional.empty()), sc, Optional.empty(), Optional.empty());
            }
            case OutboundDecision.Forward f when !f.viaGateway() -> {
                return new Path(new CheckResult(Verdict.ALLOWED, Optional.empty(), "forwarded via " + f.route()
                        + " to " + f.upstream().host() + ":" + f.upstream().port(), f.trace(), List.of(),
                        Optional.of(f.upstream())), sc, Optional.empty(), Optional.empty());
            }
            case OutboundDecision.Forward f -> {
                WorkloadRef gw = gatewayWorkloads.getOrDefault(serviceNamespaceOf(f.upstream().host()),
                        EgressGatewayIdentity.WORKLOAD);
                UpstreamTls tls = f.upstream().tls();
                boolean mutual = tls.mode() == TlsMode.ISTIO_MUTUAL;
                GatewayRequest greq = new GatewayRequest(f.upstream().port(), gatewaySni(request, tls),
                        mutual ? Optional.of(new Peer(from.principal(mesh().trustDomain()), from.namespace()))
                                : Optional.empty(),
                        sc.forwarded(request), "", "");
                GatewayEval ge = gatewayEval(gw, greq, Optional.of(tls.mode()));
                List<Hop> hops = new ArrayList<>(f.trace());
                hops.addAll(ge.decision().trace());
                List<PolicyRef> considered = ge.authz().map(AuthzDecision::policiesConsidered).orElse(List.of());
                CheckResult res = switch (ge.decision()) {
                    case GatewayDecision.Denied dn -> new CheckResult(Verdict.DENIED, dn.policyId(),
                            dn.reason(), hops, considered, Optional.empty());
                    case GatewayDecision.NoRoute nr -> new CheckResult(Verdict.NO_ROUTE, Optional.empty(),
                            nr.reason(), hops, considered, Optional.empty());
                    case GatewayDecision.Forward fw -> new CheckResult(Verdict.ALLOWED,
                            ge.authz().flatMap(AuthzDecision::policyId), "forwarded through the egress gateway via "
                            + fw.route() + " to " + fw.upstream().host() + ":" + fw.upstream().port(), hops,
                            considered, Optional.of(fw.upstream()));
                };
                return new Path(res, sc, Optional.of(gw), Optional.of(ge));
            }
        }
    }

    /**
     * The SNI the gateway sees. When the sidecar opens (m)TLS to the gateway, the DestinationRule's. When it opens
     * none, it forwards the application's bytes as they are: for a TLS request that is the application's own
     * ClientHello, so a PASSTHROUGH server sees the client's SNI (istio.io "Egress gateway for HTTPS traffic": the
     * DestinationRule subset sets no tls, the gateway server is {@code tls.mode: PASSTHROUGH} and matches on the
     * requested host).
     */
    private static Optional<String> gatewaySni(OutboundRequest request, UpstreamTls tls) {
        if (tls.mode() != TlsMode.DISABLE) {
            return tls.sni();
        }
        return request.protocol() == Protocol.TLS ? request.sni().map(HostName::fold) : Optional.empty();
    }

    @Override
    public Explanation explain(WorkloadRef from, OutboundRequest request) {
        Path p = path(from, request);
        String host = HostName.fold(request.host());
        List<Consideration> out = new ArrayList<>(registry.explain(from, host, request.port()));
        // the route walk explains itself; a sidecar that decided before routing lists what it did not consult
        out.addAll(p.sidecar().route().map(RouteOutcome::considerations).orElseGet(() ->
                routing.notConsultedAtSidecar(from, registry.scopeFor(from), host, request.port())));
        p.sidecar().upstream().ifPresent(u -> out.addAll(u.considerations()));
        if (p.gateway().isPresent()) {
            WorkloadRef gw = p.gateway().get();
            out.addAll(routing.explainGateways(gw));
            p.gatewayEval().flatMap(GatewayEval::authzRequest).ifPresent(a -> out.addAll(authorizer.explain(gw, a)));
            p.gatewayEval().ifPresent(ge -> ge.server().ifPresent(server -> out.addAll(ge.route()
                    .map(RouteOutcome::considerations).orElseGet(() -> routing.notConsultedAtGateway(gw, server,
                            ge.authzRequest().flatMap(AuthzRequest::http).map(h -> Authority.hostOf(h.authority()))
                                    .or(() -> ge.authzRequest().flatMap(AuthzRequest::sni)).orElse(host))))));
            p.gatewayEval().flatMap(GatewayEval::upstream).ifPresent(u -> out.addAll(u.considerations()));
        }
        return new Explanation(p.result(), out);
    }

    @Override
    public List<Diagnostic> analyze() {
        return EgressAnalyzer.analyze(config);
    }

    @Override
    public String toString() {
        return "MeshSnapshot[" + config.serviceEntries().size() + " ServiceEntries, "
                + config.virtualServices().size() + " VirtualServices, " + config.destinationRules().size()
                + " DestinationRules, " + config.gateways().size() + " Gateways, "
                + config.authorizationPolicies().size() + " AuthorizationPolicies]";
    }
}
