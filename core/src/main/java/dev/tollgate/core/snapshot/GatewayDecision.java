package dev.tollgate.core.snapshot;

import dev.tollgate.core.model.PolicyRef;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** The egress gateway's answer for one connection (TCP/TLS servers) or request (HTTP servers). */
public sealed interface GatewayDecision {
    List<Hop> trace();

    /**
     * Denied by authorization: HTTP {@code 403 RBAC: access denied}; a tunnel is closed.
     *
     * @param policyId the deciding rule, when one rule decided; empty when none did (e.g. no ALLOW policy matched),
     *                 which the log prints as {@code [none]}
     */
    record Denied(Optional<PolicyRef> policyId, String reason, List<Hop> trace) implements GatewayDecision {
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

    /**
     * Allowed and routed.
     *
     * @param path for HTTP: the path (with its query) that was authorized and routed, i.e. the request's path after
     *             {@code meshConfig.pathNormalization}. The gateway forwards exactly this path, as Envoy forwards the
     *             normalized {@code :path}: forwarding the raw one would let {@code /admin/../public/x} be authorized
     *             as {@code /public/x} and served as whatever the upstream makes of the raw path. Empty for TCP/TLS.
     */
    record Forward(Upstream upstream, String route, List<Hop> trace, Optional<String> path)
            implements GatewayDecision {
        public Forward {
            Objects.requireNonNull(upstream);
            Objects.requireNonNull(route);
            trace = List.copyOf(trace);
            path = path == null ? Optional.empty() : path;
        }

        /** A decision that carries no path (TCP/TLS, or a test's stand-in): the proxy forwards the path as sent. */
        public Forward(Upstream upstream, String route, List<Hop> trace) {
            this(upstream, route, trace, Optional.empty());
        }
    }
}
