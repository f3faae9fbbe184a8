package dev.tollgate.core.snapshot;

import dev.tollgate.core.authz.Authorizer;
import dev.tollgate.core.authz.PolicyView;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.EgressGatewayIdentity;
import dev.tollgate.core.model.LabelSelector;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.ProxyRef;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.model.Workload;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.registry.Registry;
import dev.tollgate.core.registry.SidecarScope;
import dev.tollgate.core.routing.GatewayServer;
import dev.tollgate.core.routing.Routing;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@link MeshSnapshot#dependencies}: the resources one proxy's decisions can read, asked of the very indexes that
 * decide (the Sidecar scope, exportTo, Gateway selectors, policy selection in the root namespace), so that the
 * control plane's per-proxy view cannot drift from the rules the proxy then applies to it. Where a rule picks one of
 * several visible candidates (the DestinationRules merged for a host) every visible candidate is kept: leaving out a
 * loser could make another one win.
 */
final class ProxyDependencies {
    private final ConfigSet config;
    private final Registry registry;
    private final Routing routing;
    private final Authorizer authorizer;
    private final Set<String> out = new TreeSet<>();

    private ProxyDependencies(ConfigSet config, Registry registry, Routing routing, Authorizer authorizer) {
        this.config = config;
        this.registry = registry;
        this.routing = routing;
        this.authorizer = authorizer;
    }

    static Set<String> of(ConfigSet config, Registry registry, Routing routing, Authorizer authorizer,
                          ProxyRef.Kind kind, WorkloadRef proxy) {
        ProxyDependencies d = new ProxyDependencies(config, registry, routing, authorizer);
        switch (kind) {
            case SIDECAR -> d.sidecar(proxy);
            case GATEWAY -> d.gateway(proxy);
        }
        return Set.copyOf(d.out);
    }

    private void sidecar(WorkloadRef from) {
        SidecarScope scope = registry.scopeFor(from);
        common(from, scope);
        routing.sidecarVirtualServices(from, scope).forEach(vs -> add(vs.resource().origin()));
        // the gateway Services a sidecar may route to are declared by Gateways (Gateway API deployments)
        for (Resource<io.fabric8.istio.api.api.networking.v1alpha3.Gateway> g : config.gateways()) {
            if (!EgressGatewayIdentity.deployments(java.util.List.of(g)).isEmpty()) {
                add(g.origin());
            }
        }
    }

    private void gateway(WorkloadRef gw) {
        // the gateway looks hosts up both in its own scope and, resolving upstreams, in its workload's Sidecar scope
        common(gw, registry.scopeFor(gw));
        registry.gatewayScope(gw).candidateEntries().forEach(this::service);
        Map<ResourceKey, Origin> gateways = new HashMap<>();
        config.gateways().forEach(g -> gateways.put(g.key(), g.origin()));
        for (GatewayServer s : routing.servers(gw)) {
            add(gateways.getOrDefault(s.gateway(), s.origin()));
            routing.gatewayVirtualServices(gw, s).forEach(vs -> add(vs.resource().origin()));
        }
        Map<ResourceKey, Origin> policies = new HashMap<>();
        config.authorizationPolicies().forEach(p -> policies.put(p.key(), p.origin()));
        for (PolicyView p : authorizer.policyViews()) {
            if (authorizer.whyNotApplied(p.key(), gw).isEmpty()) {
                add(policies.getOrDefault(p.key(), p.originOf("")));
            }
        }
    }

    /** What both kinds read: the mesh settings, the Sidecar and services of a scope, DestinationRules, endpoints. */
    private void common(WorkloadRef proxy, SidecarScope scope) {
        config.mesh().origins().values().forEach(this::add);
        scope.sidecar().ifPresent(s -> add(s.origin()));
        scope.candidateEntries().forEach(this::service);
        routing.destinationRulesVisibleFrom(proxy.namespace()).forEach(dr -> add(dr.resource().origin()));
    }

    private void service(Resource<ServiceEntry> entry) {
        if (Registry.isEgressGatewayService(entry)) {
            return; // the built-in stand-in for the gateway's Service comes from no resource
        }
        add(entry.origin());
        var selector = entry.spec().getWorkloadSelector();
        if (selector == null) {
            return;
        }
        // a workloadSelector makes the namespace's matching Pods and WorkloadEntries the service's endpoints
        LabelSelector labels = LabelSelector.of(selector.getLabels());
        for (Workload w : config.workloads()) {
            if (w.namespace().equals(entry.namespace()) && labels.matches(w.labels())) {
                add(w.origin());
            }
        }
        for (var we : config.workloadEntries()) {
            Map<String, String> l = we.spec().getLabels() == null ? Map.of() : we.spec().getLabels();
            if (we.namespace().equals(entry.namespace()) && labels.matches(l)) {
                add(we.origin());
            }
        }
    }

    private void add(Origin origin) {
        if (origin != null && !origin.equals(Origin.UNKNOWN)) {
            out.add(origin.source());
        }
    }
}
