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

import static dev.tollgate.cli.matrix.MatrixCommandTest.REGISTRY_ONLY;
import static dev.tollgate.cli.matrix.MatrixCommandTest.TUTORIAL;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code tollgate diff}: the tutorial's part A against part B, identical inputs, and --git. */
class DiffCommandTest {
    @TempDir
    Path dir;

    private static InProcessCli.Result diff(String... more) {
        List<String> all = new ArrayList<>(List.of("diff", "-f", "default=" + TUTORIAL.resolve("sleep.yaml"),
                "-f", "otherns=" + TUTORIAL.resolve("sleep.yaml"), "--set", REGISTRY_ONLY));
        all.addAll(List.of(more));
        return Main.capture(all.toArray(String[]::new));
    }

    private static final String[] A_TO_B = {"--old", "default=" + TUTORIAL.resolve("serviceentry-google.yaml"),
            "--new", "istio-system=" + TUTORIAL.resolve("external-google.yaml"),
            "--new", "istio-system=" + TUTORIAL.resolve("authz-deny-google.yaml")};

    @Test
    void partAToPartBListsEachChangeWithItsCause() {
        InProcessCli.Result r = diff(A_TO_B);
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.out()).startsWith("2 decisions change, of 4 requests asked (2 workloads x 2 host ports):")
                .contains("otherns/sleep -> developers.google.com:80 (HTTP) any method: blocked -> denied by "
                        + "istio-system/external-deny-developers-google-com")
                .contains("    added AuthorizationPolicy istio-system/external-deny-developers-google-com ("
                        + TUTORIAL.resolve("authz-deny-google.yaml") + ":2)")
                .contains("default/sleep -> developers.google.com:443 (HTTPS): allowed -> blocked")
                .contains("    removed ServiceEntry default/external-developers-google-com ("
                        + TUTORIAL.resolve("serviceentry-google.yaml") + ":3)");
    }

    @Test
    void markdownAndJsonCarryTheSameChanges() throws Exception {
        InProcessCli.Result md = diff(concat(A_TO_B, "-o", "markdown"));
        assertThat(md.exit()).isEqualTo(1);
        assertThat(md.out()).contains("| Workload | Host:port | Method | Request | Before | After | Cause |")
                .contains("| otherns/sleep | developers.google.com:80 HTTP | any |  | blocked | denied by "
                        + "istio-system/external-deny-developers-google-com | ");
        InProcessCli.Result json = diff(concat(A_TO_B, "-o", "json"));
        JsonNode m = new ObjectMapper().readTree(json.out());
        assertThat(m.get("schema").asText()).isEqualTo("tollgate.dev/diff/v1");
        assertThat(m.get("changes")).hasSize(2);
        assertThat(m.get("changes").get(1).get("before").get("outcome").asText()).isEqualTo("blocked");
        assertThat(m.get("changes").get(1).get("after").get("outcome").asText()).isEqualTo("denied");
    }

    @Test
    void identicalInputsChangeNothing() {
        Path b = TUTORIAL.resolve("external-google.yaml");
        InProcessCli.Result r = diff("istio-system=" + b, "istio-system=" + b);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("0 decisions change");
    }

    @Test
    void aMethodPolicyChangesOnlyTheOtherMethods() throws Exception {
        Path policy = dir.resolve("allow-get.yaml");
        Files.writeString(policy, """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: allow-get, namespace: istio-system}
                spec:
                  selector: {matchLabels: {istio: egressgateway}}
                  rules:
                  - to:
                    - operation: {methods: [GET]}
                """);
        Path google = TUTORIAL.resolve("external-google.yaml");
        InProcessCli.Result r = diff("-f", "istio-system=" + google, "--new", policy.toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.out()).contains("default/sleep -> developers.google.com:80 (HTTP) other: allowed -> denied")
                .doesNotContain("(HTTP) GET:")
                .contains("added AuthorizationPolicy istio-system/allow-get (" + policy + ":1)");
    }

    private static int git(Path repo, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git", "-c", "user.email=t@example.com", "-c", "user.name=t"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(repo.toFile()).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }

    @Test
    void gitComparesThePathsWithTheirRevision() throws Exception {
        Path repo = dir.resolve("repo");
        Path mesh = repo.resolve("mesh");
        Files.createDirectories(mesh);
        Files.copy(TUTORIAL.resolve("serviceentry-google.yaml"), mesh.resolve("google.yaml"));
        assertThat(git(repo, "init", "-q")).isZero();
        assertThat(git(repo, "add", ".")).isZero();
        assertThat(git(repo, "commit", "-q", "-m", "part A")).isZero();
        // unchanged: nothing to review
        InProcessCli.Result same = diff("--git", "HEAD", "default=" + mesh);
        assertThat(same.exit()).as(same.err()).isZero();
        // exportTo "." -> every namespace
        Files.writeString(mesh.resolve("google.yaml"), Files.readString(mesh.resolve("google.yaml"))
                .replace("- \".\"", "- \"*\""));
        InProcessCli.Result r = diff("--git", "HEAD", "default=" + mesh);
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.out()).contains("otherns/sleep -> developers.google.com:443 (HTTPS): blocked -> allowed")
                .contains("changed ServiceEntry default/external-developers-google-com (HEAD:mesh/google.yaml:3 -> ");
        // outside a repository
        Path plain = dir.resolve("plain");
        Files.createDirectories(plain);
        Files.copy(TUTORIAL.resolve("serviceentry-google.yaml"), plain.resolve("google.yaml"));
        InProcessCli.Result outside = diff("--git", "HEAD", plain.toString());
        assertThat(outside.exit()).isEqualTo(2);
        assertThat(outside.err()).contains("is not inside a git repository");
        InProcessCli.Result badRev = diff("--git", "no-such-branch", "default=" + mesh);
        assertThat(badRev.exit()).isEqualTo(2);
        assertThat(badRev.err()).contains("no-such-branch: no such revision");
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(diff("only-one.yaml").exit()).isEqualTo(2);
        assertThat(diff(concat(A_TO_B, "-o", "html")).exit()).isEqualTo(2);
        InProcessCli.Result missing = diff("--old", dir.resolve("nope.yaml").toString(), "--new",
                TUTORIAL.resolve("external-google.yaml").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("nope.yaml");
    }

    private static String[] concat(String[] a, String... b) {
        List<String> out = new ArrayList<>(List.of(a));
        out.addAll(List.of(b));
        return out.toArray(String[]::new);
    }
}
