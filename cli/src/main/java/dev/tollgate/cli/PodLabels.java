package dev.tollgate.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A pod's labels as the Kubernetes downward API writes them into a volume ({@code metadata.labels}): one
 * {@code key="value"} per line, the value quoted and escaped as Go's {@code %q} does (strconv.Quote).
 */
final class PodLabels {
    private PodLabels() {
    }

    static Map<String, String> read(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("--labels-file " + file + ": " + e.getMessage(), e);
        }
    }

    static Map<String, String> parse(String text, String source) {
        Map<String, String> labels = new LinkedHashMap<>();
        int n = 0;
        for (String line : text.split("\n", -1)) {
            n++;
            if (line.isBlank()) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--labels-file " + source + ":" + n + ": expected key=\"value\"");
            }
            labels.put(line.substring(0, eq).trim(), unquote(line.substring(eq + 1).trim(), source, n));
        }
        return labels;
    }

    private static String unquote(String quoted, String source, int line) {
        if (quoted.length() < 2 || quoted.charAt(0) != '"' || quoted.charAt(quoted.length() - 1) != '"') {
            throw new IllegalArgumentException("--labels-file " + source + ":" + line + ": the value must be quoted");
        }
        String body = quoted.substring(1, quoted.length() - 1);
        StringBuilder out = new StringBuilder(body.length());
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (++i == body.length()) {
                throw new IllegalArgumentException("--labels-file " + source + ":" + line + ": a lone backslash");
            }
            char e = body.charAt(i);
            switch (e) {
                case '"', '\\' -> out.append(e);
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                default -> throw new IllegalArgumentException("--labels-file " + source + ":" + line
                        + ": unexpected escape \\" + e + " (label values are plain text)");
            }
        }
        return out.toString();
    }
}
