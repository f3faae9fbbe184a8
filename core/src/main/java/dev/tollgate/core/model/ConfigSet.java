package dev.tollgate.core.model;

import io.fabric8.istio.api.api.networking.v1alpha3.DestinationRule;
import io.fabric8.istio.api.api.networking.v1alpha3.Gateway;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry;
import io.fabric8.istio.api.api.networking.v1alpha3.Sidecar;
import io.fabric8.istio.api.api.networking.v1alpha3.VirtualService;
import io.fabric8.istio.api.api.networking.v1alpha3.WorkloadEntry;
import io.fabric8.istio.api.api.security.v1beta1.AuthorizationPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpec;

import java.util.List;

/**
 * One consistent, validated set of configuration: the input of {@code SnapshotCompiler}.
 * Produced by the config module from files or the Kubernetes API; built directly in tests.
 *
 * @param networkPolicies Kubernetes NetworkPolicies among the files: no decision reads them, {@code analyze} judges
 *                        whether they leave the gateway the only way out
 * @param services        Kubernetes Services, which the registry holds beside the ServiceEntries
 * @param workloadEntries WorkloadEntries: the endpoints of ServiceEntries with a {@code workloadSelector}
 */
public record ConfigSet(List<Resource<ServiceEntry>> serviceEntries,
                        List<Resource<Sidecar>> sidecars,
                        List<Resource<Gateway>> gateways,
                        List<Resource<VirtualService>> virtualServices,
                        List<Resource<DestinationRule>> destinationRules,
                        List<Resource<AuthorizationPolicy>> authorizationPolicies,
                        List<Workload> workloads,
                        List<Resource<NetworkPolicySpec>> networkPolicies,
                        MeshSettings mesh,
                        List<KubernetesService> services,
                        List<Resource<WorkloadEntry>> workloadEntries) {

    public static final ConfigSet EMPTY = new ConfigSet(List.of(), List.of(), List.of(), List.of(), List.of(),
            List.of(), List.of(), MeshSettings.DEFAULTS);

    public ConfigSet {
        serviceEntries = List.copyOf(serviceEntries);
        sidecars = List.copyOf(sidecars);
        gateways = List.copyOf(gateways);
        virtualServices = List.copyOf(virtualServices);
        destinationRules = List.copyOf(destinationRules);
        authorizationPolicies = List.copyOf(authorizationPolicies);
        workloads = List.copyOf(workloads);
        networkPolicies = List.copyOf(networkPolicies);
        java.util.Objects.requireNonNull(mesh, "mesh");
        services = List.copyOf(services);
        workloadEntries = List.copyOf(workloadEntries);
    }

    /** A set without WorkloadEntries. */
    public ConfigSet(List<Resource<ServiceEntry>> serviceEntries, List<Resource<Sidecar>> sidecars,
                     List<Resource<Gateway>> gateways, List<Resource<VirtualService>> virtualServices,
                     List<Resource<DestinationRule>> destinationRules,
                     List<Resource<AuthorizationPolicy>> authorizationPolicies, List<Workload> workloads,
                     List<Resource<NetworkPolicySpec>> networkPolicies, MeshSettings mesh,
                     List<KubernetesService> services) {
        this(serviceEntries, sidecars, gateways, virtualServices, destinationRules, authorizationPolicies, workloads,
                networkPolicies, mesh, services, List.of());
    }

    /** A set without Kubernetes Services or WorkloadEntries. */
    public ConfigSet(List<Resource<ServiceEntry>> serviceEntries, List<Resource<Sidecar>> sidecars,
                     List<Resource<Gateway>> gateways, List<Resource<VirtualService>> virtualServices,
                     List<Resource<DestinationRule>> destinationRules,
                     List<Resource<AuthorizationPolicy>> authorizationPolicies, List<Workload> workloads,
                     List<Resource<NetworkPolicySpec>> networkPolicies, MeshSettings mesh) {
        this(serviceEntries, sidecars, gateways, virtualServices, destinationRules, authorizationPolicies, workloads,
                networkPolicies, mesh, List.of());
    }

    /** A set without NetworkPolicies, as every decision sees it. */
    public ConfigSet(List<Resource<ServiceEntry>> serviceEntries, List<Resource<Sidecar>> sidecars,
                     List<Resource<Gateway>> gateways, List<Resource<VirtualService>> virtualServices,
                     List<Resource<DestinationRule>> destinationRules,
                     List<Resource<AuthorizationPolicy>> authorizationPolicies, List<Workload> workloads,
                     MeshSettings mesh) {
        this(serviceEntries, sidecars, gateways, virtualServices, destinationRules, authorizationPolicies, workloads,
                List.of(), mesh);
    }

    public ConfigSet withMesh(MeshSettings newMesh) {
        return new ConfigSet(serviceEntries, sidecars, gateways, virtualServices, destinationRules,
                authorizationPolicies, workloads, networkPolicies, newMesh, services, workloadEntries);
    }

    public ConfigSet withWorkloadEntries(List<Resource<WorkloadEntry>> entries) {
        return new ConfigSet(serviceEntries, sidecars, gateways, virtualServices, destinationRules,
                authorizationPolicies, workloads, networkPolicies, mesh, services, entries);
    }
}
