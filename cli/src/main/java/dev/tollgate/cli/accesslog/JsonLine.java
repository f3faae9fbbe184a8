package dev.tollgate.cli.accesslog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

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

    private static LineResult tollgate(String where, JsonNode node) {
        return new TollgateFields(String.valueOf(text(node, "protocol")), text(node, "request"),
                text(node, "source_principal"), text(node, "destination_host"),
                node.path("destination_port").asInt(0), text(node, "sni"), node.path("response_code").asInt(0),
                text(node, "original_destination")).toResult(where, LogFormat.TOLLGATE_JSON);
    }

    private static String text(JsonNode node, String key) {
        JsonNode v = node.get(key);
        return v == null || v.isNull() ? null : v.isValueNode() ? v.asText() : v.toString();
    }
}
