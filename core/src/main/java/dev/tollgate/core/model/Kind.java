package dev.tollgate.core.model;

/** The Istio kinds Tollgate compiles. Every API version of a kind is normalised to one spec class. */
public enum Kind {
    SERVICE_ENTRY("ServiceEntry"),
    SIDECAR("Sidecar"),
    GATEWAY("Gateway"),
    VIRTUAL_SERVICE("VirtualService"),
    DESTINATION_RULE("DestinationRule"),
    AUTHORIZATION_POLICY("AuthorizationPolicy");

    private final String kubernetesName;

    Kind(String kubernetesName) {
        this.kubernetesName = kubernetesName;
    }

    /** The {@code kind:} as written in YAML. */
    public String kubernetesName() {
        return kubernetesName;
    }
}
