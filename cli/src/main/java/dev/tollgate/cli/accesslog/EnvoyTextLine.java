package dev.tollgate.cli.accesslog;

import java.util.ArrayList;
import java.util.List;

/**
 * Envoy's text access log lines: Envoy's default format and Istio's default TEXT formats (1.9 and later, and 1.3 to
 * 1.8), told apart by their fields' count and quoting. The formats, as Envoy's "Access logging" docs and Istio's
 * {@code EnvoyTextLogFormat} write them:
 * <pre>
 * envoy:      [START] "METHOD PATH PROTOCOL" CODE FLAGS RX TX DURATION UPSTREAM_TIME "XFF" "UA" "ID" "AUTHORITY" "UPSTREAM"
 * istio 1.9+: [START] "METHOD PATH PROTOCOL" CODE FLAGS DETAILS TERMINATION "FAILURE" RX TX DURATION UPSTREAM_TIME
 *             "XFF" "UA" "ID" "AUTHORITY" "UPSTREAM" CLUSTER UPSTREAM_LOCAL DOWNSTREAM_LOCAL DOWNSTREAM_REMOTE SNI ROUTE
 * istio 1.3:  as 1.9 with "MIXER_STATUS" in the place of DETAILS TERMINATION
 * </pre>
 */
final class EnvoyTextLine {
    private EnvoyTextLine() {
    }

    private record Token(String text, char kind) {
    }

    /** Each format's fields as kinds: [ bracketed, " quoted, - bare. */
    private static final String ENVOY = "[\"" + "------" + "\"\"\"\"\"";
    private static final String ISTIO = "[\"" + "----" + "\"" + "----" + "\"\"\"\"\"" + "------";
    private static final String ISTIO_1_3 = "[\"" + "--" + "\"\"" + "----" + "\"\"\"\"\"" + "------";

    static LineResult parse(String where, String line) {
        List<Token> tokens = tokens(line);
        if (tokens == null) {
            return new LineResult.Skipped(where, "unbalanced quotes or brackets: not an Envoy access log line");
        }
        StringBuilder kinds = new StringBuilder();
        tokens.forEach(t -> kinds.append(t.kind()));
        String shape = kinds.toString();
        LogFormat format;
        int code;
        int authority;
        int cluster;
        if (shape.equals(ISTIO)) {
            format = LogFormat.ISTIO_TEXT;
            code = 2;
            authority = 14;
            cluster = 16;
        } else if (shape.equals(ISTIO_1_3)) {
            format = LogFormat.ISTIO_TEXT_1_3;
            code = 2;
            authority = 13;
            cluster = 15;
        } else if (shape.equals(ENVOY)) {
            format = LogFormat.ENVOY_TEXT;
            code = 2;
            authority = 11;
            cluster = -1;
        } else {
            return new LineResult.Skipped(where, "not an access log line of a known format (" + tokens.size()
                    + " fields; Envoy's default has 13, Istio's 22, Istio 1.3's 21)");
        }
        String[] request = tokens.get(1).text().split(" ", -1);
        if (request.length != 3) {
            return new LineResult.Skipped(where, "the request field is not \"METHOD PATH PROTOCOL\"");
        }
        String text = tokens.get(code).text();
        return new EnvoyFields(request[0], request[1], text, tokens.get(authority).text(),
                cluster < 0 ? null : tokens.get(cluster).text(), cluster < 0 ? null : tokens.get(cluster + 2).text(),
                cluster < 0 ? null : tokens.get(cluster + 4).text(), null).toResult(where, format);
    }

    /**
     * Space-separated fields: {@code [..]}, {@code ".."} (Envoy does not escape quotes; a quote ends a field only
     * before a space or the end), or bare words. Null when a bracket or quote is not closed.
     */
    private static List<Token> tokens(String line) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        int n = line.length();
        while (i < n) {
            char c = line.charAt(i);
            if (c == ' ') {
                i++;
                continue;
            }
            if (c == '[') {
                int end = line.indexOf(']', i);
                if (end < 0) {
                    return null;
                }
                out.add(new Token(line.substring(i + 1, end), '['));
                i = end + 1;
            } else if (c == '"') {
                int end = i + 1;
                while (true) {
                    end = line.indexOf('"', end);
                    if (end < 0) {
                        return null;
                    }
                    if (end + 1 == n || line.charAt(end + 1) == ' ') {
                        break;
                    }
                    end++;
                }
                out.add(new Token(line.substring(i + 1, end), '"'));
                i = end + 1;
            } else {
                int end = line.indexOf(' ', i);
                end = end < 0 ? n : end;
                out.add(new Token(line.substring(i, end), '-'));
                i = end;
            }
            if (i < n && line.charAt(i) != ' ') {
                return null;
            }
        }
        return out;
    }
}
