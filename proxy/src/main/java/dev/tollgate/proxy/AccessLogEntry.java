package dev.tollgate.proxy;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One access log line: one per HTTP request, or one per tunnel / TCP connection.
 *
 * @param proxy           who logs, e.g. {@code sidecar default/sleep} or {@code gateway istio-system/istio-egressgateway}
 *                        (namespace and app label, else service account)
 * @param protocol        {@code http}, {@code tunnel} (CONNECT) or {@code tcp} (a gateway TLS/TCP server)
 * @param request         for HTTP: {@code METHOD authority path}; empty for tunnels
 * @param sourcePrincipal the peer's principal ({@code td/ns/N/sa/S}): the sidecar's own workload, or the mTLS peer
 * @param route           the route taken, as the snapshot names it; {@code -} when none
 * @param decision        {@code allowed}, {@code refused} (the sidecar), {@code denied} (authorization),
 *                        {@code no-route}, {@code error} (a malformed request, an upstream failure)
 * @param policy          the deciding policy id; printed {@code [none]} when absent
 * @param responseCode    the HTTP status sent, or for tunnels 200 once established and 0 when refused before
 * @param bytesSent       bytes sent to the client (downstream)
 * @param bytesReceived   bytes received from the client
 * @param reason          why, in words; for gateway denials Envoy's
 *                        {@code rbac_access_denied_matched_policy[<id>|none]} * @param originalDestination for a connection the sidecar captured transparently: where the application
 *                        connected to ({@code address:port}, SO_ORIGINAL_DST); empty for the explicit proxy
 */
public record AccessLogEntry(Instant start, String proxy, String protocol, Optional<String> request,
                             Optional<String> sourcePrincipal, Optional<String> sourceNamespace, String sourceAddress,
                             String destinationHost, int destinationPort, Optional<String> sni, String route,
                             String decision, Optional<String> policy, int responseCode, long bytesSent,
                             long bytesReceived, long durationMs, Optional<String> upstreamAddress, String reason,
                             Optional<String> originalDestination) {
    public AccessLogEntry(Instant start, String proxy, String protocol, Optional<String> request,
                          Optional<String> sourcePrincipal, Optional<String> sourceNamespace, String sourceAddress,
                          String destinationHost, int destinationPort, Optional<String> sni, String route,
                          String decision, Optional<String> policy, int responseCode, long bytesSent,
                          long bytesReceived, long durationMs, Optional<String> upstreamAddress, String reason) {
        this(start, proxy, protocol, request, sourcePrincipal, sourceNamespace, sourceAddress, destinationHost,
                destinationPort, sni, route, decision, policy, responseCode, bytesSent, bytesReceived, durationMs,
                upstreamAddress, reason, Optional.empty());
    }

    public AccessLogEntry {
        originalDestination = originalDestination == null ? Optional.empty() : originalDestination;
        Objects.requireNonNull(start);
        Objects.requireNonNull(proxy);
        Objects.requireNonNull(protocol);
        Objects.requireNonNull(sourceAddress);
        Objects.requireNonNull(destinationHost);
        Objects.requireNonNull(route);
        Objects.requireNonNull(decision);
        Objects.requireNonNull(reason);
    }

    /** The policy as Envoy logs it: the id, or {@code [none]}. */
    public String policyOrNone() {
        return policy.orElse("[none]");
    }

    public String json() {
        StringBuilder b = new StringBuilder(400);
        appendJson(b);
        return b.toString();
    }

    /** Appends {@link #json()} to {@code b}, without a string of its own (the access log writer batches lines). */
    public void appendJson(StringBuilder b) {
        b.append('{');
        field(b, "start_time", start.toString());
        field(b, "proxy", proxy);
        field(b, "protocol", protocol);
        request.ifPresent(r -> field(b, "request", r));
        field(b, "source_principal", sourcePrincipal.orElse(null));
        field(b, "source_namespace", sourceNamespace.orElse(null));
        field(b, "source_address", sourceAddress);
        field(b, "destination_host", destinationHost);
        b.append("\"destination_port\":").append(destinationPort).append(',');
        field(b, "sni", sni.orElse(null));
        field(b, "route", route);
        field(b, "decision", decision);
        field(b, "policy", policyOrNone());
        b.append("\"response_code\":").append(responseCode).append(',');
        b.append("\"bytes_sent\":").append(bytesSent).append(',');
        b.append("\"bytes_received\":").append(bytesReceived).append(',');
        b.append("\"duration_ms\":").append(durationMs).append(',');
        field(b, "upstream_address", upstreamAddress.orElse(null));
        field(b, "reason", reason);
        // only on captured connections, so that the explicit proxy's lines stay as they were
        originalDestination.ifPresent(o -> field(b, "original_destination", o));
        b.setLength(b.length() - 1);
        b.append('}');
    }

    /** Envoy-like: {@code [start] "request" code decision bytes_received bytes_sent duration ... reason}. */
    public String text() {
        return "[" + start + "] \"" + request.orElse(protocol.toUpperCase() + " " + destinationHost + ":" + destinationPort)
                + "\" " + responseCode + " " + decision + " " + bytesReceived + " " + bytesSent + " " + durationMs
                + " \"" + destinationHost + ":" + destinationPort + "\" sni=" + sni.orElse("-")
                + " src=" + sourcePrincipal.orElse("-") + "@" + sourceAddress + " route=\"" + route + "\" policy="
                + policyOrNone() + " upstream=" + upstreamAddress.orElse("-") + " reason=\"" + reason + "\" proxy=\""
                + proxy + "\"" + originalDestination.map(o -> " captured=" + o).orElse("");
    }

    private static void field(StringBuilder b, String name, String value) {
        b.append('"').append(name).append("\":");
        if (value == null) {
            b.append("null,");
            return;
        }
        b.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append("\",");
    }
}
