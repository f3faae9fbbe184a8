package dev.tollgate.core.snapshot;

import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/** The sidecar's answer for one outbound connection or request. */
public sealed interface OutboundDecision {
    List<Hop> trace();

    /**
     * Refused by the sidecar (registry, exportTo, outbound policy, Host/SNI mismatch): 502 / tunnel closed. The
     * reason may be worded when first read (see {@link Hop}); equality and {@code toString} are a record's.
     */
    final class Refused implements OutboundDecision {
        private final Supplier<String> reason;
        private final List<Hop> trace;

        public Refused(String reason, List<Hop> trace) {
            this(constant(reason), trace);
        }

        /** {@code reason} is worded on the first read, from facts the decision captured. */
        public Refused(Supplier<String> reason, List<Hop> trace) {
            this.reason = Objects.requireNonNull(reason);
            this.trace = List.copyOf(trace);
        }

        private static Supplier<String> constant(String s) {
            Objects.requireNonNull(s);
            return () -> s;
        }

        public String reason() {
            return reason.get();
        }

        @Override
        public List<Hop> trace() {
            return trace;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Refused r && reason().equals(r.reason()) && trace.equals(r.trace);
        }

        @Override
        public int hashCode() {
            return Objects.hash(reason(), trace);
        }

        @Override
        public String toString() {
            return "Refused[reason=" + reason() + ", trace=" + trace + "]";
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
