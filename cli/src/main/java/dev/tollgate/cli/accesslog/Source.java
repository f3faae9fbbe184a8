package dev.tollgate.cli.accesslog;

import dev.tollgate.identity.SpiffeId;

import java.util.Optional;

/** A workload that made requests: its namespace and service account, and the trust domain it was named in. */
public record Source(String trustDomain, String namespace, String serviceAccount) {

    /** {@code spiffe://td/ns/N/sa/S} or Tollgate's {@code td/ns/N/sa/S}; empty for anything else (never guessed). */
    public static Optional<Source> ofPrincipal(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Optional<SpiffeId> id = text.startsWith("spiffe://") ? SpiffeId.parse(text) : SpiffeId.parsePrincipal(text);
        return id.map(i -> new Source(i.trustDomain(), i.namespace(), i.serviceAccount()));
    }

    /** {@code --from NAMESPACE/SERVICEACCOUNT}, in {@code trustDomain}. */
    public static Source ofFrom(String from, String trustDomain) {
        int slash = from.indexOf('/');
        if (slash <= 0 || slash == from.length() - 1 || from.indexOf('/', slash + 1) >= 0) {
            throw new IllegalArgumentException("--from " + from
                    + ": expected NAMESPACE/SERVICEACCOUNT, e.g. default/sleep");
        }
        return ofPrincipal(trustDomain + "/ns/" + from.substring(0, slash) + "/sa/" + from.substring(slash + 1))
                .orElseThrow(() -> new IllegalArgumentException("--from " + from
                        + ": not a Kubernetes namespace and service account name"));
    }

    /** As AuthorizationPolicy writes it: {@code td/ns/N/sa/S}. */
    public String principal() {
        return trustDomain + "/ns/" + namespace + "/sa/" + serviceAccount;
    }

    /** As {@code check --from} takes it. */
    @Override
    public String toString() {
        return namespace + "/" + serviceAccount;
    }
}
