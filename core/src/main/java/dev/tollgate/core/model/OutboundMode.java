package dev.tollgate.core.model;

/** Istio's {@code outboundTrafficPolicy.mode}. */
public enum OutboundMode {
    ALLOW_ANY,
    REGISTRY_ONLY
}
