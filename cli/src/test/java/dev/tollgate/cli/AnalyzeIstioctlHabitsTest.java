package dev.tollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.tollgate.cli.NetpolAnalyzeTest.TUTORIAL;
import static dev.tollgate.cli.NetpolAnalyzeTest.with;
import static dev.tollgate.cli.netpol.NetpolTutorialTest.tutorial;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code analyze} as an istioctl user runs it (istioctl/pkg/analyze/analyze.go): positional files,
 * {@code --failure-threshold} (default Error) and {@code --output-threshold} (default Info), {@code -o json|yaml}
 * also for a configuration that does not load, and istioctl's message line for every message.
 */
class AnalyzeIstioctlHabitsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();

    @TempDir
    Path dir;

    /** The tutorial without a NetworkPolicy, as positional files: two TG0110 warnings. */
    private static final String[] TUTORIAL_POSITIONAL = {"default=" + tutorial("sleep.yaml"),
            "otherns=" + tutorial("sleep.yaml"), "istio-system=" + tutorial("external-google-https.yaml")};

    private static final String TYPO = """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata:
              name: deny-typo
              namespace: istio-system
            spec:
              action: DENY
              rules:
              - from:
                - source:
                    principal: ["cluster.local/ns/default/sa/sleep"]
            """;

    private Path write(String name, String yaml) throws IOException {
        return Files.writeString(dir.resolve(name), yaml);
    }

    private static String se(String name, String host) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s, namespace: istio-system}
                spec:
                  hosts: [%s]
                  ports: [{number: 443, name: tls, protocol: TLS}]
                  resolution: DNS
                """.formatted(name, host);
    }

    @Test
    void positionalFilesAreAnalyzedAsMinusF() {
        CliRun withF = CliRun.of(with(new String[] {"analyze"}, TUTORIAL));
        CliRun positional = CliRun.of(with(new String[] {"analyze"}, TUTORIAL_POSITIONAL));
        assertThat(positional.exitCode()).as(positional.err()).isEqualTo(withF.exitCode());
        assertThat(positional.out()).isEqualTo(withF.out()).contains("namespace default ").contains("namespace otherns ");
        CliRun mixed = CliRun.of("analyze", TUTORIAL_POSITIONAL[0], "-f", TUTORIAL_POSITIONAL[1], TUTORIAL_POSITIONAL[2]);
        assertThat(mixed.out()).isEqualTo(withF.out());
    }

    @Test
    void positionalFilesKeepTheirPlaceAmongMinusFForTheLaterDefinitionWins() throws IOException {
        Path one = write("one.yaml", se("ext", "one.example.com"));
        Path two = write("two.yaml", se("ext", "two.example.com"));
        // the later definition replaces the earlier one, as kubectl apply: the warning is at the later file
        assertThat(CliRun.of("analyze", one.toString(), "-f", two.toString()).out())
                .contains("Warning [duplicate-resource] (ServiceEntry istio-system/ext " + two + ":3:12) ")
                .contains("replaces the one at " + one + ":1:1");
        assertThat(CliRun.of("analyze", "-f", two.toString(), one.toString()).out())
                .contains("Warning [duplicate-resource] (ServiceEntry istio-system/ext " + one + ":3:12) ")
                .contains("replaces the one at " + two + ":1:1");
        assertThat(CliRun.of("analyze", two.toString(), "-f", one.toString()).out())
                .contains("(ServiceEntry istio-system/ext " + one + ":3:12) ");
    }

    @Test
    void warningsArePrintedButFailOnlyAtTheirThreshold() {
        CliRun byDefault = CliRun.of(with(new String[] {"analyze"}, TUTORIAL));
        assertThat(byDefault.exitCode()).as("istioctl's default --failure-threshold is Error").isZero();
        assertThat(byDefault.out().lines().filter(l -> l.startsWith("Warning [TG0110] ("))).hasSize(2);

        for (String level : new String[] {"Warning", "warning", "WARNING", "Info", "info"}) {
            CliRun r = CliRun.of(with(new String[] {"analyze", "--failure-threshold", level}, TUTORIAL));
            assertThat(r.exitCode()).as(level).isEqualTo(79);
            assertThat(r.out()).isEqualTo(byDefault.out());
        }
        assertThat(CliRun.of(with(new String[] {"analyze", "--failure-threshold", "Error"}, TUTORIAL)).exitCode())
                .isZero();
    }

    @Test
    void theOutputThresholdFiltersWhatIsPrintedNotTheExitStatus() {
        CliRun quiet = CliRun.of(with(new String[] {"analyze", "--output-threshold", "Error"}, TUTORIAL));
        assertThat(quiet.exitCode()).isZero();
        assertThat(quiet.out()).startsWith("No validation issues found when analyzing ").doesNotContain("TG0110");

        // as istioctl: the exit status counts every message, printed or not
        CliRun failing = CliRun.of(with(new String[] {"analyze", "--output-threshold", "error",
                "--failure-threshold", "warning"}, TUTORIAL));
        assertThat(failing.exitCode()).isEqualTo(79);
        assertThat(failing.out()).doesNotContain("TG0110");

        CliRun warnings = CliRun.of(with(new String[] {"analyze", "--output-threshold", "Warning"}, TUTORIAL));
        assertThat(warnings.out().lines().filter(l -> l.startsWith("Warning [TG0110]"))).hasSize(2);
    }

    @Test
    void anUnknownLevelIsAUsageError() {
        CliRun r = CliRun.of(with(new String[] {"analyze", "--failure-threshold", "Warn"}, TUTORIAL));
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("'Warn' is not a level; use Info, Warning or Error");
        CliRun o = CliRun.of(with(new String[] {"analyze", "-o", "xml"}, TUTORIAL));
        assertThat(o.exitCode()).isEqualTo(2);
        assertThat(o.err()).contains("-o xml: use text, json or yaml");
        assertThat(o.out()).isEmpty();
    }

    @Test
    void yamlIsTheSameStructureAsJson() throws IOException {
        CliRun json = CliRun.of(with(new String[] {"analyze", "-o", "json"}, TUTORIAL));
        CliRun yaml = CliRun.of(with(new String[] {"analyze", "-o", "yaml"}, TUTORIAL));
        assertThat(yaml.exitCode()).isEqualTo(json.exitCode()).isZero();
        JsonNode fromJson = JSON.readTree(json.out());
        assertThat(YAML.readTree(yaml.out())).isEqualTo(fromJson);
        assertThat(fromJson).hasSize(2);
        JsonNode first = fromJson.get(0);
        assertThat(first.get("code").asText()).isEqualTo("TG0110");
        assertThat(first.get("level").asText()).isEqualTo("Warning");
        assertThat(first.get("origin").asText()).isEqualTo(tutorial("sleep.yaml") + ":7:1");
        assertThat(first.get("resource").isNull()).isTrue();
        assertThat(first.get("message").asText()).startsWith("namespace default sends traffic through the egress gateway");
        assertThat(yaml.out()).doesNotStartWith("---").contains("- code: TG0110\n  level: Warning\n");
    }

    @Test
    void noFindingIsAnEmptyListInJsonAndYaml() throws IOException {
        // exported to its own namespace only: no sidecar can send it straight out (no TG0102)
        Path one = write("one.yaml", se("ext", "one.example.com").replace("  resolution: DNS", "  resolution: DNS\n  exportTo: [\".\"]"));
        CliRun json = CliRun.of("analyze", "-o", "json", one.toString());
        assertThat(json.exitCode()).as(json.err()).isZero();
        assertThat(JSON.readTree(json.out()).isArray()).isTrue();
        assertThat(JSON.readTree(json.out())).isEmpty();
        assertThat(YAML.readTree(CliRun.of("analyze", "-o", "yaml", one.toString()).out())).isEmpty();
        assertThat(CliRun.of("analyze", one.toString()).out())
                .isEqualTo("No validation issues found when analyzing " + one + ".\n");
    }

    @Test
    void aConfigurationErrorIsStructuredOutputToo() throws IOException {
        Path typo = write("typo.yaml", TYPO);
        for (String format : new String[] {"json", "yaml"}) {
            CliRun r = CliRun.of("analyze", "-o", format, typo.toString());
            assertThat(r.exitCode()).as(format).isEqualTo(2);
            JsonNode messages = (format.equals("json") ? JSON : YAML).readTree(r.out());
            assertThat(messages).as(format).hasSize(1);
            JsonNode m = messages.get(0);
            assertThat(m.get("level").asText()).isEqualTo("Error");
            assertThat(m.get("code").asText()).isEqualTo("unknown-field");
            assertThat(m.get("resource").asText()).isEqualTo("AuthorizationPolicy istio-system/deny-typo");
            assertThat(m.get("field").asText()).isEqualTo("spec.rules[0].from[0].source.principal");
            assertThat(m.get("origin").asText()).isEqualTo(typo + ":11:9");
            assertThat(m.get("message").asText()).contains("did you mean \"principals\"?");
            // the summary stays on stderr, so stdout parses
            assertThat(r.err()).contains("1 configuration error; nothing was evaluated");
        }
    }

    @Test
    void aYamlSyntaxErrorWithoutAResourceKeepsItsFileAndLine() throws IOException {
        Path bad = write("bad.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: x
                spec:
                  hosts: [a.example.com
                  ports: {}
                """);
        JsonNode m = JSON.readTree(CliRun.of("analyze", "-o", "json", bad.toString()).out()).get(0);
        assertThat(m.get("code").asText()).isEqualTo("yaml-syntax");
        assertThat(m.get("resource").isNull()).isTrue();
        assertThat(m.get("origin").asText()).startsWith(bad + ":");
        CliRun text = CliRun.of("analyze", bad.toString());
        assertThat(text.exitCode()).isEqualTo(2);
        assertThat(text.err()).containsPattern("(?m)^Error \\[yaml-syntax\\] \\(" + java.util.regex.Pattern.quote(bad.toString())
                + ":\\d+:\\d+\\) ");
    }

    @Test
    void theLoadersMessagesAndTheAnalyzersShareIstioctlsLine() throws IOException {
        Path typo = write("typo.yaml", TYPO);
        String line = "Error [unknown-field] (AuthorizationPolicy istio-system/deny-typo " + typo + ":11:9) "
                + "spec.rules[0].from[0].source.principal: unknown field \"principal\" in Source "
                + "(did you mean \"principals\"?)";
        CliRun analyze = CliRun.of("analyze", typo.toString());
        assertThat(analyze.err().lines()).contains(line);
        // check, explain and netpol print the loader's messages with the same formatter
        CliRun check = CliRun.of("check", "-f", typo.toString(), "--from", "default/sleep", "https://a.example.com/");
        assertThat(check.exitCode()).isEqualTo(2);
        assertThat(check.err().lines()).contains(line);
        CliRun explain = CliRun.of("explain", "-f", typo.toString(), "--from", "default/sleep", "https://a.example.com/");
        assertThat(explain.err().lines()).contains(line);

        // a warning of the loader on a configuration that loads: check prints it on stderr, analyze among its messages
        Path one = write("one.yaml", se("ext", "one.example.com"));
        Path two = write("two.yaml", se("ext", "two.example.com"));
        String duplicate = "Warning [duplicate-resource] (ServiceEntry istio-system/ext " + two + ":3:12) metadata.name: "
                + "ServiceEntry istio-system/ext is defined again; this definition replaces the one at " + one
                + ":1:1, as 'kubectl apply' would";
        CliRun checked = CliRun.of("check", "-f", one.toString(), "-f", two.toString(), "--from", "default/sleep",
                "https://two.example.com/");
        assertThat(checked.err().lines()).contains(duplicate);
        CliRun analyzed = CliRun.of("analyze", one.toString(), two.toString());
        assertThat(analyzed.out().lines()).first().isEqualTo(duplicate);
        assertThat(analyzed.out().lines()).element(1).asString()
                .startsWith("Warning [TG0102] (ServiceEntry istio-system/ext " + two + ":5:11) spec.hosts[0]: host two.example.com");
        assertThat(analyzed.exitCode()).isZero();
        assertThat(CliRun.of("analyze", "--failure-threshold", "Warning", one.toString(), two.toString()).exitCode())
                .isEqualTo(79);
    }
}
