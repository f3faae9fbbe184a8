package dev.tollgate.cli.matrix;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code -o text}: an aligned table, workloads down and host:ports across, then the notes the cells point at (a
 * denial's policy, a partly cell's conditions), a legend and a summary.
 */
public final class MatrixText {
    private MatrixText() {
    }

    public static void write(PrintWriter out, Matrix m) {
        Map<String, Integer> notes = new LinkedHashMap<>();
        int rows = m.rows().size();
        int cols = m.columns().size();
        String[][] cells = new String[rows][cols];
        int[] width = new int[cols];
        for (int c = 0; c < cols; c++) {
            width[c] = m.columns().get(c).id().length();
        }
        int first = "WORKLOAD".length();
        for (int r = 0; r < rows; r++) {
            first = Math.max(first, m.rows().get(r).id().length());
            for (int c = 0; c < cols; c++) {
                Outcome o = m.outcome(r, c);
                String note = switch (o) {
                    case DENIED -> m.policy(r, c).orElse(null);
                    case PARTLY -> MatrixJson.conditions(m.conditions(r, c));
                    default -> null;
                };
                String text = note == null ? o.text()
                        : o.text() + " [" + notes.computeIfAbsent(note, k -> notes.size() + 1) + "]";
                cells[r][c] = text;
                width[c] = Math.max(width[c], text.length());
            }
        }
        StringBuilder line = new StringBuilder();
        pad(line, "WORKLOAD", first);
        for (int c = 0; c < cols; c++) {
            line.append("  ");
            pad(line, m.columns().get(c).id(), c == cols - 1 ? 0 : width[c]);
        }
        out.println(line.toString().stripTrailing());
        for (int r = 0; r < rows; r++) {
            line.setLength(0);
            pad(line, m.rows().get(r).id(), first);
            for (int c = 0; c < cols; c++) {
                line.append("  ");
                pad(line, cells[r][c], c == cols - 1 ? 0 : width[c]);
            }
            out.println(line.toString().stripTrailing());
        }
        if (!notes.isEmpty()) {
            out.println();
            notes.forEach((text, n) -> out.println("[" + n + "] " + text));
        }
        out.println();
        out.println("allowed   the request goes out, directly or through the egress gateway");
        out.println("blocked   refused by the workload's sidecar (registry, exportTo, Sidecar, outbound policy)");
        out.println("denied    refused by the egress gateway's AuthorizationPolicy [note: the policy]");
        out.println("no-route  no route for it (a VirtualService owns the host but no route matches, or no server)");
        out.println("partly    the method, path or headers decide [note: which outcome when]");
        Map<Outcome, Integer> s = m.summary();
        out.println();
        out.println(rows + " workloads x " + cols + " host ports (mesh outboundTrafficPolicy "
                + m.config().mesh().outboundMode() + "): " + s.get(Outcome.ALLOWED) + " allowed, "
                + s.get(Outcome.BLOCKED) + " blocked, " + s.get(Outcome.DENIED) + " denied, "
                + s.get(Outcome.NO_ROUTE) + " no-route, " + s.get(Outcome.PARTLY) + " partly");
        out.flush();
    }

    private static void pad(StringBuilder b, String s, int width) {
        b.append(s);
        if (s.length() < width) {
            char[] spaces = new char[width - s.length()];
            Arrays.fill(spaces, ' ');
            b.append(spaces);
        }
    }
}
