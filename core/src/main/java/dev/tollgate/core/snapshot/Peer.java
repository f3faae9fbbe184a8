package dev.tollgate.core.snapshot;

import java.util.Objects;

/** An authenticated peer, from its mesh certificate: principal {@code td/ns/<ns>/sa/<sa>} and namespace. */
public record Peer(String principal, String namespace) {
    public Peer {
        Objects.requireNonNull(principal);
        Objects.requireNonNull(namespace);
    }
}
