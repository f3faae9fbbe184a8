package dev.tollgate.proxy;

import dev.tollgate.core.model.PolicyRef;
import dev.tollgate.core.model.ProxyDecision;
import java.time.Instant;
import java.util.Optional;

/**
 * What is known about one request or connection as it goes, written by the handlers on one event loop and turned
 * into an {@link AccessLogEntry} once, when it ends.
 */
final class Exchange {
    final Instant start = Instant.now();
    private final long startNanos = System.nanoTime();
    final String protocol;
    String request;
    String sourcePrincipal;
    String sourceNamespace;
    String sourceAddress = "-";
    String destinationHost = "-";
    int destinationPort;
    String sni;
    String route = "-";
    ProxyDecision decision = ProxyDecision.ERROR;
    /** The deciding rule, in Envoy's form, when one did. */
    PolicyRef policy;
    int responseCode;
    long bytesSent;
    long bytesReceived;
    String upstreamAddress;
    String reason = "";
    /** For a captured connection: where the application connected to ({@code address:port}). */
    String originalDestination;
    /** Part of a tunnel went through splice(2); its counts are exact only to a chunk. */
    boolean spliced;
    /** A {@link Tunnel} relays this exchange's connection and will log it when both sides are closed. */
    boolean relaying;
    private boolean logged;

    Exchange(String protocol) {
        this.protocol = protocol;
    }

    Exchange decide(ProxyDecision decision, String reason) {
        this.decision = decision;
        this.reason = reason;
        return this;
    }

    /** True only the first time: an exchange is logged once however it ends. */
    boolean markLogged() {
        if (logged) {
            return false;
        }
        logged = true;
        return true;
    }

    AccessLogEntry entry(String proxy) {
        return new AccessLogEntry(start, proxy, protocol, Optional.ofNullable(request),
                Optional.ofNullable(sourcePrincipal), Optional.ofNullable(sourceNamespace), sourceAddress,
                destinationHost, destinationPort, Optional.ofNullable(sni), route, decision.text(),
                Optional.ofNullable(policy).map(PolicyRef::toString), responseCode, bytesSent, bytesReceived,
                (System.nanoTime() - startNanos) / 1_000_000, Optional.ofNullable(upstreamAddress), reason,
                Optional.ofNullable(originalDestination));
    }
}
