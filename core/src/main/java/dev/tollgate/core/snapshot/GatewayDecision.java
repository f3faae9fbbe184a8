package dev.tollgate.core.snapshot;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** The egress gateway's answer for one connection (TCP/TLS servers) or request (HTTP servers). */
public sealed interface GatewayDecision {
    List<Hop> trace();

    /**
     * Denied by authorization: HTTP {@code 403 RBAC: access denied}; a tunnel is closed.
     *
     * @param policyId {@code ns[<ns>]-policy[<name>]-rule[<i>]} when one rule decided; empty when none did
     *                 (e.g. no ALLOW policy matched), which the log prints as {@code [none]}
     */
    record Denied(Optional<String> policyId, String reason, List<Hop> trace) implements GatewayDecision {
        public Denied {
            policyId = policyId == null ? Optional.empty() : policyId;
            Objects.requireNonNull(reason);
            trace = List.copyOf(trace);
        }
    }

    /** No server or route for this request: HTTP 404 (as Envoy's NR), a tunnel is closed. */
    record NoRoute(String reason, List<Hop> trace) implements GatewayDecision {
        public NoRoute {
            Objects.requireNonNull(reason);
            trace = List.copyOf(trace);
        }
    }

    /** Allowed and routed. */
    record Forward(Upstream upstream, String route, List<Hop> trace) implements GatewayDecision {
        public Forward {
            Objects.requireNonNull(upstream);
            Objects.requireNonNull(route);
            trace = List.copyOf(trace);
        }
    }
}
