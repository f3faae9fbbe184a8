package dev.tollgate.core.snapshot;

import dev.tollgate.core.authz.Authorizer;
import dev.tollgate.core.authz.PolicyView;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.registry.Registry;
import dev.tollgate.core.registry.ServiceMatch;
import dev.tollgate.core.registry.SidecarScope;
import dev.tollgate.core.routing.DestinationRuleView;
import dev.tollgate.core.routing.GatewayServer;
import dev.tollgate.core.routing.Routing;
import dev.tollgate.core.routing.VirtualServiceView;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds {@link AppliedConfig}: asks the registry, routing and the authorizer which of their resources apply to a
 * workload, each by the rule it decides with (Sidecar selection, exportTo and Sidecar imports, Gateway selectors,
 * VirtualService binding, the DestinationRule lookup, policy selection). Nothing here decides a second time.
 */
final class AppliedConfigs {
    private final Registry registry;
    private final Routing routing;
    private final Authorizer authorizer;

    AppliedConfigs(Registry registry, Routing routing, Authorizer authorizer) {
        this.registry = registry;
        this.routing = routing;
        this.authorizer = authorizer;
    }

    AppliedConfig sidecar(WorkloadRef from) {
        SidecarScope scope = registry.scopeFor(from);
        List<AppliedConfig.Applied> out = new ArrayList<>();
        scope.sidecar().ifPresent(r -> out.add(new AppliedConfig.Applied(r.key(), r.origin(), switch (scope.source()) {
            case WORKLOAD_SELECTOR -> "its workloadSelector matches the workload's labels";
            case NAMESPACE -> "the Sidecar of namespace " + r.namespace() + " without workloadSelector";
            case ROOT_NAMESPACE -> "the root namespace's Sidecar without workloadSelector, for every namespace without one";
            case MESH_DEFAULT, GATEWAY -> throw new IllegalStateException("no Sidecar resource");
        }, egressHosts(r))));
        List<ServiceMatch> services = scope.visibleServices();
        out.addAll(serviceEntries(services, "exported to namespace " + from.namespace()
                + scope.sidecar().map(r -> " and imported by " + r.key()).orElse("")));
        for (VirtualServiceView vs : routing.sidecarVirtualServices(from, scope)) {
            List<String> routes = routes(vs, VirtualServiceView.MESH);
            if (!routes.isEmpty()) {
                out.add(new AppliedConfig.Applied(vs.resource().key(), vs.resource().origin(),
                        "bound to mesh for hosts " + vs.hosts() + ", exported to namespace " + from.namespace()
                                + scope.sidecar().map(r -> " and imported by " + r.key()).orElse(""), routes));
            }
        }
        out.addAll(destinationRules(from, services));
        out.addAll(policies(from));
        return new AppliedConfig(from, false, out);
    }

    AppliedConfig gateway(WorkloadRef gateway) {
        List<AppliedConfig.Applied> out = new ArrayList<>();
        List<ServiceMatch> services = registry.gatewayScope(gateway).visibleServices();
        out.addAll(serviceEntries(services, "exported to namespace " + gateway.namespace()
                + " (Sidecars never apply to gateways)"));
        List<GatewayServer> servers = routing.servers(gateway);
        Map<ResourceKey, VirtualServiceView> bound = new LinkedHashMap<>();
        Map<ResourceKey, List<String>> boundVia = new LinkedHashMap<>();
        for (GatewayServer s : servers) {
            out.add(new AppliedConfig.Applied(s.gateway(), s.origin(), "its selector matches the workload's labels: "
                    + "servers[" + s.index() + "] port " + s.port() + " " + s.kind() + ", hosts " + s.hosts(),
                    List.of("spec.servers[" + s.index() + "]")));
            for (VirtualServiceView vs : routing.gatewayVirtualServices(gateway, s)) {
                bound.putIfAbsent(vs.resource().key(), vs);
                List<String> via = boundVia.computeIfAbsent(vs.resource().key(), k -> new ArrayList<>());
                if (!via.contains(s.gatewayName())) {
                    via.add(s.gatewayName());
                }
            }
        }
        for (VirtualServiceView vs : bound.values()) {
            List<String> routes = new ArrayList<>();
            for (String gw : boundVia.get(vs.resource().key())) {
                routes(vs, gw).stream().filter(r -> !routes.contains(r)).forEach(routes::add);
            }
            if (!routes.isEmpty()) {
                out.add(new AppliedConfig.Applied(vs.resource().key(), vs.resource().origin(), "bound to Gateway "
                        + String.join(", ", boundVia.get(vs.resource().key())) + " for hosts " + vs.hosts(), routes));
            }
        }
        out.addAll(destinationRules(gateway, services));
        out.addAll(policies(gateway));
        return new AppliedConfig(gateway, true, out);
    }

    /** One line per ServiceEntry, with the host:ports the proxy knows through it. */
    private static List<AppliedConfig.Applied> serviceEntries(List<ServiceMatch> services, String why) {
        Map<Resource<ServiceEntry>, List<String>> hosts = new LinkedHashMap<>();
        for (ServiceMatch m : services) {
            if (Registry.isEgressGatewayService(m.entry())) {
                continue; // the built-in stand-in for the gateway's Kubernetes Service is in no file
            }
            hosts.computeIfAbsent(m.entry(), k -> new ArrayList<>()).add(m.matchedHost()
                    + m.port().map(p -> ":" + p.getNumber() + "/" + p.getProtocol()).orElse(""));
        }
        List<AppliedConfig.Applied> out = new ArrayList<>();
        hosts.forEach((entry, hs) -> out.add(new AppliedConfig.Applied(entry.key(), entry.origin(),
                why, hs)));
        return out;
    }

    /** The DestinationRules looked up for each service the proxy knows, each once, with the hosts it applies to. */
    private List<AppliedConfig.Applied> destinationRules(WorkloadRef client, List<ServiceMatch> services) {
        Map<ResourceKey, DestinationRuleView> rules = new LinkedHashMap<>();
        Map<ResourceKey, List<String>> hosts = new LinkedHashMap<>();
        for (ServiceMatch m : services) {
            for (DestinationRuleView dr : routing.destinationRulesFor(client.namespace(), client.labels(),
                    m.matchedHost(), Optional.of(m.entry().namespace()))) {
                rules.putIfAbsent(dr.resource().key(), dr);
                List<String> hs = hosts.computeIfAbsent(dr.resource().key(), k -> new ArrayList<>());
                if (!hs.contains(m.matchedHost())) {
                    hs.add(m.matchedHost());
                }
            }
        }
        List<AppliedConfig.Applied> out = new ArrayList<>();
        rules.forEach((key, dr) -> out.add(new AppliedConfig.Applied(key, dr.resource().origin(),
                "looked up for traffic to " + String.join(", ", hosts.get(key))
                        + (dr.subsets().isEmpty() ? "" : "; subsets " + dr.subsets()), List.of())));
        return out;
    }

    private List<AppliedConfig.Applied> policies(WorkloadRef target) {
        List<AppliedConfig.Applied> out = new ArrayList<>();
        for (PolicyView p : authorizer.policyViews()) {
            if (authorizer.whyNotApplied(p.key(), target).isEmpty()) {
                String scope = p.key().namespace().equals(authorizer.rootNamespace())
                        ? "in the root namespace " + authorizer.rootNamespace() + ", so mesh-wide"
                        : "in the workload's namespace " + target.namespace();
                out.add(new AppliedConfig.Applied(p.key(), p.originOf(""), p.action() + ", " + scope,
                        p.rules().stream().map(PolicyView.Rule::path).toList()));
            }
        }
        return out;
    }

    /** The route lists of {@code vs} that can apply for {@code gatewayName}, as field paths. */
    private static List<String> routes(VirtualServiceView vs, String gatewayName) {
        return vs.routes().stream().filter(r -> vs.appliesTo(r, gatewayName)).map(VirtualServiceView.Route::path)
                .toList();
    }

    private static List<String> egressHosts(Resource<io.fabric8.istio.api.api.networking.v1alpha3.Sidecar> r) {
        List<String> out = new ArrayList<>();
        var egress = r.spec().getEgress();
        for (int i = 0; egress != null && i < egress.size(); i++) {
            var l = egress.get(i);
            out.add("spec.egress[" + i + "]" + (l.getPort() == null || l.getPort().getNumber() == null ? ""
                    : " port " + l.getPort().getNumber()) + " hosts " + (l.getHosts() == null ? List.of() : l.getHosts()));
        }
        return out;
    }
}
