package dev.tollgate.cli.matrix;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code -o csv}: one line per cell (RFC 4180), so a spreadsheet can filter and pivot it. The header names the fields.
 */
public final class MatrixCsv {
    public static final String HEADER = "workload,namespace,serviceAccount,host,port,protocol,outcome,policy,conditions";

    private MatrixCsv() {
    }

    public static void write(PrintWriter out, Matrix m) {
        out.print(HEADER + "\r\n");
        // a million lines: each row's and each column's fields are escaped once, and a row's lines go out in one write
        List<String> columns = new ArrayList<>(m.columns().size());
        for (MatrixColumn col : m.columns()) {
            StringBuilder b = new StringBuilder();
            field(b, col.host()).append(',').append(col.port()).append(',');
            columns.add(field(b, col.protocol()).append(',').toString());
        }
        StringBuilder lines = new StringBuilder(1 << 16);
        char[] chars = new char[0];
        for (int r = 0; r < m.rows().size(); r++) {
            MatrixRow row = m.rows().get(r);
            lines.setLength(0);
            field(lines, row.id()).append(',');
            field(lines, row.workload().namespace()).append(',');
            String prefix = field(lines, row.workload().serviceAccount()).append(',').toString();
            lines.setLength(0);
            for (int c = 0; c < columns.size(); c++) {
                Outcome o = m.outcome(r, c);
                lines.append(prefix).append(columns.get(c)).append(o.text()).append(',');
                field(lines, m.policy(r, c).orElse("")).append(',');
                field(lines, o == Outcome.PARTLY ? MatrixJson.conditions(m.conditions(r, c)) : "");
                lines.append("\r\n");
            }
            if (chars.length < lines.length()) {
                chars = new char[lines.capacity()];
            }
            lines.getChars(0, lines.length(), chars, 0);
            out.write(chars, 0, lines.length());
        }
        out.flush();
    }

    private static StringBuilder field(StringBuilder b, String v) {
        if (v.indexOf(',') < 0 && v.indexOf('"') < 0 && v.indexOf('\n') < 0 && v.indexOf('\r') < 0) {
            return b.append(v);
        }
        return b.append('"').append(v.replace("\"", "\"\"")).append('"');
    }
}
