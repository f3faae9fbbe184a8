package dev.tollgate.core.snapshot;

import dev.tollgate.core.authz.AuthzDecision;
import dev.tollgate.core.authz.AuthzRequest;
import dev.tollgate.core.authz.Authorizer;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.HttpRequestInfo;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.PolicyRef;
import dev.tollgate.core.model.ProxyRef;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.model.ServerTlsMode;
import dev.tollgate.core.model.Stage;
import dev.tollgate.core.model.TlsMode;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.model.net.Authority;
import dev.tollgate.core.registry.Registry;
import dev.tollgate.core.registry.SidecarScope;
import dev.tollgate.core.routing.GatewayServer;
import dev.tollgate.core.routing.RouteOutcome;
import dev.tollgate.core.routing.Routing;
import dev.tollgate.core.routing.ServerSelection;
import dev.tollgate.core.routing.UpstreamPolicy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The egress gateway's decision for one connection or request: the Gateway server, authorization as the gateway
 * workload, the gateway route, then the {@link UpstreamResolver}.
 */
final class GatewayPath {
    private final Registry registry;
    private final Routing routing;
    private final Authorizer authorizer;
    private final UpstreamResolver upstreams;
    /** Where each AuthorizationPolicy came from, so an authz hop can point at the file. */
    private final Map<ResourceKey, Origin> policyOrigins = new HashMap<>();

    GatewayPath(ConfigSet config, Registry registry, Routing routing, Authorizer authorizer,
                UpstreamResolver upstreams) {
        this.registry = registry;
        this.routing = routing;
        this.authorizer = authorizer;
        this.upstreams = upstreams;
        config.authorizationPolicies().forEach(p -> policyOrigins.put(p.key(), p.origin()));
    }

    /** The gateway's decision plus what explain needs. */
    record Eval(GatewayDecision decision, Optional<AuthzDecision> authz, Optional<AuthzRequest> authzRequest,
                Optional<UpstreamPolicy> upstream, Optional<GatewayServer> server, Optional<RouteOutcome> route) {
        Eval(GatewayDecision decision, Optional<AuthzDecision> authz, Optional<AuthzRequest> authzRequest,
             Optional<UpstreamPolicy> upstream) {
            this(decision, authz, authzRequest, upstream, Optional.empty(), Optional.empty());
        }

        Eval at(GatewayServer s, Optional<RouteOutcome> r) {
            return new Eval(decision, authz, authzRequest, upstream, Optional.of(s), r);
        }
    }

    /**
     * @param clientTls for {@code check}: the TLS the sidecar opens to the gateway (a real connection tells the
     *                  gateway itself); a plain server cannot take TLS and a terminating one cannot take plain bytes
     */
    Eval decide(WorkloadRef gw, GatewayRequest request, Optional<TlsMode> clientTls) {
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
            return new Eval(new GatewayDecision.NoRoute(reason, hops), Optional.empty(),
                    Optional.empty(), Optional.empty());
        }
        GatewayServer server = ((ServerSelection.Selected) sel).server();
        if (server.kind().tlsMode().requiresClientCertificate() && request.peer().isEmpty()) {
            String why = server.label() + " requires a mesh client certificate; the peer presented none";
            hops.add(new Hop(proxy, Stage.SERVER, Hop.Outcome.DENY, why, Optional.of(server.gateway()),
                    server.origin()));
            return new Eval(new GatewayDecision.NoRoute(why, hops), Optional.empty(), Optional.empty(),
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
            return new Eval(new GatewayDecision.NoRoute(tlsMismatch.get(), hops), Optional.empty(),
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
            return new Eval(new GatewayDecision.Denied(d.policyId(), d.reason(), hops), Optional.of(d),
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
            return new Eval(new GatewayDecision.NoRoute(out.detail(), hops), Optional.of(d), Optional.of(areq),
                    Optional.empty()).at(server, Optional.of(out));
        }
        hops.add(new Hop(proxy, Stage.ROUTE, Hop.Outcome.PASS, r.detail(), Optional.of(r.virtualService()),
                r.origin()));
        String autoSni = r.forwarded().map(h -> Authority.hostOf(h.authority())).or(() -> authorityHost)
                .orElse(r.target().host());
        SidecarScope scope = registry.scopeFor(gw);
        var resolution = upstreams.resolve(proxy, gw, scope::lookup, r.target(), server.port(), Optional.empty(),
                autoSni, server.kind().tlsMode().passthrough(), Optional.empty(), hops);
        return switch (resolution) {
            case UpstreamResolver.Resolution.Unresolved u -> new Eval(new GatewayDecision.NoRoute(u.why(), hops),
                    Optional.of(d), Optional.of(areq), u.policy()).at(server, Optional.of(out));
            case UpstreamResolver.Resolution.Resolved u -> new Eval(new GatewayDecision.Forward(u.upstream(),
                    r.virtualService() + " " + r.route(), hops, normalized.map(HttpRequestInfo::path)),
                    Optional.of(d), Optional.of(areq), u.policy()).at(server, Optional.of(out));
        };
    }

    /** What a sidecar that opens no TLS of its own sends: with an SNI, the application's TLS (no mesh certificate). */
    private static String sidecarSends(GatewayRequest request) {
        return request.sni().isPresent() ? "the sidecar forwards the application's own TLS (no mesh certificate)"
                : "the sidecar sends plain bytes";
    }
}
