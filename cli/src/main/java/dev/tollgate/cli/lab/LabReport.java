package dev.tollgate.cli.lab;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** The lab's running report: sections, notes and checks as they happen, then PASS or FAIL. */
final class LabReport {
    private final PrintWriter out;
    private final List<LabCheck> checks = new ArrayList<>();

    LabReport(PrintWriter out) {
        this.out = out;
    }

    void section(String title) {
        out.println();
        out.println(title);
        out.flush();
    }

    void note(String text) {
        out.println("  " + text);
        out.flush();
    }

    void check(LabCheck c) {
        checks.add(c);
        out.print(c.text());
        out.flush();
    }

    List<LabCheck> checks() {
        return List.copyOf(checks);
    }

    boolean passed() {
        return !checks.isEmpty() && checks.stream().allMatch(LabCheck::passed);
    }

    /** The last line: PASS only when every check passed (and there was at least one). */
    void finish() {
        long failed = checks.stream().filter(c -> !c.passed()).count();
        out.println();
        out.println(passed() ? "PASS: " + checks.size() + " checks"
                : "FAIL: " + failed + " of " + checks.size() + " checks failed");
        out.flush();
    }
}
