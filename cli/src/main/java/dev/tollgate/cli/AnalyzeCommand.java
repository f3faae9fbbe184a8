package dev.tollgate.cli;

import dev.tollgate.config.LoadResult;
import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "analyze", sortOptions = false, mixinStandardHelpOptions = true,
        headerHeading = "%n", header = "'istioctl analyze' for egress: find configuration that does not do what it seems to.",
        description = {
                "Reports, each with a code, a message and the file and line: AuthorizationPolicies that select no",
                "workload receiving egress traffic; ServiceEntries that let a host out directly, bypassing the",
                "gateway's policies; ALLOW rules that can never match on a TCP gateway port; routes to undefined",
                "subsets or gateways; Gateway servers with no route; DestinationRule SNIs that differ from the host;",
                "a namespace that sends traffic through the egress gateway without an egress NetworkPolicy among the",
                "files (TG0110: its pods can go around the gateway; 'tollgate netpol' prints one); a NetworkPolicy",
                "that lets application pods out directly (TG0111: an egress rule without 'to', or an ipBlock that,",
                "less its 'except', covers public addresses; the gateway's, DNS's and istiod's own policies may).",
                ""},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:no finding at or above --failure-threshold", "2:usage or configuration error",
                "79:findings at or above --failure-threshold (as istioctl analyze)"})
final class AnalyzeCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;
    @Spec
    CommandSpec spec;

    @Option(names = {"-o", "--output"}, paramLabel = "text|json", defaultValue = "text",
            description = "Output format: text (default) or json.")
    String output = "text";

    @Option(names = "--failure-threshold", paramLabel = "ERROR|WARNING|INFO", defaultValue = "WARNING",
            description = "The severity at which the exit status becomes 79 (default: ${DEFAULT-VALUE}).")
    Diagnostic.Severity failureThreshold = Diagnostic.Severity.WARNING;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean json = switch (output.toLowerCase(Locale.ROOT)) {
            case "json" -> true;
            case "text" -> false;
            default -> throw new IllegalArgumentException("-o " + output + ": use text or json");
        };
        LoadResult loaded = ConfigLoading.loadKeepingWarnings(config, err);
        // the loader's warnings (a kind Tollgate does not model, a resource defined twice) are findings too
        List<Diagnostic> findings = new ArrayList<>(loaded.diagnostics().stream()
                .filter(d -> d.severity() == Diagnostic.Severity.WARNING).toList());
        findings.addAll(SnapshotCompiler.compile(loaded.config().orElseThrow()).analyze());
        if (json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Diagnostic d : findings) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("code", d.code());
                m.put("level", d.severity().name());
                m.put("message", d.message());
                m.put("resource", d.resource().map(Object::toString).orElse(null));
                m.put("field", d.fieldPath().isEmpty() ? null : d.fieldPath());
                m.put("origin", d.origin().line() > 0 ? d.origin().toString() : null);
                rows.add(m);
            }
            DecisionReport.printJson(out, rows);
        } else if (findings.isEmpty()) {
            out.println("No validation issues found when analyzing " + describe() + ".");
        } else {
            for (Diagnostic d : findings) {
                String level = d.severity().name().charAt(0) + d.severity().name().substring(1).toLowerCase(Locale.ROOT);
                // a finding about a workload (TG0110) has no Istio resource: its file and line say which one
                String where = d.origin().line() > 0 ? d.origin().toString() : "";
                String what = d.resource().map(Object::toString).orElse(where.isEmpty() ? "mesh" : "");
                out.println(level + " [" + d.code() + "] (" + what + (what.isEmpty() || where.isEmpty() ? "" : " ")
                        + where + ")"
                        + (d.fieldPath().isEmpty() ? "" : " " + d.fieldPath() + ":") + " " + d.message());
            }
        }
        out.flush();
        boolean fail = findings.stream().anyMatch(d -> d.severity().ordinal() <= failureThreshold.ordinal());
        return fail ? 79 : 0;
    }

    private String describe() {
        return config.files.isEmpty() ? "no files" : String.join(", ", config.files);
    }
}
