package dev.tollgate.cli.demo;

/** What a request came to, in the tutorial's words. */
public enum Outcome {
    /** The request reached the external host (HTTP 200 for {@code curl -I}). */
    OK("ok"),
    /** The sidecar refused it: 502 for HTTP, 502 to the CONNECT for HTTPS (curl exit 56). */
    BLOCKED("blocked"),
    /** The egress gateway's authorization denied it: 403 for HTTP, the tunnel closed after CONNECT 200 (curl exit 35). */
    FORBIDDEN("403"),
    /** Anything else: a timeout, a refused connection, an unexpected status. Never expected by a step. */
    ERROR("error");

    private final String label;

    Outcome(String label) {
        this.label = label;
    }

    /** As the tutorial's tables write it: {@code ok}, {@code blocked}, {@code 403}. */
    public String label() {
        return label;
    }

    public static Outcome ofLabel(String label) {
        for (Outcome o : values()) {
            if (o.label.equals(label)) {
                return o;
            }
        }
        throw new IllegalArgumentException("no outcome '" + label + "'");
    }
}
