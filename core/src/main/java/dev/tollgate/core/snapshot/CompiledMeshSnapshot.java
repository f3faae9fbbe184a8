package dev.tollgate.core.snapshot;

import dev.tollgate.core.model.GatewayServerKind;
import dev.tollgate.core.analysis.EgressAnalyzer;
import dev.tollgate.core.authz.AuthzDecision;
import dev.tollgate.core.authz.Authorizer;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.model.EgressGatewayIdentity;
import dev.tollgate.core.model.EgressTopology;
import dev.tollgate.core.model.GatewayListener;
import dev.tollgate.core.model.PolicyRef;
import dev.tollgate.core.model.TlsMode;
import dev.tollgate.core.model.UpstreamTls;
import dev.tollgate.core.model.Verdict;
import dev.tollgate.core.model.Workload;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.registry.Registry;
import dev.tollgate.core.registry.ServiceEndpoints;
import dev.tollgate.core.routing.Routing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The snapshot: the registry (which hosts a sidecar knows), routing (where they go) and authorization (what the
 * gateway lets through), each compiled once. The sidecar ({@link SidecarPath}) and the egress gateway
 * ({@link GatewayPath}) decide; this class joins them into the whole path {@code check} answers, and
 * {@link PathExplainer} words it. Every answer carries the hops that decided it.
 */
final class CompiledMeshSnapshot implements MeshSnapshot {

    private final ConfigSet config;
    private final Registry registry;
    private final Routing routing;
    private final Authorizer authorizer;
    private final SidecarPath sidecars;
    private final GatewayPath gateways;
    /** Namespace of a gateway service -> the gateway workload behind it. */
    private final Map<String, WorkloadRef> gatewayWorkloads = new HashMap<>();
    /** Gateway API Gateways' Service host -> the deployment Istio makes for it. */
    private final Map<String, WorkloadRef> deployments = new HashMap<>();

    CompiledMeshSnapshot(ConfigSet config, Registry registry, Routing routing, Authorizer authorizer) {
        this.config = config;
        this.registry = registry;
        this.routing = routing;
        this.authorizer = authorizer;
        UpstreamResolver upstreams = new UpstreamResolver(routing,
                EgressGatewayIdentity.serviceHosts(config.gateways()),
                ServiceEndpoints.of(config.workloadEntries(), config.workloads()), config.mesh());
        this.sidecars = new SidecarPath(registry, routing, upstreams, config.mesh());
        this.gateways = new GatewayPath(config, registry, routing, authorizer, upstreams);
        EgressGatewayIdentity.deployments(config.gateways())
                .forEach(d -> deployments.putIfAbsent(d.serviceHost(), d.workload()));
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

    @Override
    public OutboundDecision outbound(WorkloadRef from, OutboundRequest request) {
        return sidecars.decide(from, request).decision();
    }

    @Override
    public List<GatewayListener> gatewayListeners(WorkloadRef gateway) {
        return routing.listeners(gateway);
    }

    @Override
    public Optional<GatewayServerKind> gatewayServerKind(WorkloadRef gateway, int port, Optional<String> sni) {
        return routing.connectionKind(gateway, port, sni);
    }

    @Override
    public GatewayDecision gateway(WorkloadRef gateway, GatewayRequest request) {
        return gateways.decide(gateway, request, Optional.empty()).decision();
    }

    /**
     * The gateway workload behind a gateway Service: one the configuration declares in the Service's namespace, else
     * the deployment a Gateway API Gateway declares for it, else Istio's default egress gateway.
     */
    private WorkloadRef gatewayWorkload(String serviceHost) {
        WorkloadRef declared = gatewayWorkloads.get(UpstreamResolver.serviceNamespaceOf(serviceHost));
        if (declared != null) {
            return declared;
        }
        return deployments.getOrDefault(serviceHost, EgressGatewayIdentity.WORKLOAD);
    }

    /** The whole path's answer, with each proxy's evaluation for explain. */
    record Path(CheckResult result, SidecarPath.Eval sidecar, Optional<WorkloadRef> gateway,
                Optional<GatewayPath.Eval> gatewayEval) {
    }

    @Override
    public CheckResult check(WorkloadRef from, OutboundRequest request) {
        return path(from, request).result();
    }

    private Path path(WorkloadRef from, OutboundRequest request) {
        SidecarPath.Eval sc = sidecars.decide(from, request);
        switch (sc.decision()) {
            case OutboundDecision.Refused r -> {
                return new Path(new CheckResult(sc.noRoute() ? Verdict.NO_ROUTE : Verdict.BLOCKED, Optional.empty(),
                        r::reason, r.trace(), List.of(), Optional.empty()), sc, Optional.empty(), Optional.empty());
            }
            case OutboundDecision.Forward f when !f.viaGateway() -> {
                return new Path(new CheckResult(Verdict.ALLOWED, Optional.empty(), "forwarded via " + f.route()
                        + " to " + f.upstream().host() + ":" + f.upstream().port(), f.trace(), List.of(),
                        Optional.of(f.upstream())), sc, Optional.empty(), Optional.empty());
            }
            case OutboundDecision.Forward f -> {
                WorkloadRef gw = gatewayWorkload(f.upstream().host());
                UpstreamTls tls = f.upstream().tls();
                boolean mutual = tls.mode() == TlsMode.ISTIO_MUTUAL;
                GatewayRequest greq = new GatewayRequest(f.upstream().port(), gatewaySni(request, tls),
                        mutual ? Optional.of(new Peer(from.principal(mesh().trustDomain()), from.namespace()))
                                : Optional.empty(),
                        sc.forwarded(request), "", "");
                GatewayPath.Eval ge = gateways.decide(gw, greq, Optional.of(tls.mode()));
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
        return new PathExplainer(registry, routing, authorizer).explain(from, request, path(from, request));
    }

    @Override
    public AppliedConfig appliedTo(WorkloadRef from) {
        return new AppliedConfigs(registry, routing, authorizer).sidecar(from);
    }

    @Override
    public AppliedConfig appliedToGateway(WorkloadRef gateway) {
        return new AppliedConfigs(registry, routing, authorizer).gateway(gateway);
    }

    @Override
    public java.util.Set<String> dependencies(dev.tollgate.core.model.ProxyRef.Kind kind, WorkloadRef proxy) {
        return ProxyDependencies.of(config, registry, routing, authorizer, kind, proxy);
    }

    @Override
    public List<Diagnostic> analyze() {
        return EgressAnalyzer.analyze(config, registry, routing, authorizer);
    }

    @Override
    public EgressTopology egressTopology() {
        return EgressAnalyzer.topology(config, routing);
    }

    @Override
    public String toString() {
        return "MeshSnapshot[" + config.serviceEntries().size() + " ServiceEntries, "
                + config.virtualServices().size() + " VirtualServices, " + config.destinationRules().size()
                + " DestinationRules, " + config.gateways().size() + " Gateways, "
                + config.authorizationPolicies().size() + " AuthorizationPolicies]";
    }
}
