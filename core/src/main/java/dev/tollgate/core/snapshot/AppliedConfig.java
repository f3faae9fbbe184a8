package dev.tollgate.core.snapshot;

import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.model.WorkloadRef;

import java.util.List;
import java.util.Objects;

/**
 * {@code tollgate policies}: every resource that applies to one workload's proxy, as that proxy sees the
 * configuration (the view {@code istioctl x authz check} gives of a live Envoy, made from the files).
 *
 * @param gateway   true for a gateway workload (Gateway servers, the VirtualServices bound to them), false for a
 *                  sidecar (its Sidecar, the mesh VirtualServices it imports)
 * @param resources in a fixed order: Sidecar, ServiceEntries, Gateways, VirtualServices, DestinationRules,
 *                  AuthorizationPolicies; each kind in the order the proxy reads them
 */
public record AppliedConfig(WorkloadRef workload, boolean gateway, List<Applied> resources) {
    public AppliedConfig {
        Objects.requireNonNull(workload);
        resources = List.copyOf(resources);
    }

    /**
     * One resource (or one Gateway server) that applies.
     *
     * @param why   how it applies to this workload, e.g. "imports hosts developers.google.com:443/TLS"
     * @param parts the parts that apply, each with its field path, e.g. {@code spec.http[0]} for a route
     */
    public record Applied(ResourceKey resource, Origin origin, String why, List<String> parts) {
        public Applied {
            Objects.requireNonNull(resource);
            Objects.requireNonNull(why);
            origin = origin == null ? Origin.UNKNOWN : origin;
            parts = List.copyOf(parts);
        }
    }
}
