package dev.tollgate.cli.matrix;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tollgate.cli.mentions.ConfigMentions;
import dev.tollgate.core.snapshot.Hop;

import java.io.IOException;
import java.io.Writer;
import java.util.List;
import java.util.Map;

/**
 * {@code -o json}: the shape in MATRIX-JSON ({@code tollgate.dev/matrix/v1}), which the HTML page reads. Streamed, as a
 * million cells would not fit a tree comfortably. Fields beyond the contract: a column's {@code probeHost} and
 * {@code url}; a cell's {@code probes} (how many requests were asked).
 */
public final class MatrixJson {
    public static final String SCHEMA = "tollgate.dev/matrix/v1";

    private MatrixJson() {
    }

    public static void write(Writer out, Matrix m) throws IOException {
        try (JsonGenerator g = new JsonFactory().createGenerator(out).useDefaultPrettyPrinter()) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.writeStartObject();
            g.writeStringField("schema", SCHEMA);
            g.writeObjectFieldStart("mesh");
            g.writeStringField("outboundTrafficPolicy", m.config().mesh().outboundMode().name());
            g.writeEndObject();
            g.writeArrayFieldStart("rows");
            for (MatrixRow r : m.rows()) {
                g.writeStartObject();
                g.writeStringField("id", r.id());
                g.writeStringField("namespace", r.workload().namespace());
                g.writeStringField("serviceAccount", r.workload().serviceAccount());
                g.writeObjectFieldStart("labels");
                for (Map.Entry<String, String> e : MatrixRows.sortedLabels(r.workload()).entrySet()) {
                    g.writeStringField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
                strings(g, "mentionedBy", r.mentionedBy());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("columns");
            for (MatrixColumn c : m.columns()) {
                g.writeStartObject();
                g.writeStringField("id", c.id());
                g.writeStringField("host", c.host());
                g.writeNumberField("port", c.port());
                g.writeStringField("protocol", c.protocol());
                strings(g, "declaredBy", c.declaredBy());
                g.writeStringField("probeHost", c.probeHost());
                g.writeStringField("url", c.url("/"));
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("cells");
            for (int r = 0; r < m.rows().size(); r++) {
                for (int c = 0; c < m.columns().size(); c++) {
                    cell(g, m, r, c);
                }
            }
            g.writeEndArray();
            g.writeObjectFieldStart("summary");
            Map<Outcome, Integer> s = m.summary();
            g.writeNumberField("allowed", s.get(Outcome.ALLOWED));
            g.writeNumberField("blocked", s.get(Outcome.BLOCKED));
            g.writeNumberField("denied", s.get(Outcome.DENIED));
            g.writeNumberField("noRoute", s.get(Outcome.NO_ROUTE));
            g.writeNumberField("partly", s.get(Outcome.PARTLY));
            g.writeEndObject();
            g.writeEndObject();
        }
        out.write(System.lineSeparator());
        out.flush();
    }

    private static void cell(JsonGenerator g, Matrix m, int r, int c) throws IOException {
        Matrix.Cell cell = m.cell(r, c);
        g.writeStartObject();
        g.writeNumberField("row", r);
        g.writeNumberField("column", c);
        g.writeStringField("outcome", cell.outcome().text());
        g.writeStringField("policy", cell.policy());
        g.writeStringField("reason", reason(cell));
        g.writeArrayFieldStart("hops");
        for (Hop h : cell.base().hops()) {
            g.writeString(hop(h));
        }
        g.writeEndArray();
        if (cell.outcome() == Outcome.PARTLY) {
            g.writeArrayFieldStart("conditions");
            for (Matrix.Condition cond : cell.conditions()) {
                g.writeStartObject();
                g.writeStringField("outcome", cond.outcome().text());
                g.writeStringField("when", cond.when());
                if (cond.policy() != null) {
                    g.writeStringField("policy", cond.policy());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeNumberField("probes", m.spaces().get(c).probes().size());
        g.writeEndObject();
    }

    /** check's reason; for a partly cell, which outcome under which condition, then the plain request's reason. */
    public static String reason(Matrix.Cell cell) {
        if (cell.outcome() != Outcome.PARTLY) {
            return cell.base().reason();
        }
        return "depends on the request: " + conditions(cell.conditions()) + "; for GET /: " + cell.base().reason();
    }

    /** "allowed when method GET; denied (ns/policy) when method other than GET". */
    public static String conditions(List<Matrix.Condition> conditions) {
        StringBuilder b = new StringBuilder();
        for (Matrix.Condition c : conditions) {
            b.append(b.isEmpty() ? "" : "; ").append(c.outcome().text())
                    .append(c.policy() == null ? "" : " by " + c.policy()).append(" when ").append(c.when());
        }
        return b.toString();
    }

    /** A hop on one line: {@code sidecar default/sleep: registry PASS detail (Resource ns/name file:line)}. */
    public static String hop(Hop h) {
        return h.proxy() + ": " + h.stage() + " " + h.outcome() + " " + h.detail()
                + h.resource().map(res -> " (" + res + (h.origin().line() > 0 ? " " + ConfigMentions.where(h.origin())
                : "") + ")").orElse("");
    }

    private static void strings(JsonGenerator g, String field, List<String> values) throws IOException {
        g.writeArrayFieldStart(field);
        for (String v : values) {
            g.writeString(v);
        }
        g.writeEndArray();
    }
}
