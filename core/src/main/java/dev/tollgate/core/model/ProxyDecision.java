package dev.tollgate.core.model;

/**
 * What a running proxy did with one request or connection, as its access log and metrics say it. The text is the
 * log's {@code decision} field and the meters' {@code decision} tag, so it must not change with the constant's
 * name.
 *
 * <p>Beside {@link Verdict}, which is {@code check}'s answer for the whole path: the sidecar logs a refusal as
 * {@code refused} where {@code check} says {@code blocked}, and only a running proxy can fail with {@code error}.
 */
public enum ProxyDecision {
    /** Forwarded, or a tunnel opened. */
    ALLOWED("allowed"),
    /** Refused by the sidecar (registry, exportTo, outbound policy, Host/SNI mismatch) or by the upstream. */
    REFUSED("refused"),
    /** Refused by the egress gateway's authorization. */
    DENIED("denied"),
    /** No gateway server or route for it. */
    NO_ROUTE("no-route"),
    /** Malformed, timed out, or cut short before a decision could be made. */
    ERROR("error");

    private final String text;

    ProxyDecision(String text) {
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
