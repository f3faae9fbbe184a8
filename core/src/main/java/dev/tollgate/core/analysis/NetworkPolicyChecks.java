package dev.tollgate.core.analysis;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.EgressTopology;
import dev.tollgate.core.model.EgressTopology.ApplicationNamespace;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.Workload;
import dev.tollgate.core.routing.Routing;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpec;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * TG0110 and TG0111: whether the files' NetworkPolicies leave the gateway the only way out. A sidecar only holds
 * applications that use it; the network has to say no to the rest.
 */
final class NetworkPolicyChecks {
    static final String NO_EGRESS_POLICY = "TG0110";
    static final String OPEN_EGRESS = "TG0111";

    private NetworkPolicyChecks() {
    }

    static void check(ConfigSet config, EgressTopology topology, Routing routing, Findings out) {
        if (topology.routesThroughGateway()) {
            for (ApplicationNamespace ns : topology.applicationNamespaces()) {
                uncovered(config, ns, routing, out);
            }
        }
        Set<String> infrastructure = new HashSet<>(List.of(EgressTopology.CONTROL_PLANE_NAMESPACE,
                EgressTopology.DNS_NAMESPACE, config.mesh().rootNamespace()));
        topology.gateways().forEach(g -> infrastructure.add(g.namespace()));
        for (Resource<NetworkPolicySpec> p : config.networkPolicies()) {
            if (affectsEgress(p.spec()) && selectsApplicationPods(p, infrastructure, config, routing)) {
                openRules(p, out);
            }
        }
    }

    /**
     * TG0110. With workloads declared in the namespace, each must be selected by an egress policy of its namespace;
     * without, a policy must select every pod, since the pods it would leave out are unknown. A policy of another
     * namespace never counts: a NetworkPolicy only ever selects pods of its own.
     */
    private static void uncovered(ConfigSet config, ApplicationNamespace ns, Routing routing, Findings out) {
        List<Resource<NetworkPolicySpec>> policies = config.networkPolicies().stream()
                .filter(p -> p.namespace().equals(ns.name()) && affectsEgress(p.spec())).toList();
        List<Workload> workloads = config.workloads().stream()
                .filter(w -> w.namespace().equals(ns.name()) && !EgressTopologies.isGateway(w, routing)).toList();
        String advice = " A pod that ignores its sidecar (or has none) reaches the internet directly; "
                + "'tollgate netpol' prints a policy that leaves only DNS, istiod and the egress gateway.";
        if (policies.isEmpty()) {
            out.warn(NO_EGRESS_POLICY, ns.resource(), ns.origin(), ns.resource().isPresent() ? "metadata.namespace"
                    : "", "namespace " + ns.name() + " sends traffic through the egress gateway (" + ns.because()
                    + "), but no NetworkPolicy among the files restricts the egress of its pods." + advice);
            return;
        }
        if (workloads.isEmpty()) {
            if (policies.stream().noneMatch(p -> PodSelectors.selectsAll(p.spec().getPodSelector()))) {
                out.warn(NO_EGRESS_POLICY, ns.resource(), ns.origin(), ns.resource().isPresent()
                        ? "metadata.namespace" : "", "namespace " + ns.name() + " sends traffic through the egress "
                        + "gateway (" + ns.because() + "), but its egress NetworkPolicies (" + names(policies)
                        + ") select only some of its pods (podSelector), and the files declare none of them."
                        + advice);
            }
            return;
        }
        for (Workload w : workloads) {
            if (policies.stream().noneMatch(p -> PodSelectors.matches(p.spec().getPodSelector(), w.labels()))) {
                out.warn(NO_EGRESS_POLICY, Optional.empty(), w.origin(), "", "workload " + w.namespace() + "/"
                        + w.name() + " sends traffic through the egress gateway, but none of the egress "
                        + "NetworkPolicies of namespace " + ns.name() + " (" + names(policies)
                        + ") selects its pods." + advice);
            }
        }
    }

    /**
     * Kubernetes: without {@code policyTypes}, a policy affects egress when it has egress rules; with them, only
     * when they name Egress (and then no rule means no egress at all).
     */
    static boolean affectsEgress(NetworkPolicySpec spec) {
        List<String> types = spec.getPolicyTypes();
        if (types == null || types.isEmpty()) {
            return spec.getEgress() != null && !spec.getEgress().isEmpty();
        }
        return types.contains("Egress");
    }

    /**
     * Pods of the control plane, DNS, the mesh root and the gateways' namespaces are not applications (the gateway
     * and DNS must reach the outside); a policy there counts only when it selects a workload declared there that is
     * none of those. Pods of any other namespace are applications.
     */
    private static boolean selectsApplicationPods(Resource<NetworkPolicySpec> p, Set<String> infrastructure,
                                                  ConfigSet config, Routing routing) {
        if (!infrastructure.contains(p.namespace())) {
            return true;
        }
        return config.workloads().stream().filter(w -> w.namespace().equals(p.namespace()))
                .filter(w -> !EgressTopologies.isGateway(w, routing))
                .filter(w -> !w.labels().entrySet().containsAll(EgressTopology.CONTROL_PLANE_LABELS.entrySet()))
                .anyMatch(w -> PodSelectors.matches(p.spec().getPodSelector(), w.labels()));
    }

    /** TG0111: a rule without {@code to} allows every destination; an ipBlock may cover public addresses. */
    private static void openRules(Resource<NetworkPolicySpec> p, Findings out) {
        List<NetworkPolicyEgressRule> rules = p.spec().getEgress() == null ? List.of() : p.spec().getEgress();
        for (int i = 0; i < rules.size(); i++) {
            NetworkPolicyEgressRule rule = rules.get(i);
            String path = "spec.egress[" + i + "]";
            String ports = ports(rule.getPorts());
            if (rule.getTo() == null || rule.getTo().isEmpty()) {
                out.warn(OPEN_EGRESS, p, path, "this egress rule has no 'to', so it allows every destination"
                        + ports + ", the internet included: its pods can go around the egress gateway. "
                        + "Name the peers (namespaceSelector/podSelector), as 'tollgate netpol' does.");
                continue;
            }
            for (int j = 0; j < rule.getTo().size(); j++) {
                NetworkPolicyPeer peer = rule.getTo().get(j);
                IPBlock block = peer == null ? null : peer.getIpBlock();
                if (block == null || block.getCidr() == null) {
                    continue;
                }
                List<String> except = block.getExcept() == null ? List.of() : block.getExcept();
                String at = path + ".to[" + j + "].ipBlock";
                PublicAddresses.firstPublic(block.getCidr(), except).ifPresent(pub -> out.warn(OPEN_EGRESS, p, at,
                        "ipBlock " + block.getCidr() + (except.isEmpty() ? "" : " except " + except)
                                + " covers public addresses (" + pub + " among them)" + ports + ": its pods can go"
                                + " around the egress gateway. Only the gateway's own pods need the outside."));
            }
        }
    }

    private static String ports(List<NetworkPolicyPort> ports) {
        if (ports == null || ports.isEmpty()) {
            return " on every port";
        }
        return " on " + String.join(", ", ports.stream().map(p -> (p.getProtocol() == null ? "TCP" : p.getProtocol())
                + "/" + (p.getPort() == null ? "any" : p.getPort().getIntVal() != null
                ? p.getPort().getIntVal() + (p.getEndPort() == null ? "" : "-" + p.getEndPort())
                : p.getPort().getStrVal())).toList());
    }

    private static String names(List<Resource<NetworkPolicySpec>> policies) {
        return String.join(", ", policies.stream().map(Resource::name).toList());
    }
}
