package dev.tollgate.core.model;

/**
 * The whole path's outcome for one request, in {@code check}'s words. The text is what {@code -o json} prints as
 * {@code outcome}, so it must not change with the constant's name.
 */
public enum Verdict {
    /** Forwarded, by the sidecar alone or through the egress gateway. */
    ALLOWED("allowed", true),
    /** Refused by the sidecar: registry, exportTo, outbound policy, Host/SNI mismatch. */
    BLOCKED("blocked", false),
    /** Refused by the egress gateway's authorization. */
    DENIED("denied", false),
    /** No route: a VirtualService owns the host but none of its routes matched, or no gateway server does. */
    NO_ROUTE("no-route", false);

    private final String text;
    private final boolean allowed;

    Verdict(String text, boolean allowed) {
        this.text = text;
        this.allowed = allowed;
    }

    public String text() {
        return text;
    }

    public boolean allowed() {
        return allowed;
    }

    @Override
    public String toString() {
        return text;
    }
}
