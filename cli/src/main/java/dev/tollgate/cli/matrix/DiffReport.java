package dev.tollgate.cli.matrix;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tollgate.core.snapshot.CheckResult;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Prints a {@link MatrixDiff.Result}: text for people, JSON for machines, a Markdown table for a pull request. */
public final class DiffReport {
    public static final String SCHEMA = "tollgate.dev/diff/v1";

    private DiffReport() {
    }

    /** "denied by istio-system/deny-google", "blocked". */
    static String outcome(CheckResult r) {
        return r.outcome().text() + r.policy().filter(p -> r.outcome() == dev.tollgate.core.model.Verdict.DENIED)
                .map(p -> " by " + p.namespace() + "/" + p.name()).orElse("");
    }

    private static String summary(MatrixDiff.Result d) {
        return d.changes().size() + " decision" + (d.changes().size() == 1 ? "" : "s") + " change, of " + d.asked()
                + " requests asked (" + d.rows() + " workloads x " + d.columns() + " host ports)";
    }

    private static String request(MatrixDiff.Change c) {
        String method = c.method().equals("-") ? "" : " " + (c.method().equals("any") ? "any method" : c.method());
        return c.column().id() + " (" + c.column().protocol() + ")" + method
                + (c.request().isEmpty() ? "" : ", " + c.request());
    }

    public static void text(PrintWriter out, MatrixDiff.Result d) {
        out.println(summary(d) + (d.changes().isEmpty() ? "" : ":"));
        for (MatrixDiff.Change c : d.changes()) {
            out.println();
            out.println(c.row().id() + " -> " + request(c) + ": " + outcome(c.before()) + " -> " + outcome(c.after()));
            c.causes().forEach(cause -> out.println("    " + cause));
        }
        out.flush();
    }

    public static void markdown(PrintWriter out, MatrixDiff.Result d) {
        out.println("**tollgate diff**: " + summary(d));
        if (!d.changes().isEmpty()) {
            out.println();
            out.println("| Workload | Host:port | Method | Request | Before | After | Cause |");
            out.println("|---|---|---|---|---|---|---|");
            for (MatrixDiff.Change c : d.changes()) {
                out.println("| " + cell(c.row().id()) + " | " + cell(c.column().id() + " " + c.column().protocol())
                        + " | " + cell(c.method()) + " | " + cell(c.request()) + " | " + cell(outcome(c.before()))
                        + " | " + cell(outcome(c.after())) + " | " + cell(String.join("; ", c.causes())) + " |");
            }
        }
        out.flush();
    }

    /** A table cell: a pipe would end it, a newline would end the table. */
    private static String cell(String s) {
        return s.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ");
    }

    public static void json(PrintWriter out, MatrixDiff.Result d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", SCHEMA);
        m.put("asked", d.asked());
        m.put("rows", d.rows());
        m.put("columns", d.columns());
        List<Map<String, Object>> changes = new ArrayList<>();
        for (MatrixDiff.Change c : d.changes()) {
            Map<String, Object> cm = new LinkedHashMap<>();
            cm.put("workload", c.row().id());
            cm.put("host", c.column().host());
            cm.put("port", c.column().port());
            cm.put("protocol", c.column().protocol());
            cm.put("method", c.method());
            cm.put("request", c.request());
            cm.put("before", side(c.before()));
            cm.put("after", side(c.after()));
            cm.put("causes", c.causes());
            changes.add(cm);
        }
        m.put("changes", changes);
        try {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        out.flush();
    }

    private static Map<String, Object> side(CheckResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("outcome", r.outcome().text());
        m.put("policy", r.policy().map(p -> p.namespace() + "/" + p.name()).orElse(null));
        m.put("reason", r.reason());
        m.put("hops", r.hops().stream().map(MatrixJson::hop).toList());
        return m;
    }
}
