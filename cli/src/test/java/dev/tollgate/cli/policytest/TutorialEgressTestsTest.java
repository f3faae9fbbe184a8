package dev.tollgate.cli.policytest;

import dev.tollgate.cli.Main;
import dev.tollgate.cli.demo.Check;
import dev.tollgate.cli.demo.Outcome;
import dev.tollgate.cli.demo.Scenario;
import dev.tollgate.cli.demo.Step;
import dev.tollgate.cli.lab.InProcessCli;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Istio egress tutorial's steps as policy tests: examples/tests/tutorial/STEP.yaml holds, for each step of parts
 * A and B, the requests the demo makes and the outcomes the tutorial gives (cli demo/Scenario, the one table both
 * follow), and {@code tollgate test} passes them on the step's configuration. The files are written from the table,
 * so they cannot drift from it: with {@code -Dtollgate.docs.update=true} the test rewrites them, otherwise it fails on
 * any difference.
 */
class TutorialEgressTestsTest {
    private static final Path ROOT = Path.of("..");
    private static final Path DIR = ROOT.resolve("examples/tests/tutorial");
    /** The workloads of every step, so that no case names a workload the configuration does not mention. */
    private static final List<String> WORKLOADS = List.of("default=examples/tutorial/sleep.yaml",
            "otherns=examples/tutorial/sleep.yaml", "otherns=examples/tutorial/sleep-custom.yaml");

    static List<Step> steps() {
        return Scenario.tutorial();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("steps")
    void theStepsTestFileIsTheTutorialsTableAndPasses(Step step) throws IOException {
        Path file = DIR.resolve(step.id() + ".yaml");
        String expected = yaml(step);
        if (Boolean.getBoolean("tollgate.docs.update")) {
            Files.createDirectories(DIR);
            Files.writeString(file, expected);
        }
        assertThat(file).as("regenerate with -Dtollgate.docs.update=true").exists();
        assertThat(Files.readString(file)).as("%s, regenerate with -Dtollgate.docs.update=true", file)
                .isEqualTo(expected);

        List<String> args = new ArrayList<>(List.of("test"));
        for (String f : files(step)) {
            args.add("-f");
            args.add(relocate(f));
        }
        args.add(file.toString());
        InProcessCli.Result r = Main.capture(args.toArray(String[]::new));
        assertThat(r.exit()).as("%s\n%s", r.out(), r.err()).isZero();
        assertThat(r.out()).contains(step.checks().size() + " passed, 0 failed");
        // a step before any ServiceEntry (A1, A2, B0) asks for hosts nothing declares, and the warning says so; every
        // workload a case names is in the configuration
        assertThat(r.err().lines()).as("warnings other than an undeclared host")
                .allMatch(l -> l.contains("appears in no ServiceEntry or VirtualService"));
    }

    /** The -f arguments of the step, as the README would write them from the repository's top folder. */
    private static List<String> files(Step step) {
        List<String> out = new ArrayList<>(WORKLOADS);
        Map<String, List<String>> sorted = new TreeMap<>(step.config());
        sorted.forEach((ns, fs) -> fs.forEach(f -> out.add(ns + "=examples/tutorial/" + f)));
        return out;
    }

    private static String relocate(String arg) {
        int eq = arg.indexOf('=');
        return arg.substring(0, eq + 1) + ROOT.resolve(arg.substring(eq + 1));
    }

    private static String yaml(Step step) {
        StringBuilder b = new StringBuilder();
        b.append("# The Istio egress tutorial's step ").append(step.id()).append(" (docs/tutorial.md): ")
                .append(step.title()).append('\n');
        b.append("# Written from the demo's table of steps (cli demo/Scenario) by TutorialEgressTestsTest. Run it from the\n");
        b.append("# repository's top folder with:\n");
        b.append("#   ./tollgate test");
        for (String f : files(step)) {
            b.append(" \\\n#     -f ").append(f);
        }
        b.append(" \\\n#     examples/tests/tutorial/").append(step.id()).append(".yaml\n");
        b.append("apiVersion: tollgate.dev/v1\nkind: EgressTest\nmetadata:\n  name: tutorial-")
                .append(step.id().toLowerCase(Locale.ROOT)).append('\n');
        b.append("spec:\n  mesh:\n    outboundTrafficPolicy:\n      mode: ")
                .append(step.mesh().contains("allow-any") ? "ALLOW_ANY" : "REGISTRY_ONLY").append("\n  cases:\n");
        for (Check c : step.checks()) {
            b.append("  - from: ").append(c.from().name()).append('\n');
            b.append("    request: HEAD ").append(c.url()).append('\n');
            b.append("    expect: ").append(expect(c.expected())).append('\n');
        }
        return b.toString();
    }

    private static String expect(Outcome o) {
        return switch (o) {
            case OK -> "allowed";
            case BLOCKED -> "blocked";
            case FORBIDDEN -> "denied";
            case ERROR -> throw new IllegalArgumentException("a step never expects an error");
        };
    }
}
