package dev.tollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 10 through the real command line, with the user's inputs: a {@code kubectl get serviceentries -A -o yaml}
 * export, {@code -f -}, folders with and without {@code -R}, runs with nothing to read, YAML syntax errors in
 * SnakeYAML's words, and kinds Tollgate does not model, in check and in analyze.
 */
class ConfigInputTest {
    private static final String REGISTRY_ONLY = "--set=meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY";
    private static final String SE = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata:
              name: %s
            spec:
              hosts: [%s]
              resolution: DNS
              ports: [{number: 80, name: http, protocol: HTTP}]
            """;

    @TempDir
    Path dir;

    static String export() {
        try {
            return Path.of(Objects.requireNonNull(ConfigInputTest.class.getClassLoader()
                    .getResource("exports/serviceentries-all-namespaces.yaml")).toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs with {@code stdin} as standard input, as a shell pipe would give it. */
    static synchronized CliRun withStdin(String stdin, String... args) {
        InputStream before = System.in;
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        try {
            return CliRun.of(args);
        } finally {
            System.setIn(before);
        }
    }

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        return file;
    }

    @Test
    void aServiceEntryExportWithManagedFieldsLoadsAndDecides() {
        // was: error [unknown-field] ServiceEntry istio-system/httpbin-ext metadata.managedFields[0].fieldsV1.f:metadata
        CliRun r = CliRun.of("check", "-f", export(), REGISTRY_ONLY, "--from", "default/sleep", "http://httpbin.org/");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).startsWith("ALLOWED: default/sleep -> http://httpbin.org/")
                .contains("outbound|80||httpbin.org");
        // the second item is exported only to its own namespace ("exportTo: [.]"): its spec was read too
        CliRun stripe = CliRun.of("check", "-f", export(), REGISTRY_ONLY, "--from", "default/sleep",
                "https://api.stripe.com/");
        assertThat(stripe.exitCode()).as(stripe.out()).isEqualTo(1);
    }

    @Test
    void anExplainOfTheExportPointsAtTheItemsLine() {
        CliRun r = CliRun.of("explain", "-f", export(), REGISTRY_ONLY, "--from", "default/sleep", "http://httpbin.org/");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("ServiceEntry istio-system/httpbin-ext").contains(export() + ":5:3");
    }

    @Test
    void theExportPipedToStandardInputLoads() throws IOException {
        CliRun r = withStdin(Files.readString(Path.of(export())), "check", "-f", "-", REGISTRY_ONLY, "--from",
                "default/sleep", "http://httpbin.org/");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("ALLOWED:");
    }

    @Test
    void standardInputTakesANamespaceAndNamesItselfInDiagnostics() {
        CliRun ok = withStdin(SE.formatted("a", "a.example.com"), "check", "-f", "payments=-", REGISTRY_ONLY,
                "--from", "payments/sleep", "http://a.example.com/");
        assertThat(ok.exitCode()).as(ok.err()).isZero();
        CliRun bad = withStdin(SE.formatted("a", "a.example.com").replace("hosts", "hostz"), "check", "-f", "-",
                "--from", "default/sleep", "http://a.example.com/");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).startsWith("Error [unknown-field] (ServiceEntry default/a <stdin>:6:3) spec.hostz:");
    }

    @Test
    void standardInputTwiceIsAUsageError() {
        CliRun r = withStdin(SE.formatted("a", "a.example.com"), "check", "-f", "-", "-f", "-", "--from",
                "default/sleep", "http://a.example.com/");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("tollgate check: -f - is given more than once; standard input can be read "
                + "only once\n");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void aFolderIsReadWithoutSubfoldersUnlessR() throws IOException {
        write("top/a.yaml", SE.formatted("a", "a.example.com"));
        write("top/sub/b.yaml", SE.formatted("b", "b.example.com"));
        String top = dir.resolve("top").toString();
        CliRun flat = CliRun.of("check", "-f", top, REGISTRY_ONLY, "--from", "default/sleep", "http://b.example.com/");
        assertThat(flat.exitCode()).as(flat.out()).isEqualTo(1);
        for (String r : new String[] {"-R", "--recursive"}) {
            CliRun deep = CliRun.of("check", r, "-f", top, REGISTRY_ONLY, "--from", "default/sleep",
                    "http://b.example.com/");
            assertThat(deep.exitCode()).as(deep.err()).isZero();
        }
    }

    @Test
    void anEmptyFolderIsAnErrorNotAllowed() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        CliRun r = CliRun.of("check", "-f", empty.toString(), "--from", "default/sleep", "http://httpbin.org/");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).doesNotContain("ALLOWED");
        assertThat(r.err()).startsWith("Error [empty-folder] (" + empty + ") folder " + empty
                + " holds no *.yaml, *.yml or *.json file\n");
    }

    @Test
    void aFolderWithNoYamlIsAnError() throws IOException {
        write("docs/README.md", "# not configuration\n");
        CliRun r = CliRun.of("analyze", "-f", dir.resolve("docs").toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).doesNotContain("No validation issues");
        assertThat(r.err()).contains("Error [empty-folder]");
    }

    @Test
    void noConfigurationAtAllIsAnErrorForEveryOneShotCommand() {
        for (String[] args : new String[][] {
                {"check", "--from", "default/sleep", "http://httpbin.org/"},
                {"explain", "--from", "default/sleep", "http://httpbin.org/"},
                {"analyze"}}) {
            CliRun r = CliRun.of(args);
            assertThat(r.exitCode()).as(String.join(" ", args) + "\n" + r.out() + r.err()).isEqualTo(2);
            assertThat(r.out()).doesNotContain("ALLOWED").doesNotContain("No validation issues");
            assertThat(r.err()).startsWith("Error [no-config] (-f) no configuration given: use -f FILE, -f FOLDER "
                    + "(-R for its subfolders) or -f - for standard input\n");
        }
    }

    @Test
    void aFileOfOnlyCommentsIsAnErrorAsWithKubectl() throws IOException {
        Path file = write("commented.yaml", "# apiVersion: networking.istio.io/v1\n# kind: ServiceEntry\n");
        CliRun r = CliRun.of("check", "-f", file.toString(), "--from", "default/sleep", "http://httpbin.org/");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("Error [no-objects] (" + file + ") no objects to load: -f " + file
                + " holds only comments or empty documents\n");
        CliRun empty = withStdin("", "check", "-f", "-", "--from", "default/sleep", "http://httpbin.org/");
        assertThat(empty.exitCode()).isEqualTo(2);
        assertThat(empty.err()).contains("Error [no-objects] (<stdin>) no objects to load: -f <stdin> holds only comments");
    }

    @Test
    void yamlSyntaxErrorsKeepSnakeYamlsProblemTextWithLineAndColumn() throws IOException {
        Path blockEnd = write("block-end.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: a
                  - b
                """);
        CliRun r = CliRun.of("check", "-f", blockEnd.toString(), "--from", "default/sleep", "http://httpbin.org/");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("Error [yaml-syntax] (" + blockEnd + ":5:3) invalid YAML: expected <block end>, "
                + "but found '-' (while parsing a block mapping at line 4, column 3)\n");
        Path tab = write("tab.yaml", "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n\tname: a\n");
        CliRun t = CliRun.of("analyze", "-f", tab.toString());
        assertThat(t.exitCode()).isEqualTo(2);
        assertThat(t.err()).startsWith("Error [yaml-syntax] (" + tab + ":4:1) invalid YAML: found character '\\t(TAB)' "
                + "that cannot start any token. (Do not use \\t(TAB) for indentation)");
    }

    private Path unmodelled() throws IOException {
        return write("mesh.yaml", """
                apiVersion: networking.istio.io/v1alpha3
                kind: EnvoyFilter
                metadata:
                  name: x
                  namespace: istio-system
                spec:
                  configPatches: []
                ---
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata:
                  name: default
                  namespace: istio-system
                spec:
                  mtls: {mode: STRICT}
                ---
                """ + SE.formatted("a", "a.example.com"));
    }

    @Test
    void checkNamesKindsItDoesNotModelInWarningsWithFileAndLine() throws IOException {
        Path file = unmodelled();
        CliRun r = CliRun.of("check", "-f", file.toString(), "--from", "default/sleep", "http://a.example.com/");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err().lines().toList()).satisfiesExactly(
                l -> assertThat(l).startsWith("Warning [unmodelled-kind] (" + file + ":1:1) EnvoyFilter istio-system/x "
                        + "may change egress behaviour").endsWith("; Tollgate does not model EnvoyFilter"),
                l -> assertThat(l).startsWith("Warning [unmodelled-kind] (" + file + ":9:1) PeerAuthentication "
                        + "istio-system/default may change mTLS between workloads and the egress gateway"));
    }

    @Test
    void analyzeReportsTheWarningsAmongItsFindingsInTextAndJson() throws IOException {
        Path file = unmodelled();
        CliRun text = CliRun.of("analyze", "-f", file.toString());
        assertThat(text.err()).as("reported once, as findings").isEmpty();
        assertThat(text.out().lines().filter(l -> l.contains("[unmodelled-kind]")).toList()).satisfiesExactly(
                l -> assertThat(l).startsWith("Warning [unmodelled-kind] (" + file + ":1:1) EnvoyFilter istio-system/x "
                        + "may change egress behaviour"),
                l -> assertThat(l).startsWith("Warning [unmodelled-kind] (" + file + ":9:1) PeerAuthentication "));
        assertThat(text.exitCode()).as("warnings stay under the default threshold, Error, as in istioctl").isZero();
        assertThat(CliRun.of("analyze", "--failure-threshold", "Warning", "-f", file.toString()).exitCode())
                .as("a warning fails at the warning threshold").isEqualTo(79);

        CliRun json = CliRun.of("analyze", "-o", "json", "-f", file.toString());
        assertThat(json.err()).isEmpty();
        JsonNode rows = new ObjectMapper().readTree(json.out());
        assertThat(rows).filteredOn(n -> n.get("code").asText().equals("unmodelled-kind")).hasSize(2)
                .first().satisfies(n -> {
                    assertThat(n.get("level").asText()).isEqualTo("Warning");
                    assertThat(n.get("origin").asText()).isEqualTo(file + ":1:1");
                    assertThat(n.get("message").asText()).startsWith("EnvoyFilter istio-system/x may change");
                });
    }

    @Test
    void theTutorialExamplesLoadWithoutWarnings() {
        Path examples = Path.of("..", "examples", "tutorial");
        CliRun r = CliRun.of("check", "-f", "default=" + examples.resolve("sleep.yaml"), "-f",
                examples.resolve("mesh-registry-only.yaml").toString(), "-f",
                examples.resolve("external-google.yaml").toString(), "--from", "default/sleep",
                "http://www.google.com/");
        assertThat(r.err()).doesNotContain("warning");
    }
}
