package dev.tollgate.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The examples of {@code analyze --help} and {@code policies --help} run as printed (from the repository's root,
 * where their {@code examples/tutorial} paths point): each parses, loads and answers.
 */
class AnalyzePoliciesHelpExamplesTest {

    /** Each example command of {@code command --help}, continuation lines joined, split into arguments. */
    static List<List<String>> examples(String command) {
        String help = CliRun.of(command, "--help").out();
        List<List<String>> out = new ArrayList<>();
        StringBuilder current = null;
        for (String line : help.substring(help.indexOf("Examples:")).lines().toList()) {
            String t = line.strip();
            if (current == null && t.startsWith("tollgate " + command + " ")) {
                current = new StringBuilder();
            }
            if (current != null) {
                boolean more = t.endsWith("\\");
                current.append(' ').append(more ? t.substring(0, t.length() - 1) : t);
                if (!more) {
                    List<String> args = new ArrayList<>(List.of(current.toString().strip().split(" +")));
                    args.remove(0); // tollgate
                    // tests run in cli/: the examples' paths are the repository root's
                    args.replaceAll(a -> a.replace("examples/", "../examples/"));
                    out.add(args);
                    current = null;
                }
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"analyze", "policies"})
    void everyExampleRuns(String command) {
        List<List<String>> examples = examples(command);
        assertThat(examples).as("examples of " + command).hasSizeGreaterThanOrEqualTo(3);
        for (List<String> args : examples) {
            CliRun r = CliRun.of(args.toArray(String[]::new));
            // analyze's CI example fails on the tutorial's TG0110 warnings, as it says it would
            boolean failsOnWarnings = args.contains("--failure-threshold");
            assertThat(r.exitCode()).as(String.join(" ", args) + "\n" + r.err()).isEqualTo(failsOnWarnings ? 79 : 0);
            assertThat(r.out()).as(String.join(" ", args)).isNotBlank();
        }
    }
}
