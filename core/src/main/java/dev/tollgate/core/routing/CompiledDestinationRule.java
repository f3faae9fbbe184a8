package dev.tollgate.core.routing;

import dev.tollgate.core.model.Visibility;
import dev.tollgate.core.model.LabelSelector;
import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.Resource;
import io.fabric8.istio.api.api.networking.v1alpha3.ClientTLSSettings;
import io.fabric8.istio.api.api.networking.v1alpha3.DestinationRule;
import io.fabric8.istio.api.api.networking.v1alpha3.Subset;
import io.fabric8.istio.api.api.networking.v1alpha3.TrafficPolicy;
import io.fabric8.istio.api.api.networking.v1alpha3.TrafficPolicyPortTrafficPolicy;

import java.util.List;
import java.util.Optional;

/** One DestinationRule with its host qualified in its namespace and its exportTo resolved. */
record CompiledDestinationRule(Resource<DestinationRule> resource, int order, String host, Visibility exportTo,
                               LabelSelector workloadSelector) {

    static CompiledDestinationRule compile(Resource<DestinationRule> r, int order, MeshSettings mesh) {
        DestinationRule dr = r.spec();
        LabelSelector selector = LabelSelector.of(dr.getWorkloadSelector() == null ? null
                : dr.getWorkloadSelector().getMatchLabels());
        return new CompiledDestinationRule(r, order, RouteHosts.qualify(dr.getHost() == null ? "" : dr.getHost(),
                r.namespace()), Visibility.ofDestinationRule(dr.getExportTo(), mesh.defaultDestinationRuleExportTo()),
                selector);
    }

    boolean visibleFrom(String namespace) {
        return exportTo.isVisibleFrom(namespace, resource.namespace());
    }

    boolean hasSelector() {
        return dr().getWorkloadSelector() != null;
    }

    DestinationRule dr() {
        return resource.spec();
    }

    Optional<Subset> subset(String name) {
        List<Subset> subsets = dr().getSubsets() == null ? List.of() : dr().getSubsets();
        return subsets.stream().filter(s -> name.equals(s.getName())).findFirst();
    }

    /** The port-level settings of {@code policy} for {@code port}, if any. */
    static Optional<TrafficPolicyPortTrafficPolicy> portSettings(TrafficPolicy policy, int port) {
        if (policy == null || policy.getPortLevelSettings() == null) {
            return Optional.empty();
        }
        return policy.getPortLevelSettings().stream()
                .filter(p -> p.getPort() != null && p.getPort().getNumber() != null && p.getPort().getNumber() == port)
                .findFirst();
    }

    /**
     * Istio's MergeTrafficPolicy for the TLS field: the rule's policy, replaced by its port-level settings for the
     * port ("port level settings will override the destination-level settings ... will not be inherited"); then a
     * subset's tls when it sets one ("policies specified at the subset level will override the corresponding
     * policies specified at the service level"); then the subset's own port-level settings, wholesale again.
     *
     * @return the TLS settings and a description of which level supplied them
     */
    static TlsLevel effectiveTls(TrafficPolicy top, Optional<Subset> subset, int port) {
        TlsLevel eff = new TlsLevel(Optional.empty(), "no tls settings");
        if (top != null) {
            if (top.getTls() != null) {
                eff = new TlsLevel(Optional.of(top.getTls()), "trafficPolicy.tls");
            }
            Optional<TrafficPolicyPortTrafficPolicy> pls = portSettings(top, port);
            if (pls.isPresent()) {
                eff = new TlsLevel(Optional.ofNullable(pls.get().getTls()),
                        "trafficPolicy.portLevelSettings[port " + port + "]"
                                + (pls.get().getTls() == null ? " (no tls: defaults apply)" : ".tls"));
            }
        }
        if (subset.isPresent() && subset.get().getTrafficPolicy() != null) {
            TrafficPolicy sp = subset.get().getTrafficPolicy();
            String name = subset.get().getName();
            if (sp.getTls() != null) {
                eff = new TlsLevel(Optional.of(sp.getTls()), "subsets[" + name + "].trafficPolicy.tls");
            }
            Optional<TrafficPolicyPortTrafficPolicy> pls = portSettings(sp, port);
            if (pls.isPresent()) {
                eff = new TlsLevel(Optional.ofNullable(pls.get().getTls()), "subsets[" + name
                        + "].trafficPolicy.portLevelSettings[port " + port + "]"
                        + (pls.get().getTls() == null ? " (no tls: defaults apply)" : ".tls"));
            }
        }
        return eff;
    }

    record TlsLevel(Optional<ClientTLSSettings> tls, String level) {
    }
}
