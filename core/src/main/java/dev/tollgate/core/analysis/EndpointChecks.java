package dev.tollgate.core.analysis;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.ServiceEndpoint;
import dev.tollgate.core.registry.ServiceEndpoints;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntryResolution;

import java.util.List;

/** TG0112: a ServiceEntry whose {@code workloadSelector} selects nothing, so its cluster has no endpoints. */
final class EndpointChecks {
    static final String SELECTS_NOTHING = "TG0112";

    private EndpointChecks() {
    }

    static void check(ConfigSet config, Findings out) {
        ServiceEndpoints endpoints = ServiceEndpoints.of(config.workloadEntries(), config.workloads());
        for (Resource<ServiceEntry> entry : config.serviceEntries()) {
            ServiceEntryResolution res = entry.spec().getResolution();
            // a NONE entry's cluster is ORIGINAL_DST: it never uses endpoints (Istio's validation warns of the selector)
            if (entry.spec().getWorkloadSelector() == null || res == null || res == ServiceEntryResolution.NONE) {
                continue;
            }
            ServiceEndpoints.Selection s = endpoints.of(entry);
            if (!s.endpoints().isEmpty() || !s.pods().isEmpty()) {
                continue;
            }
            List<String> refused = s.notSelectable().stream().map(ServiceEndpoint::describe).toList();
            out.warn(SELECTS_NOTHING, entry, "spec.workloadSelector", "workloadSelector "
                    + s.selector().orElseThrow() + " selects no WorkloadEntry or workload of namespace "
                    + entry.namespace() + (refused.isEmpty() ? "" : " that a " + res + " entry can use ("
                    + String.join(", ", refused) + " has a host name or unix address: only a DNS entry selects it)")
                    + ": the entry has no endpoints, so requests to " + String.join(", ", entry.spec().getHosts())
                    + " fail (Envoy: 503 no healthy upstream)");
        }
    }
}
