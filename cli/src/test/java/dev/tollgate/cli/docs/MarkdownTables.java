package dev.tollgate.cli.docs;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** The pipe tables of a Markdown document, each with the heading it sits under, for tests that read docs as data. */
public final class MarkdownTables {

    /** One table: the nearest heading above it (without the #s), its header cells and its rows' cells. */
    public record Table(String heading, List<String> header, List<List<String>> rows) {

        /** The cells of the row whose first cell is {@code key}, or null. */
        public List<String> row(String key) {
            return rows.stream().filter(r -> r.getFirst().equals(key)).findFirst().orElse(null);
        }
    }

    private static final Pattern SEPARATOR = Pattern.compile("^\\|(\\s*:?-{3,}:?\\s*\\|)+\\s*$");

    private MarkdownTables() {
    }

    public static List<Table> tables(String markdown) {
        List<Table> tables = new ArrayList<>();
        List<String> lines = markdown.lines().toList();
        String heading = "";
        boolean inFence = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith("```") || line.startsWith("~~~")) {
                inFence = !inFence;
            } else if (!inFence && line.startsWith("#")) {
                heading = line.replaceFirst("^#+\\s*", "").strip();
            } else if (!inFence && line.startsWith("|") && i + 1 < lines.size()
                    && SEPARATOR.matcher(lines.get(i + 1)).matches()) {
                List<List<String>> rows = new ArrayList<>();
                int j = i + 2;
                for (; j < lines.size() && lines.get(j).startsWith("|"); j++) {
                    rows.add(cells(lines.get(j)));
                }
                tables.add(new Table(heading, cells(line), List.copyOf(rows)));
                i = j - 1;
            }
        }
        return tables;
    }

    /** The first table under a heading that starts with {@code headingPrefix}. */
    public static Table under(String markdown, String headingPrefix) {
        return tables(markdown).stream().filter(t -> t.heading().startsWith(headingPrefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no table under a heading that starts with " + headingPrefix));
    }

    /** The cells of a row, trimmed; a pipe inside a cell is written {@code \|}. */
    static List<String> cells(String row) {
        String inner = row.strip();
        inner = inner.substring(1, inner.endsWith("|") && !inner.endsWith("\\|") ? inner.length() - 1 : inner.length());
        List<String> cells = new ArrayList<>();
        for (String c : inner.split("(?<!\\\\)\\|", -1)) {
            cells.add(c.strip().replace("\\|", "|"));
        }
        return List.copyOf(cells);
    }
}
