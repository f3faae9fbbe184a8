package dev.tollgate.cli;

import dev.tollgate.cli.mentions.ConfigMentions;
import dev.tollgate.cli.policytest.CaseResult;
import dev.tollgate.cli.policytest.EgressTestCase;
import dev.tollgate.cli.policytest.EgressTestFiles;
import dev.tollgate.cli.policytest.JunitReport;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.CheckResult;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "test", sortOptions = false, mixinStandardHelpOptions = true,
        headerHeading = "%n", header = "Run egress policy tests (EgressTest files) against a configuration, in one process.",
        description = {
                "Each case is a question 'tollgate check' answers (the same compiled snapshot, the same decision",
                "code as the proxies) and the answer it must get. Test files sit next to the Istio files:",
                "",
                "  apiVersion: tollgate.dev/v1",
                "  kind: EgressTest",
                "  metadata: {name: tutorial-part-b}",
                "  spec:",
                "    mesh: {outboundTrafficPolicy: {mode: REGISTRY_ONLY}}   # optional, like --set",
                "    cases:",
                "    - from: default/sleep                 # NAMESPACE/SERVICEACCOUNT; optional labels: {k: v}",
                "      request: HEAD http://developer.yahoo.com/   # or {method, url, headers: {name: value}}",
                "      expect: denied                      # allowed | blocked | denied | no-route",
                "      policy: istio-system/deny-yahoo     # optional: the policy that must have decided",
                "",
                "Prints one line per failed case with check's reason, then 'N passed, N failed'. A case whose",
                "namespace, workload or host appears nowhere in the configuration gets a warning on stderr: a",
                "typo must not pass silently. Unknown fields in a test file are errors.",
                ""},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:every case passed", "1:a case failed", "2:usage, configuration or test-file error (file:line)"},
        footerHeading = "%nExamples:%n",
        footer = {
                "  # the tutorial's step B3, as tests, with a JUnit report for the CI server",
                "  tollgate test -f istio-system=examples/tutorial/external-google.yaml \\",
                "      -f istio-system=examples/tutorial/external-yahoo.yaml \\",
                "      -f istio-system=examples/tutorial/authz-deny-google.yaml \\",
                "      -f istio-system=examples/tutorial/authz-deny-yahoo.yaml \\",
                "      -f default=examples/tutorial/sleep.yaml -f otherns=examples/tutorial/sleep.yaml \\",
                "      examples/tests/tutorial-b3.yaml --junit egress-tests.xml"})
final class TestCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Parameters(paramLabel = "TESTS", arity = "1..*",
            description = "EgressTest files, or folders of them (their .yaml/.yml files, not subfolders).")
    List<Path> tests = new ArrayList<>();

    @Option(names = "--junit", paramLabel = "FILE", description = "Also write the results as JUnit XML to FILE.")
    Path junit;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<EgressTestCase> cases = EgressTestFiles.read(tests);
        // one load and compile per distinct spec.mesh, not per case
        Map<List<String>, Compiled> compiled = new HashMap<>();
        List<CaseResult> results = new ArrayList<>();
        for (int i = 0; i < cases.size(); ) {
            Compiled cfg = compiled.computeIfAbsent(cases.get(i).mesh(), mesh -> {
                ConfigSet set = ConfigLoading.load(config.withMoreSettings(mesh), err);
                return new Compiled(set, SnapshotCompiler.compile(set), new ConfigMentions(set),
                        RequestOptions.workloadsByServiceAccount(set));
            });
            // the cases up to the next one that needs another load are decided on all cores (the snapshot is
            // immutable, as for the proxies' threads), then reported in order: the same lines, and the same first
            // error, as deciding them one by one
            int end = i;
            while (end < cases.size() && cases.get(end).mesh().equals(cases.get(i).mesh())) {
                end++;
            }
            List<Decided> decided = cases.subList(i, end).parallelStream().map(c -> decide(c, cfg)).toList();
            for (Decided d : decided) {
                d.warning().ifPresent(err::println);
                if (d.error() != null) {
                    throw d.error();
                }
                results.add(d.result());
            }
            i = end;
        }
        long failed = results.stream().filter(r -> !r.passed()).count();
        results.stream().filter(r -> !r.passed()).forEach(r -> out.println(r.failureLine()));
        out.println((results.size() - failed) + " passed, " + failed + " failed");
        out.flush();
        err.flush();
        if (junit != null) {
            JunitReport.write(junit, results);
        }
        return failed == 0 ? 0 : 1;
    }

    private record Compiled(ConfigSet set, MeshSnapshot snapshot, ConfigMentions mentions,
                            Map<String, WorkloadRef> workloads) {
    }

    /** One case's answer, or why it could not be asked, and its typo warning: nothing is printed here. */
    private record Decided(CaseResult result, Optional<String> warning, RuntimeException error) {
    }

    private static Decided decide(EgressTestCase c, Compiled cfg) {
        // the very request check builds from its options
        RequestOptions r;
        try {
            r = RequestOptions.of(c.from(), c.labels(), c.method(), c.url(), c.headers());
        } catch (RuntimeException e) {
            return new Decided(null, Optional.empty(), e);
        }
        Optional<String> warning = Optional.empty();
        try {
            TargetUrl target = r.target();
            var request = r.request(target);
            var workload = r.workload(cfg.workloads());
            warning = cfg.mentions().unknown(c.from(), target.host())
                    .map(why -> c.where() + ": warning: " + c.title() + ": " + why);
            long start = System.nanoTime();
            CheckResult result = cfg.snapshot().check(workload, request);
            long nanos = System.nanoTime() - start;
            return new Decided(new CaseResult(c, result.outcome().text(),
                    result.policy().map(p -> p.namespace() + "/" + p.name()), result.reason(), nanos), warning, null);
        } catch (IllegalArgumentException e) {
            return new Decided(null, warning, new IllegalArgumentException(c.where() + ": " + e.getMessage(), e));
        } catch (RuntimeException e) {
            return new Decided(null, warning, e);   // thrown when its turn comes, as if asked one by one
        }
    }
}
