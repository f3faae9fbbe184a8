package dev.tollgate.core.snapshot;

import dev.tollgate.core.authz.AuthzRequest;
import dev.tollgate.core.authz.Authorizer;
import dev.tollgate.core.model.Consideration;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.model.net.Authority;
import dev.tollgate.core.model.net.HostName;
import dev.tollgate.core.registry.Registry;
import dev.tollgate.core.routing.RouteOutcome;
import dev.tollgate.core.routing.Routing;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code explain}: the path {@code check} took, plus each stage's own explainer walking the structures that decided
 * (the registry, routing at the sidecar, the DestinationRules, then the gateway's servers, authorization and routes).
 */
final class PathExplainer {
    private final Registry registry;
    private final Routing routing;
    private final Authorizer authorizer;

    PathExplainer(Registry registry, Routing routing, Authorizer authorizer) {
        this.registry = registry;
        this.routing = routing;
        this.authorizer = authorizer;
    }

    Explanation explain(WorkloadRef from, OutboundRequest request, CompiledMeshSnapshot.Path p) {
        String host = HostName.fold(request.host());
        List<Consideration> out = new ArrayList<>(registry.explain(from, host, request.port()));
        if (!decidedAtRegistry(p.result())) {
            // the registry's facts about an unknown host decide only when the sidecar's registry had the last word
            out.replaceAll(Consideration::asNotDeciding);
        }
        // the route walk explains itself; a sidecar that decided before routing lists what it did not consult
        out.addAll(p.sidecar().route().map(RouteOutcome::considerations).orElseGet(() ->
                routing.notConsultedAtSidecar(from, registry.scopeFor(from), host, request.port())));
        p.sidecar().upstream().ifPresent(u -> out.addAll(u.considerations()));
        if (p.gateway().isPresent()) {
            WorkloadRef gw = p.gateway().get();
            out.addAll(routing.explainGateways(gw));
            p.gatewayEval().flatMap(GatewayPath.Eval::authzRequest).ifPresent(a -> out.addAll(authorizer.explain(gw, a)));
            p.gatewayEval().ifPresent(ge -> ge.server().ifPresent(server -> out.addAll(ge.route()
                    .map(RouteOutcome::considerations).orElseGet(() -> routing.notConsultedAtGateway(gw, server,
                            ge.authzRequest().flatMap(AuthzRequest::http).map(h -> Authority.hostOf(h.authority()))
                                    .or(() -> ge.authzRequest().flatMap(AuthzRequest::sni)).orElse(host))))));
            p.gatewayEval().flatMap(GatewayPath.Eval::upstream).ifPresent(u -> out.addAll(u.considerations()));
        }
        return new Explanation(p.result(), out, MeshExplainer.explain(registry.mesh(), registry.scopeFor(from)));
    }

    private static boolean decidedAtRegistry(CheckResult r) {
        if (r.hops().isEmpty()) {
            return false;
        }
        Hop last = r.hops().get(r.hops().size() - 1);
        return last.stage() == dev.tollgate.core.model.Stage.REGISTRY
                && last.proxy().kind() == dev.tollgate.core.model.ProxyRef.Kind.SIDECAR;
    }
}
