package dev.tollgate.cli;

import dev.tollgate.cli.accesslog.AccessLogFiles;
import dev.tollgate.cli.accesslog.LearnedConfig;
import dev.tollgate.cli.accesslog.Source;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.Callable;

@Command(name = "learn", sortOptions = false, mixinStandardHelpOptions = true,
        headerHeading = "%n", header = "Write the smallest Istio configuration that allows what the access logs show.",
        description = {
                "Reads access logs as 'tollgate replay' does (Tollgate's JSON and text, Istio's JSON and text, Envoy's",
                "text) and writes, for every host the workloads reached:",
                "",
                "  a ServiceEntry     the ports and protocols seen (HTTP, TLS, TCP), resolution DNS, exportTo only",
                "                     the namespaces whose workloads used the host",
                "  with --gateway     the egress gateway's Gateway, DestinationRule and VirtualService, in the shape",
                "                     of the tutorial's external-*.yaml (each port goes out as it came: no TLS",
                "                     origination), and an ALLOW AuthorizationPolicy at the gateway for exactly the",
                "                     principals seen: by Host and method for HTTP, by SNI for TLS",
                "",
                "Apply it with outboundTrafficPolicy REGISTRY_ONLY, and with --gateway an allow-nothing policy at",
                "the gateway (examples/tutorial/authz-allow-nothing.yaml): then 'tollgate replay' of the same logs",
                "reports no refusal, and anything else is refused. A header comment says what it was learned from",
                "and what was left out (lines with no workload, addresses with no host name, plain TCP through the",
                "gateway). Paths are not restricted. Review before applying: whatever the logs show, a compromised",
                "workload's traffic included, becomes allowed.",
                ""},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:written", "2:usage error, a log that cannot be read, or no request in the logs"},
        footerHeading = "%nExamples:%n",
        footer = {
                "  # learn from the demo's sidecar logs, and prove the round trip: no refusal",
                "  tollgate learn --access-log examples/accesslog/demo-a1-sidecars.log | tollgate replay \\",
                "      --access-log examples/accesslog/demo-a1-sidecars.log -f - -f examples/mesh/registry-only.yaml",
                "",
                "  # a sidecar's Istio log, routed through the egress gateway, one file per host",
                "  tollgate learn --access-log examples/accesslog/sleep-istio-text.log --from default/sleep \\",
                "      --gateway -o learned/"})
final class LearnCommand implements Callable<Integer> {
    @Option(names = "--access-log", required = true, paramLabel = "FILE",
            description = "An access log file, or - for standard input (once). Repeatable.")
    List<String> logs = new ArrayList<>();

    @Option(names = "--from", paramLabel = "NAMESPACE/SERVICEACCOUNT",
            description = "The workload for the lines that name none (e.g. a sidecar's Istio text log).")
    String from;

    @Option(names = "--trust-domain", paramLabel = "DOMAIN", defaultValue = "cluster.local",
            description = "The trust domain of --from's principal (default ${DEFAULT-VALUE}); lines keep their own.")
    String trustDomain = "cluster.local";

    @Option(names = "--gateway", description = "Route the hosts through the egress gateway, with ALLOW policies there.")
    boolean gateway;

    @Option(names = {"-o", "--output-dir"}, paramLabel = "DIR",
            description = "Write one file per host (HOST-NAME.yaml) into DIR instead of all to standard output.")
    Path outputDir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Optional<Source> fromSource = from == null ? Optional.empty() : Optional.of(Source.ofFrom(from, trustDomain));
        AccessLogFiles read = AccessLogFiles.read(logs, fromSource);
        if (read.requests().isEmpty()) {
            ReplayCommand.printUnread(err, read);
            throw new IllegalArgumentException("no request with a known workload in the access logs: nothing to learn"
                    + (read.unattributed().isEmpty() ? "" : " (give --from for the lines that name none)"));
        }
        LearnedConfig.Learned learned = LearnedConfig.learn(read.requests(), gateway);
        String header = header(read, learned);
        if (!read.unattributed().isEmpty() || !read.skipped().isEmpty() || !learned.notes().isEmpty()) {
            err.println("learn: some lines were left out; see the header comment");
        }
        if (outputDir == null) {
            out.print(header);
            for (LearnedConfig.HostConfig h : learned.hosts()) {
                out.print("---\n# " + h.host() + "\n" + h.yaml());
            }
            out.flush();
            return 0;
        }
        Files.createDirectories(outputDir);
        for (LearnedConfig.HostConfig h : learned.hosts()) {
            Path file = outputDir.resolve(h.name() + ".yaml");
            try {
                Files.writeString(file, header + "---\n" + h.yaml(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
            }
            out.println(file);
        }
        out.flush();
        return 0;
    }

    private String header(AccessLogFiles read, LearnedConfig.Learned learned) {
        List<String> lines = new ArrayList<>();
        TreeSet<String> workloads = new TreeSet<>();
        read.requests().forEach(r -> workloads.add(r.source().orElseThrow().toString()));
        lines.add("Learned by 'tollgate learn" + (gateway ? " --gateway" : "") + "' from " + read.requests().size()
                + " requests of " + workloads.size() + " workloads (" + String.join(", ", workloads) + ") in "
                + String.join(", ", logs.stream().map(f -> f.equals("-") ? "standard input" : f).toList()) + ".");
        lines.add("It allows those hosts and ports to those namespaces"
                + (gateway ? " and, at the egress gateway, those principals (and HTTP methods)" : "")
                + ", and nothing else,");
        lines.add("with outboundTrafficPolicy REGISTRY_ONLY" + (gateway ? " and an allow-nothing policy at the gateway"
                : "") + ". Paths are not restricted.");
        if (!read.unattributed().isEmpty()) {
            lines.add("Left out, no workload named (give --from): " + AccessLogFiles.where(read.unattributed(), 10));
        }
        if (!read.skipped().isEmpty()) {
            lines.add("Left out, no request: " + AccessLogFiles.where(read.skipped(), 10));
        }
        learned.notes().forEach(n -> lines.add("Left out: " + n));
        StringBuilder b = new StringBuilder();
        // a note quotes log text: keep it on its comment line
        lines.forEach(l -> b.append("# ").append(l.replaceAll("[\\p{Cntrl}]", "?")).append('\n'));
        return b.toString();
    }
}
