package dev.tollgate.core.snapshot;

import java.util.List;
import java.util.Objects;

/** The sidecar's answer for one outbound connection or request. */
public sealed interface OutboundDecision {
    List<Hop> trace();

    /** Refused by the sidecar (registry, exportTo, outbound policy, Host/SNI mismatch): 502 / tunnel closed. */
    record Refused(String reason, List<Hop> trace) implements OutboundDecision {
        public Refused {
            Objects.requireNonNull(reason);
            trace = List.copyOf(trace);
        }
    }

    /**
     * Allowed: connect to {@code upstream}.
     *
     * @param viaGateway true when the route sends the traffic to the egress gateway
     * @param route      a short name of the route taken, for the access log (e.g. {@code VirtualService ns/name http[0]},
     *                   or {@code PassthroughCluster}, or {@code outbound|443||developers.google.com})
     */
    record Forward(Upstream upstream, boolean viaGateway, String route, List<Hop> trace) implements OutboundDecision {
        public Forward {
            Objects.requireNonNull(upstream);
            Objects.requireNonNull(route);
            trace = List.copyOf(trace);
        }
    }
}
