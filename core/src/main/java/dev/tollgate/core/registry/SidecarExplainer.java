package dev.tollgate.core.registry;

import dev.tollgate.core.model.Consideration;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.Visibility;
import dev.tollgate.core.model.WorkloadRef;
import io.fabric8.istio.api.api.networking.v1alpha3.Sidecar;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The Sidecar half of {@link Registry#explain}: one sentence per Sidecar that {@link Registry#scopeFor} weighed for
 * the workload, from its own record ({@link SidecarTrace}), and one for an outbound traffic policy the chosen
 * Sidecar sets.
 */
final class SidecarExplainer {
    private final Registry registry;
    private final WorkloadRef workload;
    private final int port;
    private final SidecarScope scope;
    private final List<Consideration> out;

    SidecarExplainer(Registry registry, WorkloadRef workload, int port, SidecarScope scope, List<Consideration> out) {
        this.registry = registry;
        this.workload = workload;
        this.port = port;
        this.scope = scope;
        this.out = out;
    }

    void explain(SidecarTrace trace) {
        String ns = workload.namespace();
        String root = registry.mesh().rootNamespace();
        for (SidecarTrace.Note n : trace.notes()) {
            Resource<Sidecar> r = n.sidecar();
            var selector = r.spec().getWorkloadSelector();
            switch (n.outcome()) {
                case APPLIES_BY_SELECTOR -> add(r, true, name(r) + " applies to this workload: its workloadSelector "
                        + labels(selector.getLabels()) + " matches the workload's labels " + labels(workload.labels())
                        + listenerSummary(), r.originOf("spec.workloadSelector"));
                case APPLIES_NAMESPACE_WIDE -> add(r, true, name(r) + " applies: it has no workloadSelector, so it"
                        + " covers every workload of namespace " + ns + " that no Sidecar with a matching"
                        + " workloadSelector claims" + listenerSummary(), r.originOf("spec"));
                case SELECTOR_DOES_NOT_MATCH -> add(r, false, name(r) + " does not apply: its workloadSelector "
                        + labels(selector.getLabels()) + " does not match the workload's labels "
                        + labels(workload.labels()), r.originOf("spec.workloadSelector"));
                case EARLIER_SELECTOR_APPLIES -> add(r, false, name(r) + " also selects this workload, but "
                        + chosenName() + " comes first (Istio leaves the choice between several matching Sidecars"
                        + " undefined; it uses the oldest, and with no creation timestamps Tollgate uses the first by"
                        + " name): give the workloads disjoint workloadSelectors", r.originOf("spec.workloadSelector"));
                case SELECTOR_TAKES_PRECEDENCE -> add(r, false, name(r) + " does not apply to this workload: "
                        + chosenName() + " has a workloadSelector that matches it, and a selecting Sidecar takes"
                        + " precedence over the namespace-wide one", r.origin());
                case DUPLICATE_NAMESPACE_WIDE -> add(r, false, name(r) + " is ignored: namespace " + ns + " has more"
                        + " than one Sidecar without workloadSelector, and Istio uses only the first (" + chosenName()
                        + "); delete the others", r.origin());
                case ROOT_WITH_SELECTOR -> add(r, false, name(r) + " has a workloadSelector, so it applies only to"
                        + " workloads in the root namespace " + root + ", not to " + ns,
                        r.originOf("spec.workloadSelector"));
                case APPLIES_FROM_ROOT -> add(r, true, name(r) + " applies as the mesh-wide default: it has no"
                        + " workloadSelector and sits in the root namespace " + root + " (meshConfig.rootNamespace),"
                        + " and namespace " + ns + " has no Sidecar for this workload; \".\" in its egress hosts means "
                        + ns + listenerSummary(), r.origin());
                case ROOT_OVERRIDDEN -> add(r, false, name(r) + " (the mesh-wide default of the root namespace " + root
                        + ") does not apply: " + chosenName() + " of the workload's own namespace takes precedence",
                        r.origin());
                case DUPLICATE_ROOT -> add(r, false, name(r) + " is ignored: the root namespace " + root + " has more"
                        + " than one Sidecar without workloadSelector, and Istio uses only the first ("
                        + registry.rootSidecar().map(SidecarExplainer::name).orElse("none") + ")", r.origin());
            }
        }
        if (scope.outboundModeFromSidecar()) {
            Resource<Sidecar> r = scope.sidecar().orElseThrow();
            boolean modeSet = r.spec().getOutboundTrafficPolicy().getMode() != null;
            add(r, true, name(r) + (modeSet ? " sets outboundTrafficPolicy.mode " + scope.outboundMode()
                            : " sets outboundTrafficPolicy without a mode, which Istio reads as REGISTRY_ONLY (the"
                            + " field's default)")
                            + ", which replaces the mesh's " + registry.mesh().outboundMode() + " for this workload",
                    r.originOf(modeSet ? "spec.outboundTrafficPolicy.mode" : "spec.outboundTrafficPolicy"));
        }
    }

    private String listenerSummary() {
        EgressListener l = scope.listenerFor(port);
        if (l == null) {
            return "; it has no egress listener for port " + port + " and no catch-all listener, so it imports"
                    + " nothing on that port";
        }
        if (l.index() < 0) {
            return "; it has no egress, so it imports every service exported to " + workload.namespace();
        }
        String summary = "; for port " + port + " its egress[" + l.index() + "] imports " + Visibility.quoted(l.hosts());
        if (!l.illegalHosts().isEmpty()) {
            String them = l.illegalHosts().size() == 1 ? "it" : "them";
            summary += "; " + Visibility.quoted(l.illegalHosts()) + " " + (l.illegalHosts().size() == 1 ? "is" : "are")
                    + " not of the form namespace/dnsName, so Istio ignores " + them + " and imports nothing for "
                    + them;
        }
        return summary;
    }

    private String chosenName() {
        return scope.sidecar().map(SidecarExplainer::name).orElse("no Sidecar");
    }

    static String name(Resource<?> r) {
        return r.key().toString();
    }

    private static String labels(Map<String, String> labels) {
        if (labels == null || labels.isEmpty()) {
            return "{}";
        }
        return new TreeMap<>(labels).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(", ", "{", "}"));
    }

    private void add(Resource<?> r, boolean applied, String why, dev.tollgate.core.model.Origin origin) {
        out.add(new Consideration(RegistryExplainer.STAGE, r.key(), applied, why, origin));
    }
}
