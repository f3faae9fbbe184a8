package dev.tollgate.cli;

import dev.tollgate.cli.accesslog.AccessLogFiles;
import dev.tollgate.cli.accesslog.LineResult;
import dev.tollgate.cli.accesslog.ObservedRequest;
import dev.tollgate.cli.accesslog.Source;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.PolicyRef;
import dev.tollgate.core.snapshot.CheckResult;
import dev.tollgate.core.snapshot.MeshSnapshot;
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
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "replay", sortOptions = false, mixinStandardHelpOptions = true,
        headerHeading = "%n", header = "What would a stricter configuration break? Replays access logs against it.",
        description = {
                "Reads real traffic from access logs and asks, for each distinct request, what 'tollgate check'",
                "would answer under the candidate configuration (-f): the same compiled snapshot, the same decision",
                "code as check and the proxies. Prints every request that would be refused, with check's reason, the",
                "deciding policy and how many log lines made it; then a summary.",
                "",
                "Formats, detected line by line (a file may mix them):",
                "  tollgate-json   Tollgate's proxies (sidecar, gateway, 'tollgate demo' writes them to its work folder)",
                "  tollgate-text   Tollgate's proxies with --access-log text",
                "  istio-json      Envoy as Istio configures it with meshConfig.accessLogEncoding: JSON",
                "  istio-text      Istio's default TEXT format (1.9 and later; also 1.3 to 1.8's)",
                "  envoy-text      Envoy's own default format",
                "",
                "The workload that asked comes from the line: Tollgate logs the sidecar's own workload and, at the",
                "gateway, the mTLS peer; an Istio JSON log says it when its format adds downstream_peer_uri_san",
                "(%DOWNSTREAM_PEER_URI_SAN%). Istio's and Envoy's default formats do not: give --from for the",
                "workload whose sidecar wrote the log ('kubectl logs POD -c istio-proxy'). Lines that name no",
                "workload are listed, never guessed; lines that are no request (garbage, a TCP line with no",
                "destination, a line over 64 KiB) are listed with their reason. A request through the egress",
                "gateway is in both its sidecar's log and the gateway's: given both, it counts twice.",
                ""},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:nothing in the logs would be refused",
                "1:some request would be refused, or some lines name no workload (unknown is no pass)",
                "2:usage or configuration error, or a log that cannot be read"},
        footerHeading = "%nExamples:%n",
        footer = {
                "  # the demo's step A1 ran with ALLOW_ANY: what would REGISTRY_ONLY and part A's google ServiceEntry",
                "  # in default break? (the log: 'tollgate demo --steps A1 --keep', its sidecars' logs)",
                "  tollgate replay --access-log examples/accesslog/demo-a1-sidecars.log \\",
                "      -f default=examples/tutorial/serviceentry-google.yaml -f examples/mesh/registry-only.yaml",
                "",
                "  # a sidecar's Istio text log names no workload: say whose it is, and ask for JSON",
                "  tollgate replay --access-log examples/accesslog/sleep-istio-text.log --from default/sleep \\",
                "      -f examples/mesh/registry-only.yaml -o json"})
final class ReplayCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Option(names = "--access-log", required = true, paramLabel = "FILE",
            description = "An access log file, or - for standard input (once). Repeatable.")
    List<String> logs = new ArrayList<>();

    @Option(names = "--from", paramLabel = "NAMESPACE/SERVICEACCOUNT",
            description = {"The workload for the lines that name none (e.g. a sidecar's Istio text log). Lines that",
                    "name their workload keep it."})
    String from;

    @Option(names = {"-o", "--output"}, paramLabel = "text|json", defaultValue = "text",
            description = "Output format: text (default) or json.")
    String output = "text";

    @Spec
    CommandSpec spec;

    /** One distinct request: who asked, and what, as check takes it. */
    private record Key(String from, String method, String url) {
        String text() {
            return from + " " + (method == null ? "" : method + " ") + url;
        }
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean json = switch (output.toLowerCase(Locale.ROOT)) {
            case "json" -> true;
            case "text" -> false;
            default -> throw new IllegalArgumentException("-o " + output + ": use text or json");
        };
        Optional<Source> fromSource = from == null ? Optional.empty()
                : Optional.of(Source.ofFrom(from, "cluster.local"));
        ConfigSet set = ConfigLoading.load(config, err);
        MeshSnapshot snapshot = SnapshotCompiler.compile(set);
        AccessLogFiles logsRead = AccessLogFiles.read(logs, fromSource);

        Map<Key, List<ObservedRequest>> distinct = new LinkedHashMap<>();
        for (ObservedRequest r : logsRead.requests()) {
            distinct.computeIfAbsent(new Key(r.source().orElseThrow().toString(), r.method(), r.url()),
                    k -> new ArrayList<>()).add(r);
        }
        List<Map<String, Object>> refused = new ArrayList<>();
        List<LineResult.Skipped> unasked = new ArrayList<>();
        long refusedLines = 0;
        for (Map.Entry<Key, List<ObservedRequest>> e : distinct.entrySet()) {
            CheckResult result;
            try {
                result = decide(e.getValue().getFirst(), set, snapshot);
            } catch (IllegalArgumentException bad) {
                // a URL check itself would not take (a path java.net.URI refuses): one line, not the whole run
                e.getValue().forEach(r -> unasked.add(new LineResult.Skipped(r.where(), bad.getMessage())));
                continue;
            }
            if (result.allowed()) {
                continue;
            }
            refusedLines += e.getValue().size();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("from", e.getKey().from());
            m.put("method", e.getKey().method());
            m.put("url", e.getKey().url());
            m.put("count", e.getValue().size());
            m.put("outcome", result.outcome().text());
            m.put("reason", result.reason());
            m.put("policy", result.policy().map(PolicyRef::toString).orElse(null));
            m.put("policiesConsidered", result.policiesConsidered().stream().map(PolicyRef::toString).toList());
            m.put("lines", e.getValue().stream().limit(10).map(ObservedRequest::where).toList());
            m.put("text", e.getKey().text());
            refused.add(m);
        }
        List<LineResult.Skipped> skipped = new ArrayList<>(logsRead.skipped());
        skipped.addAll(unasked);
        AccessLogFiles read = new AccessLogFiles(logsRead.requests(), logsRead.unattributed(), skipped);
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            refused.forEach(r -> r.remove("text"));
            m.put("refused", refused);
            m.put("requests", read.requests().size());
            m.put("distinct", distinct.size());
            m.put("refusedRequests", refusedLines);
            m.put("unattributed", lines(read.unattributed()));
            m.put("skipped", lines(read.skipped()));
            DecisionReport.printJson(out, m);
        } else {
            for (Map<String, Object> r : refused) {
                out.println(((String) r.get("outcome")).toUpperCase(Locale.ROOT) + " x" + r.get("count") + ": "
                        + r.get("text"));
                out.println("  reason: " + r.get("reason"));
                // as check words it: the deciding policy, else the ones that were weighed
                @SuppressWarnings("unchecked")
                List<String> considered = (List<String>) r.get("policiesConsidered");
                if (r.get("policy") != null || r.get("outcome").equals("denied")) {
                    out.println("  policy: " + (r.get("policy") == null ? "[none]" : r.get("policy")));
                }
                if (r.get("policy") == null && !considered.isEmpty()) {
                    out.println("  policies considered: " + String.join(", ", considered));
                }
                @SuppressWarnings("unchecked")
                List<String> where = (List<String>) r.get("lines");
                out.println("  lines: " + String.join(", ", where)
                        + ((int) r.get("count") > where.size() ? ", ..." : ""));
            }
            printUnread(out, read);
            out.println(read.requests().size() + " requests (" + distinct.size() + " distinct) replayed: "
                    + refused.size() + " distinct would be refused (" + refusedLines + " requests); "
                    + read.unattributed().size() + " unattributed, " + read.skipped().size() + " skipped lines");
        }
        out.flush();
        // a line that names no workload could be refused or not: unknown is no pass
        return refused.isEmpty() && read.unattributed().isEmpty() ? 0 : 1;
    }

    /** The question check would ask for this request: built by check's own options, decided by check's code. */
    static CheckResult decide(ObservedRequest o, ConfigSet set, MeshSnapshot snapshot) {
        RequestOptions r = new RequestOptions();
        r.from = o.source().orElseThrow().toString();
        r.method = o.method();
        r.url = o.url();
        o.originalDestination().ifPresent(ip -> r.originalDestination = ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip);
        TargetUrl target = r.target();
        return snapshot.check(r.workload(set), r.request(target));
    }

    static void printUnread(PrintWriter out, AccessLogFiles read) {
        if (!read.unattributed().isEmpty()) {
            out.println("UNATTRIBUTED " + read.unattributed().size() + " lines (give --from NAMESPACE/SERVICEACCOUNT "
                    + "for the workload that wrote the log):");
            AccessLogFiles.byReason(read.unattributed()).forEach((why, list) ->
                    out.println("  " + why + ": " + AccessLogFiles.where(list, 10)));
        }
        if (!read.skipped().isEmpty()) {
            out.println("SKIPPED " + read.skipped().size() + " lines that are no request:");
            AccessLogFiles.byReason(read.skipped()).entrySet().stream().limit(20).forEach(e ->
                    out.println("  " + e.getKey() + ": " + AccessLogFiles.where(e.getValue(), 10)));
        }
    }

    private static List<Map<String, String>> lines(List<LineResult.Skipped> list) {
        return list.stream().map(s -> {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("line", s.where());
            m.put("why", s.why());
            return m;
        }).toList();
    }
}
