package dev.tollgate.cli.demo;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code tollgate demo}: the Istio egress tutorial, end to end, on loopback, with real curl. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {
                "Run the Istio egress tutorial (parts A and B of docs/tutorial.md) for real, in one process, on 127.0.0.1:",
                "an egress gateway, sidecars for default/sleep, otherns/sleep, otherns/sleep-google and",
                "otherns/sleep-yahoo, and local stand-ins for developers.google.com and developer.yahoo.com",
                "(their certificates come from a demo \"public\" CA that the gateway and curl trust).",
                "",
                "Each step rewrites the configuration files the running proxies watch (ServiceEntries,",
                "routing, AuthorizationPolicies, and the mesh's outboundTrafficPolicy in an IstioOperator),",
                "then runs 'curl -I' as each workload through its sidecar, with http_proxy and https_proxy set.",
                "It prints each command, the expected and the actual outcome, and for denials the gateway's",
                "log line. Exit status 0 only if every request came out as the tutorial says.",
                "",
                "The proxies get their certificates from a throw-away mesh CA (--ca-dir): fine for a demo,",
                "never for production, since whoever holds that CA can mint any identity.",
                "",
                "--lab runs the tutorial's closing warning and its cure instead (part C of docs/tutorial.md), in",
                "Linux network namespaces (root, iproute2, nftables, dnsmasq, curl, python3): pods that ignore",
                "their sidecar go straight out; 'tollgate netpol -o nftables' stops that; 'tollgate capture-rules'",
                "and sidecars in capture mode police curl with no proxy settings exactly as part B and 'tollgate",
                "check' say; and ways around the sidecar (other ports, UDP, IPv6 sockets, a process outside",
                "capture, the gateway without mTLS) are captured or dropped. Every address is in 198.18.0.0/24; the",
                "namespaces are removed at the end. Exit status 0 only if every check passed, 2 if the lab cannot",
                "run here."
        })
public final class DemoCommand implements Callable<Integer> {

    /** Starts the demo's proxies; the production wiring is {@code ProxyDemoMesh::start}. */
    @FunctionalInterface
    public interface MeshStarter {
        DemoMesh start(DemoSetup setup) throws Exception;
    }

    enum Client { AUTO, CURL, BUILTIN }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-o", "--output"}, completionCandidates = dev.tollgate.cli.OutputChoices.TextJson.class, paramLabel = "FORMAT", defaultValue = "text",
            description = "text (default) or json: {\"steps\":[{\"step\",\"from\",\"url\",\"expected\",\"actual\",\"passed\"}]}")
    String output = "text";

    @Option(names = "--client", paramLabel = "CLIENT", defaultValue = "auto",
            description = "curl, builtin, or auto (default: curl if it is installed, else the built-in client)")
    String client = "auto";

    @Option(names = "--steps", paramLabel = "ID", split = ",",
            description = "Run only these steps (e.g. A1,A2,B3). Each step writes its whole configuration, so any subset works.")
    List<String> only = new ArrayList<>();

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Where to put the configuration files, CAs and certificates (default: a new temporary folder, removed at the end).")
    Path workDir;

    @Option(names = "--gateway-api", description = "Run part B with the routing written with the Gateway API (a Gateway per host, HTTPRoutes and TLSRoutes, as Istio's egress tasks write them) instead: steps GB1-GB3 and GB5 expect what B1-B3 and B5 do.")
    boolean gatewayApi;

    @Option(names = "--lab", description = "Run the network-namespace lab (the tutorial's warning and its cure) instead.")
    boolean lab;

    @Option(names = "--keep", description = "Keep the work folder at the end, to look at the files or rerun a curl command.")
    boolean keep;

    private final MeshStarter starter;
    private final dev.tollgate.cli.lab.InProcessCli cli;

    /** @param cli runs check and netpol in this process, for the lab */
    public DemoCommand(dev.tollgate.cli.lab.InProcessCli cli) {
        this(ProxyDemoMesh::start, cli);
    }

    DemoCommand(MeshStarter starter) {
        this(starter, args -> {
            throw new IllegalStateException("no in-process command line for the lab");
        });
    }

    private DemoCommand(MeshStarter starter, dev.tollgate.cli.lab.InProcessCli cli) {
        this.starter = starter;
        this.cli = cli;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (lab) {
            return dev.tollgate.cli.lab.Lab.run(out, err, keep, cli);
        }
        String format = output.toLowerCase(Locale.ROOT);
        if (!format.equals("json") && !format.equals("text")) {
            err.println("tollgate demo: -o " + output + ": expected text or json");
            return 2;
        }
        boolean json = format.equals("json");
        List<Step> steps;
        try {
            steps = select(gatewayApi ? Scenario.gatewayApi() : Scenario.tutorial(), only);
        } catch (IllegalArgumentException e) {
            err.println("tollgate demo: " + e.getMessage());
            return 2;
        }
        PrintWriter progress = json ? err : out;
        Path dir = null;
        boolean created = workDir == null;
        List<AutoCloseable> running = new ArrayList<>();
        try {
            dir = created ? Files.createTempDirectory("tollgate-demo") : Files.createDirectories(workDir);
            DemoSetup setup = DemoSetup.prepare(dir, running);
            Probe probe = probe(setup, err);
            if (probe == null) {
                return 2;
            }
            // the first step's files must exist before the proxies start watching them
            setup.config().apply(steps.getFirst());
            progress.println("The Istio egress tutorial (docs/tutorial.md), steps "
                    + String.join(", ", steps.stream().map(Step::id).toList()));
            progress.println("work folder: " + dir + " (configuration, CAs, access logs)"
                    + (created && !keep ? "; removed at the end, --keep keeps it" : ""));
            DemoMesh mesh;
            try {
                mesh = starter.start(setup);
            } catch (Exception e) {
                err.println("tollgate demo: cannot start the proxies: " + e.getMessage());
                return 2;
            }
            running.addFirst(mesh);
            DemoReport report;
            if (json) {
                report = new DemoRunner(setup.config(), mesh, probe, err).run(steps);
                out.print(report.json());
            } else {
                // a reader sees each step as soon as it is done
                report = new DemoRunner(setup.config(), mesh, probe, new PrintWriter(Writer.nullWriter()))
                        .run(steps, (step, sofar) -> {
                            out.print(sofar.stepText(step.id()));
                            out.flush();
                        });
                out.print(report.summary());
            }
            out.flush();
            return report.exitCode();
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            err.println("tollgate demo: " + e.getMessage());
            return 2;
        } finally {
            for (AutoCloseable c : running) {
                try {
                    c.close();
                } catch (Exception e) {
                    err.println("tollgate demo: while stopping: " + e);
                }
            }
            if (dir != null && created && !keep) {
                WorkFolders.deleteTree(dir);
            }
            err.flush();
        }
    }

    private Probe probe(DemoSetup setup, PrintWriter err) {
        Client c;
        try {
            c = Client.valueOf(client.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            err.println("tollgate demo: --client " + client + ": expected curl, builtin or auto");
            return null;
        }
        boolean curl = c != Client.BUILTIN && CurlRunner.available();
        if (c == Client.CURL && !curl) {
            err.println("tollgate demo: --client curl, but curl is not installed (or not on the PATH)");
            return null;
        }
        if (c == Client.AUTO && !curl) {
            err.println("tollgate demo: curl is not installed; using the built-in client, which makes the same requests");
        }
        return curl ? new CurlRunner(setup.publicCaFile()) : new JavaProbe(setup.publicCa());
    }

    static List<Step> select(List<Step> all, List<String> ids) {
        if (ids.isEmpty()) {
            return all;
        }
        List<Step> out = new ArrayList<>();
        for (String id : ids) {
            String want = id.strip().toUpperCase(Locale.ROOT);
            out.add(all.stream().filter(s -> s.id().equals(want)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                    "--steps: no step " + id + "; the steps are " + String.join(",", all.stream().map(Step::id).toList()))));
        }
        return List.copyOf(out);
    }

}
