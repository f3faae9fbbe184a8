package dev.tollgate.core.model;

/**
 * The kinds Tollgate reads: the Istio kinds it compiles, Kubernetes' Service, which joins the service registry, and
 * Kubernetes' NetworkPolicy, which only {@code analyze} judges. Every API version of a kind is normalised to one spec class.
 */
public enum Kind {
    SERVICE_ENTRY("ServiceEntry"),
    SIDECAR("Sidecar"),
    GATEWAY("Gateway"),
    VIRTUAL_SERVICE("VirtualService"),
    DESTINATION_RULE("DestinationRule"),
    AUTHORIZATION_POLICY("AuthorizationPolicy"),
    /** The endpoints of ServiceEntries whose {@code workloadSelector} selects it (same namespace only). */
    WORKLOAD_ENTRY("WorkloadEntry"),
    /** {@code networking.k8s.io/v1}; never part of a decision, since the network, not a proxy, enforces it. */
    NETWORK_POLICY("NetworkPolicy"),
    /**
     * Kubernetes' {@code v1 Service}: in the service registry as Istio has it, in the form of
     * {@link KubernetesService}.
     */
    SERVICE("Service");

    private final String kubernetesName;

    Kind(String kubernetesName) {
        this.kubernetesName = kubernetesName;
    }

    /** The {@code kind:} as written in YAML. */
    public String kubernetesName() {
        return kubernetesName;
    }
}
