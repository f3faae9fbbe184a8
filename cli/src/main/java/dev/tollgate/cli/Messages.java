package dev.tollgate.cli;

import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.model.Origin;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loader and analyzer messages for {@code analyze}: as lines ({@link Diagnostic#format()}, the one line format) or
 * as the same objects in JSON and YAML, whether the configuration loaded or not, so that a CI parser always gets
 * its format.
 */
final class Messages {
    private Messages() {
    }

    static List<Diagnostic> atLeast(List<Diagnostic> messages, Diagnostic.Severity threshold) {
        return messages.stream().filter(d -> d.atLeast(threshold)).toList();
    }

    static void print(PrintWriter out, OutputFormat format, List<Diagnostic> messages) {
        if (format.structured()) {
            List<Map<String, Object>> rows = new ArrayList<>();
            messages.forEach(d -> rows.add(toMap(d)));
            format.print(out, rows);
        } else {
            messages.forEach(d -> out.println(d.format()));
        }
        out.flush();
    }

    /** The fields of a message; {@code origin} is its file and line (or the file alone), null when unknown. */
    static Map<String, Object> toMap(Diagnostic d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("code", d.code());
        m.put("level", d.level());
        m.put("message", d.message());
        m.put("resource", d.resource().map(Object::toString).orElse(null));
        m.put("field", d.fieldPath().isEmpty() ? null : d.fieldPath());
        m.put("origin", d.origin().equals(Origin.UNKNOWN) ? null : d.origin().toString());
        return m;
    }
}
