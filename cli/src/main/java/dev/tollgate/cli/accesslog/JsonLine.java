package dev.tollgate.cli.accesslog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.core.model.net.Authority;

import java.util.Optional;

/**
 * JSON access log lines: Tollgate's ({@code dev.tollgate.proxy.AccessLogEntry}) and Envoy's as Istio writes them with
 * {@code accessLogEncoding: JSON} (the keys of Istio's {@code EnvoyJSONLogFormatIstio}), told apart by their keys.
 */
final class JsonLine {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonLine() {
    }

    static LineResult parse(String where, String line) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            return new LineResult.Skipped(where, "not JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            return new LineResult.Skipped(where, "JSON, but not an object");
        }
        if (node.has("access_log_dropped")) {
            return new LineResult.Skipped(where, "the proxy dropped " + text(node, "access_log_dropped")
                    + " access log entries here (its queue was full): those requests are not in the log");
        }
        if (node.has("proxy") && node.has("destination_host") && node.has("decision")) {
            return tollgate(where, node);
        }
        if (node.has("authority") || node.has("requested_server_name") || node.has("upstream_cluster")) {
            return new EnvoyFields(text(node, "method"), text(node, "path"), text(node, "response_code"),
                    text(node, "authority"), text(node, "upstream_cluster"), text(node, "downstream_local_address"),
                    text(node, "requested_server_name"), text(node, "downstream_peer_uri_san"))
                    .toResult(where, LogFormat.ISTIO_JSON);
        }
        return new LineResult.Skipped(where, "JSON without the fields of Tollgate's or Istio's access log "
                + "(destination_host, or authority / requested_server_name / upstream_cluster)");
    }

    /**
     * {@code protocol} http: {@code request} is {@code METHOD AUTHORITY PATH} ({@code -} for no Host); tunnel: a
     * CONNECT, which the sidecar decides as TLS to its target; tcp: a gateway's TLS or TCP server, TLS when it has an SNI.
     */
    private static LineResult tollgate(String where, JsonNode node) {
        String principal = text(node, "source_principal");
        Optional<Source> source = Source.ofPrincipal(principal);
        Optional<String> unattributed = source.isPresent() ? Optional.empty()
                : Optional.of(principal == null ? "the line names no source principal"
                        : "the source principal " + EnvoyFields.shown(principal) + " is not a SPIFFE ID");
        String protocol = String.valueOf(text(node, "protocol"));
        String host = text(node, "destination_host");
        int port = node.path("destination_port").asInt(0);
        int code = node.path("response_code").asInt(0);
        Optional<String> original = Optional.ofNullable(text(node, "original_destination"))
                .flatMap(o -> Authority.tryParse(o, -1)).map(Authority::host);
        String sni = text(node, "sni");
        try {
            String scheme;
            String method = null;
            String path = "/";
            switch (protocol) {
                case "http" -> {
                    String request = text(node, "request");
                    String[] parts = request == null ? new String[0] : request.split(" ", -1);
                    if (parts.length != 3 || parts[0].isEmpty() || !parts[2].startsWith("/")) {
                        return new LineResult.Skipped(where, "an http line whose request is not \"METHOD AUTHORITY "
                                + "PATH\"" + (request == null ? "" : ": " + EnvoyFields.shown(request)));
                    }
                    scheme = "http";
                    method = parts[0];
                    path = parts[2];
                }
                case "tunnel" -> scheme = "https";
                case "tcp" -> {
                    scheme = EnvoyFields.none(sni) ? "tcp" : "https";
                    host = EnvoyFields.none(sni) ? host : sni;
                }
                default -> {
                    return new LineResult.Skipped(where, "unknown protocol " + EnvoyFields.shown(protocol));
                }
            }
            if (EnvoyFields.none(host) || port < 1 || port > 65535) {
                return new LineResult.Skipped(where, "no destination host and port (the request was refused "
                        + "before one was known)");
            }
            Authority a = Authority.parse(host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port, -1);
            return new LineResult.Observed(new ObservedRequest(where, LogFormat.TOLLGATE_JSON, source, unattributed,
                    scheme, method, a.host(), a.port(), path, code, original));
        } catch (IllegalArgumentException e) {
            return new LineResult.Skipped(where, e.getMessage());
        }
    }

    private static String text(JsonNode node, String key) {
        JsonNode v = node.get(key);
        return v == null || v.isNull() ? null : v.isValueNode() ? v.asText() : v.toString();
    }
}
