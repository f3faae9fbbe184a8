package dev.tollgate.config;

import dev.tollgate.core.model.Resource;
import io.fabric8.istio.api.api.networking.v1alpha3.Sidecar;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.List;
import java.util.Set;

/** Istio's ValidateSidecar, on the YAML nodes. */
final class SidecarRules {
    private SidecarRules() {
    }

    static void validate(FieldNode spec, Problems.Scoped p) {
        spec.get("workloadSelector").ifPresent(s -> CommonRules.selectorLabels(s, "labels", p));
        if (spec.list("egress").isEmpty() && spec.list("ingress").isEmpty() && !spec.has("outboundTrafficPolicy")
                && !spec.has("inboundConnectionPool")) {
            p.error("missing-field", spec, "sidecar: empty configuration provided");
            return;
        }
        CommonRules.durations(spec, p);
        Set<Long> ingressPorts = new HashSet<>();
        for (FieldNode ingress : spec.list("ingress")) {
            if (!ingress.has("port")) {
                p.error("missing-field", ingress, "sidecar: port is required for ingress listeners");
                continue;
            }
            FieldNode port = ingress.get("port").orElseThrow();
            port(port, p);
            if (!ingressPorts.add(port.number("number"))) {
                p.error("invalid-field", port, "sidecar: ports on IP bound listeners must be unique");
            }
        }
        List<FieldNode> egress = spec.list("egress");
        Set<Long> egressPorts = new HashSet<>();
        boolean catchAll = false;
        for (int i = 0; i < egress.size(); i++) {
            FieldNode listener = egress.get(i);
            if (!listener.has("port")) {
                if (catchAll) {
                    p.error("invalid-field", listener, "sidecar: egress can have only one listener with empty port");
                    continue;
                }
                if (i == egress.size() - 1) {
                    catchAll = true;
                } else {
                    p.error("invalid-field", listener,
                            "sidecar: the egress listener with empty port should be the last listener in the list");
                }
            } else {
                FieldNode port = listener.get("port").orElseThrow();
                port(port, p);
                String bind = listener.string("bind").orElse("");
                if (port.number("number") == 0 && !bind.startsWith("unix://")) {
                    p.error("invalid-field", port, "sidecar: ports with 0 value must have a unix domain socket bind address");
                }
                if (!bind.isEmpty() && !bind.startsWith("unix://") && !IstioNames.isIpAddress(bind)) {
                    p.error("invalid-field", listener.get("bind").orElseThrow(), bind + " is not a valid IP");
                }
                if (port.number("number") != 0 && !egressPorts.add(port.number("number"))) {
                    p.error("invalid-field", port, "sidecar: ports on IP bound listeners must be unique");
                }
            }
            List<FieldNode> hosts = listener.list("hosts");
            if (hosts.isEmpty()) {
                p.error("missing-field", listener.get("hosts").orElse(listener),
                        "sidecar: egress listener must contain at least one host");
            }
            for (FieldNode host : hosts) {
                IstioNames.namespaceSlashHost(host.text(), false).ifPresent(m -> p.error("invalid-field", host, m));
            }
        }
        spec.get("outboundTrafficPolicy").ifPresent(tp -> {
            String mode = tp.string("mode").orElse("REGISTRY_ONLY");
            if (tp.has("egressProxy") && !mode.equals("ALLOW_ANY")) {
                p.error("invalid-field", tp.get("egressProxy").orElseThrow(),
                        "sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode");
            }
            tp.get("egressProxy").ifPresent(d -> VirtualServiceRules.destination(d, p));
        });
    }

    private static void port(FieldNode port, Problems.Scoped p) {
        port.get("name").filter(n -> !IstioNames.isDnsLabel(n.text())).ifPresent(n ->
                p.error("invalid-field", n, "invalid port name: \"" + n.text() + "\""));
        port.get("protocol").filter(pr -> !IstioNames.isProtocol(pr.text())).ifPresent(pr ->
                p.error("invalid-field", pr, "unsupported protocol: " + pr.text()));
        port.get("targetPort").filter(t -> port.number("targetPort") > 0).ifPresent(t ->
                p.error("invalid-field", t, "targetPort has no impact on Sidecars"));
        if (port.number("number") != 0) {
            IstioNames.port(port.number("number")).ifPresent(m -> p.error("invalid-field", port.get("number").orElseThrow(), m));
        }
    }

    /** Istio's Sidecar docs: only one Sidecar without a workloadSelector per namespace; a second one is undefined. */
    static void namespaceWide(List<Resource<?>> sidecars, Problems problems) {
        Map<String, Resource<?>> byNamespace = new HashMap<>();
        for (Resource<?> r : sidecars) {
            if (((Sidecar) r.spec()).getWorkloadSelector() != null) {
                continue;
            }
            Resource<?> first = byNamespace.putIfAbsent(r.namespace(), r);
            if (first != null) {
                problems.about(Optional.of(r.key())).error("invalid-field", r.origin(), "spec",
                        "namespace " + r.namespace() + " already has a Sidecar without workloadSelector ("
                                + first.name() + " at " + first.origin() + "); Istio's behaviour with two is undefined");
            }
        }
    }
}
