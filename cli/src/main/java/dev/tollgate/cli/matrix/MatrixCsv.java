package dev.tollgate.cli.matrix;

import java.io.PrintWriter;

/**
 * {@code -o csv}: one line per cell (RFC 4180), so a spreadsheet can filter and pivot it. The header names the fields.
 */
public final class MatrixCsv {
    public static final String HEADER = "workload,namespace,serviceAccount,host,port,protocol,outcome,policy,conditions";

    private MatrixCsv() {
    }

    public static void write(PrintWriter out, Matrix m) {
        out.print(HEADER + "\r\n");
        StringBuilder line = new StringBuilder(256);
        for (int r = 0; r < m.rows().size(); r++) {
            MatrixRow row = m.rows().get(r);
            for (int c = 0; c < m.columns().size(); c++) {
                MatrixColumn col = m.columns().get(c);
                Outcome o = m.outcome(r, c);
                line.setLength(0);
                field(line, row.id()).append(',');
                field(line, row.workload().namespace()).append(',');
                field(line, row.workload().serviceAccount()).append(',');
                field(line, col.host()).append(',').append(col.port()).append(',');
                field(line, col.protocol()).append(',').append(o.text()).append(',');
                field(line, m.policy(r, c).orElse("")).append(',');
                field(line, o == Outcome.PARTLY ? MatrixJson.conditions(m.conditions(r, c)) : "");
                out.print(line.append("\r\n"));
            }
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
