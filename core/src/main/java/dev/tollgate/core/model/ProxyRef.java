package dev.tollgate.core.model;

import java.util.Objects;

/**
 * Which proxy a hop, a log line or a meter belongs to. {@link #toString()} is the name people read in
 * {@code check}, the access log and {@code -o json}, e.g. {@code sidecar default/sleep} or
 * {@code gateway istio-system/istio-egressgateway}; code asks {@link #kind()} instead of reading the text.
 *
 * @param workload the workload's {@link WorkloadRef#displayName()}
 */
public record ProxyRef(Kind kind, String workload) {

    /** The two kinds of proxy on an egress path; the text is the first word of the proxy's name. */
    public enum Kind {
        SIDECAR("sidecar"),
        GATEWAY("gateway");

        private final String text;

        Kind(String text) {
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

    public ProxyRef {
        Objects.requireNonNull(kind);
        Objects.requireNonNull(workload);
    }

    public static ProxyRef sidecar(WorkloadRef w) {
        return new ProxyRef(Kind.SIDECAR, w.displayName());
    }

    public static ProxyRef gateway(WorkloadRef w) {
        return new ProxyRef(Kind.GATEWAY, w.displayName());
    }

    @Override
    public String toString() {
        return kind.text() + " " + workload;
    }
}
