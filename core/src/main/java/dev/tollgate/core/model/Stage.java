package dev.tollgate.core.model;

/**
 * The step of a proxy's decision a hop or an explanation belongs to. The text is what {@code check}, {@code explain}
 * and {@code -o json} print, so it must not change with the constant's name.
 */
public enum Stage {
    /** The request names another host than the one it asked for (Host/SNI against the CONNECT target). */
    REQUEST("request"),
    /** The sidecar's service registry: ServiceEntries, exportTo, the Sidecar resource, the outbound policy. */
    REGISTRY("registry"),
    /** VirtualServices. */
    ROUTE("route"),
    /** The egress gateway's Gateway servers. */
    SERVER("server"),
    /** AuthorizationPolicies. */
    AUTHZ("authz"),
    /** DestinationRules and the connection to the upstream. */
    UPSTREAM("upstream");

    private final String text;

    Stage(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }

    @Override
    public String toString() {
        return text;
    }
}
