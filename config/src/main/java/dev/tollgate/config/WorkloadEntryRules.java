package dev.tollgate.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Istio's {@code validateWorkloadEntry} (pkg/config/validation/validation.go), on the YAML nodes: for a WorkloadEntry
 * resource ({@code ValidateWorkloadEntry}: no service ports to check against, a DNS name allowed as address) and for
 * each of a ServiceEntry's {@code endpoints}.
 */
final class WorkloadEntryRules {
    private WorkloadEntryRules() {
    }

    /** A WorkloadEntry resource's spec. */
    static void validate(FieldNode spec, Problems.Scoped p) {
        entry(spec, null, true, p);
    }

    static final String HEALTH_CHECKS = "proxy.istio.io/health-checks-enabled";

    /**
     * Why Istio sends a WorkloadEntry no traffic, if it does not: with health checks enabled by the annotation, only a
     * {@code Healthy} condition of {@code True} in its status makes it an endpoint (controller.go: "if
     * features.WorkloadEntryHealthChecks &amp;&amp; !isHealthy(cfg) { return nil }"; status/workloadentry.go: "a
     * WorkloadEntry with the condition Healthy=False or Healthy not set should be treated as unhealthy"). The
     * annotation is read as Go's {@code strconv.ParseBool}; anything else leaves health checks off.
     */
    static Optional<String> unhealthy(FieldNode doc, Map<String, String> annotations) {
        String enabled = annotations.getOrDefault(HEALTH_CHECKS, "");
        if (!Set.of("1", "t", "T", "TRUE", "true", "True").contains(enabled)) {
            return Optional.empty();
        }
        String healthy = "";
        for (FieldNode c : doc.get("status").map(st -> st.list("conditions")).orElse(List.of())) {
            if (c.string("type").orElse("").equals("Healthy")) {
                healthy = c.string("status").orElse("");
                break;
            }
        }
        return healthy.equals("True") ? Optional.empty() : Optional.of(healthy.isEmpty()
                ? "its status has no Healthy condition" : "its status condition Healthy is " + healthy);
    }

    /** Labels by Kubernetes' syntax (Istio's {@code labels.Instance.Validate}). */
    static void labels(java.util.Optional<FieldNode> labels, Problems.Scoped p) {
        for (FieldNode label : labels.map(FieldNode::entries).orElse(List.of())) {
            if (label.key().isEmpty()) {
                p.error("invalid-field", label, "empty label key");
            } else {
                IstioNames.label(label.key(), label.text()).ifPresent(m -> p.error("invalid-field", label, m));
            }
        }
    }

    /**
     * @param servicePorts the ServiceEntry's port names, which the entry's {@code ports} keys must be among; null for
     *                     a WorkloadEntry resource, whose ServiceEntry is not known yet
     * @param allowFqdn    whether the address may be a DNS name rather than an IP (not for a STATIC entry's endpoints)
     */
    static void entry(FieldNode entry, Set<String> servicePorts, boolean allowFqdn, Problems.Scoped p) {
        String address = entry.string("address").orElse("");
        FieldNode at = entry.get("address").orElse(entry);
        boolean unix = false;
        if (address.isEmpty()) {
            if (entry.string("network").orElse("").isEmpty()) {
                p.error("missing-field", at, "endpoint address is required");
            } else {
                p.warning("no-address", at, "address is unset with network \"" + entry.string("network").get()
                        + "\": the endpoint is reached through that network's gateway");
            }
        } else if (address.startsWith("unix://")) {
            unix = true;
            String path = address.substring("unix://".length());
            if (!path.startsWith("@") && (!path.startsWith("/") || path.endsWith("/"))) {
                p.error("invalid-field", at, path + " is not an absolute path to a file");
            }
            entry.get("ports").filter(ports -> !ports.entries().isEmpty()).ifPresent(ports ->
                    p.error("invalid-field", ports, "unix endpoint " + address + " must not include ports"));
        } else if (!IstioNames.isIpAddress(address)) {
            if (!allowFqdn) {
                p.error("invalid-field", at, "endpoint address \"" + address + "\" is not a valid IP address");
            } else if (IstioNames.fqdn(address).isPresent()) {
                p.error("invalid-field", at, "endpoint address \"" + address + "\" is not a valid FQDN or an IP address");
            }
        }
        for (FieldNode port : entry.get("ports").map(FieldNode::entries).orElse(List.of())) {
            if (servicePorts != null && !servicePorts.contains(port.key())) {
                p.error("invalid-field", port, "endpoint port " + port.key() + " is not defined by the service entry");
            }
            if (!IstioNames.isDnsLabel(port.key())) {
                p.error("invalid-field", port, "invalid port name: \"" + port.key() + "\"");
            }
            CommonRules.port(port, p);
        }
        labels(entry.get("labels"), p);
        if (unix && servicePorts != null && servicePorts.size() != 1) {
            p.error("invalid-field", at, "exactly 1 service port required for unix endpoints");
        }
    }
}
