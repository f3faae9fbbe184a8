package dev.tollgate.cli.demo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the demo saw, step by step: as text for a reader, or as JSON,
 * {@code {"steps":[{"step","from","url","expected","actual","passed"}]}}, one entry per request.
 * The demo exits 0 only if every request came to what the tutorial says.
 */
public final class DemoReport {

    private final Map<String, Step> steps = new LinkedHashMap<>();
    private final List<CheckResult> results = new ArrayList<>();

    public synchronized void add(Step step, CheckResult result) {
        steps.putIfAbsent(step.id(), step);
        results.add(result);
    }

    public synchronized List<CheckResult> results() {
        return List.copyOf(results);
    }

    public synchronized boolean passed() {
        return !results.isEmpty() && results.stream().allMatch(CheckResult::passed);
    }

    public int exitCode() {
        return passed() ? 0 : 1;
    }

    /** Every step, then the summary. */
    public synchronized String text() {
        StringBuilder b = new StringBuilder();
        for (String id : steps.keySet()) {
            b.append(stepText(id));
        }
        return b.append(summary()).toString();
    }

    /** One step: its title and configuration, then each request with its command and, for refusals, the log line. */
    public synchronized String stepText(String id) {
        Step step = steps.get(id);
        if (step == null) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        b.append('\n').append(id).append("  ").append(step.title()).append('\n');
        b.append("    config: ").append(describeConfig(step)).append('\n');
        for (CheckResult r : results) {
            if (!r.step().equals(id)) {
                continue;
            }
            b.append("  ").append(r.passed() ? "[PASS] " : "[FAIL] ").append(r.check().from().name())
                    .append(" -> ").append(r.check().url())
                    .append(": expected ").append(r.check().expected().label())
                    .append(", got ").append(r.actual().label())
                    .append(" (").append(r.observation().detail()).append(")\n");
            b.append("         $ ").append(r.command()).append('\n');
            r.log().ifPresent(line -> b.append("         ").append(line.strip()).append('\n'));
        }
        return b.toString();
    }

    /** Whether every request came out as the Istio egress tutorial says, and which did not. */
    public synchronized String summary() {
        StringBuilder b = new StringBuilder("\n");
        long failed = results.stream().filter(r -> !r.passed()).count();
        if (results.isEmpty()) {
            b.append("FAIL: no request was made\n");
        } else if (failed == 0) {
            b.append("PASS: all ").append(results.size()).append(" requests came out as the Istio egress tutorial says\n");
        } else {
            b.append("FAIL: ").append(failed).append(" of ").append(results.size()).append(" requests did not come out as the Istio egress tutorial says:\n");
            results.stream().filter(r -> !r.passed()).forEach(r -> b.append("  ").append(r.step()).append(' ')
                    .append(r.check().from().name()).append(" -> ").append(r.check().url()).append(": expected ")
                    .append(r.check().expected().label()).append(", got ").append(r.actual().label()).append('\n'));
        }
        return b.toString();
    }

    public synchronized String json() {
        StringBuilder b = new StringBuilder("{\"steps\":[");
        for (int i = 0; i < results.size(); i++) {
            CheckResult r = results.get(i);
            b.append(i == 0 ? "" : ",").append("\n  {")
                    .append("\"step\":").append(quote(r.step()))
                    .append(",\"from\":").append(quote(r.check().from().name()))
                    .append(",\"url\":").append(quote(r.check().url()))
                    .append(",\"expected\":").append(quote(r.check().expected().label()))
                    .append(",\"actual\":").append(quote(r.actual().label()))
                    .append(",\"passed\":").append(r.passed())
                    .append('}');
        }
        return b.append(results.isEmpty() ? "" : "\n").append("]}\n").toString();
    }

    static String describeConfig(Step step) {
        List<String> parts = new ArrayList<>();
        parts.add("mesh " + (step.mesh().contains("registry-only") ? "REGISTRY_ONLY" : "ALLOW_ANY"));
        for (String ns : Scenario.NAMESPACES) {
            List<String> files = step.config().getOrDefault(ns, List.of());
            if (!files.isEmpty()) {
                parts.add(ns + ": " + String.join(", ", files));
            }
        }
        return String.join("; ", parts);
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
