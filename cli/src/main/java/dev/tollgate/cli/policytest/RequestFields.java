package dev.tollgate.cli.policytest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one reader of a request's fields, for both places that take them: an EgressTest case ({@code from},
 * {@code labels}, and {@code request: {method, url, headers}}) and a {@code check --batch} line, which carries the
 * same keys flat ({@code {"from": ..., "url": ..., "method": ..., "headers": {...}}}). The same names, the same
 * checks, the same messages.
 */
public final class RequestFields {
    static final Set<String> REQUEST = Set.of("method", "url", "headers");
    static final Set<String> BATCH_LINE = Set.of("from", "labels", "method", "url", "headers");

    // strict JSON (no comments, no single quotes); the source text stays out of error messages, which quote the line
    private static final JsonFactory JSON = JsonFactory.builder()
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION).build();

    private RequestFields() {
    }

    /**
     * A request as {@code check} takes it.
     *
     * @param from    NAMESPACE/SERVICEACCOUNT, or null when a batch line leaves it to {@code --from}
     * @param method  null for the default (GET)
     * @param headers as {@code -H} takes them: {@code Name: value}
     */
    public record Request(String from, Map<String, String> labels, String method, String url, List<String> headers) {
    }

    /** {@code method}, {@code url} and {@code headers} of a map: a test case's {@code request}, or a batch line. */
    static Request request(String from, Map<String, String> labels, Map<String, YamlNode> r, YamlNode node) {
        String method = r.containsKey("method") ? r.get("method").text("method") : null;
        YamlNode url = r.get("url");
        if (url == null || url.value() == null) {
            throw new TestFileException(node.line(), "missing url");
        }
        List<String> headers = new ArrayList<>();
        if (r.containsKey("headers")) {
            r.get("headers").map("headers").forEach((k, v) -> headers.add(k + ": " + v.text("header " + k)));
        }
        return new Request(from, labels, method, url.text("url"), List.copyOf(headers));
    }

    /** A test case's {@code request: METHOD URL} (or just {@code URL}). */
    static Request request(String from, Map<String, String> labels, String line, YamlNode node) {
        String[] parts = line.trim().split("\\s+");
        if (parts.length > 2 || parts[0].isEmpty()) {
            throw new TestFileException(node.line(), "request: expected 'URL' or 'METHOD URL', found '" + line + "'");
        }
        return new Request(from, labels, parts.length == 2 ? parts[0] : null, parts[parts.length - 1], List.of());
    }

    /** {@code labels: {k: v}}, or none. */
    static Map<String, String> labels(Map<String, YamlNode> c) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (c.containsKey("labels")) {
            c.get("labels").map("labels").forEach((k, v) -> labels.put(k, v.text("labels." + k)));
        }
        return Map.copyOf(labels);
    }

    static void known(Map<String, YamlNode> map, Set<String> keys, String where) {
        for (Map.Entry<String, YamlNode> e : map.entrySet()) {
            if (!keys.contains(e.getKey())) {
                throw new TestFileException(e.getValue().line(), "unknown field " + where + e.getKey() + "; known: "
                        + String.join(", ", keys.stream().sorted().toList()));
            }
        }
    }

    /**
     * One {@code check --batch} line: a JSON object with {@code url}, and optionally {@code from} (null here when
     * absent), {@code labels}, {@code method} and {@code headers}.
     *
     * @throws IllegalArgumentException with the problem, for the caller to prefix with the line number
     */
    public static Request batchLine(String line) {
        try (JsonParser p = JSON.createParser(line)) {
            return batchLine(p);
        } catch (TestFileException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (JsonProcessingException e) {
            // Jackson names its source even when told to leave it out: "[Source: REDACTED (...); line: 1, ...]"
            String why = e.getOriginalMessage().lines().findFirst().orElse("").replaceAll("\\[Source: [^;\\]]*; ", "[");
            throw new IllegalArgumentException("column " + e.getLocation().getColumnNr() + ": not JSON: " + why, e);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static Request batchLine(JsonParser p) throws IOException {
        if (p.nextToken() == null) {
            throw new IllegalArgumentException("expected a JSON object, found nothing");
        }
        YamlNode node = YamlNode.read(p);
        if (p.nextToken() != null) {
            throw new IllegalArgumentException("column " + p.currentTokenLocation().getColumnNr()
                    + ": more after the JSON object; one request per line");
        }
        if (!(node.value() instanceof Map<?, ?>)) {
            throw new TestFileException(1, "expected a JSON object {\"from\": ..., \"url\": ...}");
        }
        Map<String, YamlNode> m = node.map("a request");
        known(m, BATCH_LINE, "");
        String from = m.containsKey("from") && m.get("from").value() != null ? m.get("from").text("from") : null;
        return request(from, labels(m), m, node);
    }
}
