package dev.tollgate.cli.matrix;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.cli.Main;
import dev.tollgate.cli.lab.InProcessCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code tollgate matrix} on the tutorial's files: every cell is what {@code check} answers. */
class MatrixCommandTest {
    static final Path TUTORIAL = Path.of("..", "examples", "tutorial");
    static final String REGISTRY_ONLY = "meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY";

    @TempDir
    Path dir;

    /** The tutorial's step B3, as examples/tests/tutorial-b3.yaml runs it. */
    static List<String> b3() {
        return new ArrayList<>(List.of(
                "-f", "istio-system=" + TUTORIAL.resolve("external-google.yaml"),
                "-f", "istio-system=" + TUTORIAL.resolve("external-yahoo.yaml"),
                "-f", "istio-system=" + TUTORIAL.resolve("authz-deny-google.yaml"),
                "-f", "istio-system=" + TUTORIAL.resolve("authz-deny-yahoo.yaml"),
                "-f", "default=" + TUTORIAL.resolve("sleep.yaml"),
                "-f", "otherns=" + TUTORIAL.resolve("sleep.yaml"),
                "--set", REGISTRY_ONLY));
    }

    private static InProcessCli.Result run(String command, List<String> config, String... more) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(config);
        all.addAll(List.of(more));
        return Main.capture(all.toArray(String[]::new));
    }

    @Test
    void everyCellOfTheTutorialsStepB3IsWhatCheckSays() throws Exception {
        InProcessCli.Result r = run("matrix", b3(), "-o", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode m = new ObjectMapper().readTree(r.out());
        assertThat(m.get("schema").asText()).isEqualTo("tollgate.dev/matrix/v1");
        assertThat(m.get("mesh").get("outboundTrafficPolicy").asText()).isEqualTo("REGISTRY_ONLY");
        List<String> rows = new ArrayList<>();
        m.get("rows").forEach(row -> rows.add(row.get("id").asText()));
        assertThat(rows).containsExactly("default/sleep", "otherns/sleep");
        List<String> columns = new ArrayList<>();
        m.get("columns").forEach(c -> columns.add(c.get("id").asText()));
        assertThat(columns).containsExactly("developer.yahoo.com:80", "developer.yahoo.com:443",
                "developers.google.com:80", "developers.google.com:443");
        assertThat(m.get("cells")).hasSize(8);
        int denied = 0;
        for (JsonNode cell : m.get("cells")) {
            JsonNode row = m.get("rows").get(cell.get("row").asInt());
            JsonNode col = m.get("columns").get(cell.get("column").asInt());
            String scheme = col.get("protocol").asText().equals("HTTP") ? "http" : "https";
            List<String> check = b3();
            InProcessCli.Result c = run("check", check, "--from", row.get("id").asText(), "-o", "json",
                    scheme + "://" + col.get("host").asText() + ":" + col.get("port").asInt() + "/");
            JsonNode answer = new ObjectMapper().readTree(c.out());
            assertThat(cell.get("outcome").asText()).as("%s -> %s", row.get("id"), col.get("id"))
                    .isEqualTo(answer.get("outcome").asText());
            assertThat(cell.get("reason").asText()).isEqualTo(answer.get("reason").asText());
            assertThat(cell.get("hops")).hasSize(answer.get("hops").size());
            if (cell.get("outcome").asText().equals("denied")) {
                denied++;
                assertThat(answer.get("policy").asText()).contains("policy[" + cell.get("policy").asText()
                        .substring("istio-system/".length()) + "]");
            }
        }
        assertThat(denied).isEqualTo(2);
        assertThat(m.get("summary").get("denied").asInt()).isEqualTo(2);
        assertThat(m.get("summary").get("allowed").asInt()).isEqualTo(2);
        assertThat(m.get("rows").get(0).get("mentionedBy").get(0).asText()).startsWith("workload default/sleep ")
                .contains("sleep.yaml:");
        assertThat(m.get("columns").get(2).get("declaredBy").toString()).contains("ServiceEntry istio-system/google")
                .contains("Gateway istio-system/istio-google-egressgateway");
    }

    @Test
    void theTextTableNamesTheDenyingPolicies() {
        InProcessCli.Result r = run("matrix", b3());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("otherns/sleep  allowed").contains("[1] istio-system/external-deny-developer-yahoo-com")
                .contains("2 workloads x 4 host ports (mesh outboundTrafficPolicy REGISTRY_ONLY): 2 allowed, 4 blocked, "
                        + "2 denied, 0 no-route, 0 partly");
    }

    private Path allowGet() throws Exception {
        Path f = dir.resolve("allow-get.yaml");
        Files.writeString(f, """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: allow-get, namespace: istio-system}
                spec:
                  selector: {matchLabels: {istio: egressgateway}}
                  action: ALLOW
                  rules:
                  - to:
                    - operation: {methods: [GET]}
                """);
        return f;
    }

    @Test
    void aPolicyOnTheMethodMakesAPartlyCellWithItsConditions() throws Exception {
        List<String> cfg = List.of("-f", "istio-system=" + TUTORIAL.resolve("external-google.yaml"),
                "-f", allowGet().toString(), "-f", "default=" + TUTORIAL.resolve("sleep.yaml"), "--set", REGISTRY_ONLY);
        InProcessCli.Result r = run("matrix", cfg, "-o", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode cell = new ObjectMapper().readTree(r.out()).get("cells").get(0);
        assertThat(cell.get("outcome").asText()).isEqualTo("partly");
        assertThat(cell.get("conditions").get(0).get("outcome").asText()).isEqualTo("allowed");
        assertThat(cell.get("conditions").get(0).get("when").asText()).isEqualTo("method GET");
        assertThat(cell.get("conditions").get(1).get("outcome").asText()).isEqualTo("denied");
        assertThat(cell.get("conditions").get(1).get("when").asText()).isEqualTo("method other than GET");
        // check agrees with both conditions
        assertThat(run("check", cfg, "--from", "default/sleep", "http://developers.google.com/").exit()).isZero();
        InProcessCli.Result head = run("check", cfg, "--from", "default/sleep", "-I", "http://developers.google.com/");
        assertThat(head.out()).startsWith("DENIED");
    }

    @Test
    void csvHasOneLinePerCellAndParsesBack() {
        InProcessCli.Result r = run("matrix", b3(), "-o", "csv", "--to", "api.example.com:443",
                "--from", "payments/api");
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines.get(0)).isEqualTo(MatrixCsv.HEADER);
        assertThat(lines).hasSize(1 + 3 * 5);
        for (String line : lines.subList(1, lines.size())) {
            List<String> fields = parse(line);
            assertThat(fields).as(line).hasSize(9);
            assertThat(fields.get(6)).isIn("allowed", "blocked", "denied", "no-route", "partly");
        }
        assertThat(lines).contains("payments/api,payments,api,api.example.com,443,TLS,blocked,,");
    }

    /** RFC 4180 fields of one line. */
    static List<String> parse(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    f.append('"');
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    f.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                out.add(f.toString());
                f.setLength(0);
            } else {
                f.append(ch);
            }
        }
        out.add(f.toString());
        return out;
    }

    @Test
    void hostileInputIsAUsageErrorNamingIt() {
        InProcessCli.Result missing = Main.capture("matrix", "-f", dir.resolve("nope.yaml").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("nope.yaml");
        InProcessCli.Result to = run("matrix", b3(), "--to", "not a url");
        assertThat(to.exit()).isEqualTo(2);
        assertThat(to.err()).contains("--to not a url: expected a URL");
        InProcessCli.Result wildcard = run("matrix", b3(), "--to", "https://*.example.com/");
        assertThat(wildcard.exit()).isEqualTo(2);
        InProcessCli.Result format = run("matrix", b3(), "-o", "yaml");
        assertThat(format.exit()).isEqualTo(2);
        assertThat(format.err()).contains("-o").contains("yaml");
        InProcessCli.Result from = run("matrix", b3(), "--from", "nobody");
        assertThat(from.exit()).isEqualTo(2);
        assertThat(from.err()).contains("NAMESPACE/SERVICEACCOUNT");
    }
}
