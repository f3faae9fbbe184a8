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
        return new Explanation(p.result(), decidingFacts(out, p.result()),
                MeshExplainer.explain(registry.mesh(), registry.scopeFor(from)));
    }

    /**
     * Only the step that had the last word decides: each stage's explainer marks the facts its own verdict rests on
     * (the registry's entries, the authorization policies), and those marks stand only when that stage ended the
     * path. A step that marks nothing itself (a route, a Gateway server) gets its mark from the last hop's resource,
     * on the last fact the path reached about it (the gateway's walk comes after the sidecar's).
     */
    private static List<Consideration> decidingFacts(List<Consideration> out, CheckResult r) {
        if (r.hops().isEmpty()) {
            out.replaceAll(Consideration::asNotDeciding);
            return out;
        }
        Hop last = r.hops().get(r.hops().size() - 1);
        boolean registry = decidedAtRegistry(r);
        out.replaceAll(c -> c.deciding() && (c.stage() != last.stage()
                || (c.stage() == dev.tollgate.core.model.Stage.REGISTRY && !registry)) ? c.asNotDeciding() : c);
        if (last.resource().isEmpty() || out.stream().anyMatch(Consideration::deciding)) {
            return out;
        }
        for (int i = out.size() - 1; i >= 0; i--) {
            Consideration c = out.get(i);
            if (c.reached() && c.stage() == last.stage() && c.resource().equals(last.resource().get())) {
                out.set(i, c.asDeciding());
                break;
            }
        }
        return out;
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
