package dev.tollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.cli.kube.LiveCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.tollgate.cli.ConfigInputTest.withStdin;
import static dev.tollgate.cli.TutorialCheckTest.f;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --kubernetes}: the tutorial's resources applied to a (mock) API server, read through a kubeconfig, give the
 * answers the same resources give from files; files lay over the cluster as istioctl analyze lays them; a cluster
 * that cannot be read is one line and exit status 2.
 */
class KubernetesCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GOOGLE = "developers.google.com";
    private static final String YAHOO = "developer.yahoo.com";
    private static final String REGISTRY_ONLY = "meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY";

    @TempDir
    Path dir;
    private LiveCluster cluster;
    private String kubeconfig;

    @BeforeEach
    void start() throws IOException {
        cluster = new LiveCluster();
        kubeconfig = cluster.kubeconfig(dir).toString();
        cluster.apply("sleep.yaml", "default");
        cluster.apply("sleep.yaml", "otherns");
        cluster.apply("sleep-custom.yaml", "otherns");
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private static final List<String> SLEEPS = List.of("-f", "default=" + f("sleep.yaml"), "-f",
            "otherns=" + f("sleep.yaml"), "-f", "otherns=" + f("sleep-custom.yaml"));

    @Test
    void partA_registryOnlyFromTheIstioConfigMap_andANamespacesServiceEntry() {
        cluster.registryOnly();
        cluster.apply("serviceentry-google.yaml", "default");
        List<String> files = plus(SLEEPS, "--set", REGISTRY_ONLY, "-f", "default=" + f("serviceentry-google.yaml"));

        sameAnswers("https", files, new String[][]{
                {"default/sleep", GOOGLE, "allowed"}, {"default/sleep", YAHOO, "blocked"},
                {"otherns/sleep", GOOGLE, "blocked"}, {"otherns/sleep", YAHOO, "blocked"}});
    }

    @Test
    void partB_throughTheGateway_denyPoliciesPerNamespaceAndPerPrincipal() {
        cluster.registryOnly();
        for (String fixture : List.of("external-google.yaml", "external-yahoo.yaml", "authz-deny-google.yaml",
                "authz-deny-yahoo.yaml")) {
            cluster.apply(fixture, "istio-system");
        }
        List<String> files = plus(SLEEPS, "--set", REGISTRY_ONLY);
        for (String fixture : List.of("external-google.yaml", "external-yahoo.yaml", "authz-deny-google.yaml",
                "authz-deny-yahoo.yaml")) {
            files = plus(files, "-f", "istio-system=" + f(fixture));
        }
        sameAnswers("http", files, new String[][]{
                {"default/sleep", GOOGLE, "allowed"}, {"default/sleep", YAHOO, "denied"},
                {"otherns/sleep", GOOGLE, "denied"}, {"otherns/sleep", YAHOO, "allowed"}});
    }

    @Test
    void partB4_perPrincipal() {
        cluster.registryOnly();
        List<String> files = plus(SLEEPS, "--set", REGISTRY_ONLY);
        for (String fixture : List.of("external-google.yaml", "external-yahoo.yaml",
                "authz-deny-google-custom.yaml", "authz-deny-yahoo-custom.yaml")) {
            cluster.apply(fixture, "istio-system");
            files = plus(files, "-f", "istio-system=" + f(fixture));
        }
        sameAnswers("http", files, new String[][]{
                {"otherns/sleep-google", GOOGLE, "allowed"}, {"otherns/sleep-google", YAHOO, "denied"},
                {"otherns/sleep-yahoo", GOOGLE, "denied"}, {"otherns/sleep-yahoo", YAHOO, "allowed"}});
    }

    /** Each request asked of the cluster and of the files: the same outcome, the one expected. */
    private void sameAnswers(String scheme, List<String> files, String[][] expected) {
        for (String[] e : expected) {
            List<String> request = new ArrayList<>(List.of("--from", e[0], "-o", "json"));
            if (scheme.equals("http")) {
                request.add("-I");
            }
            request.add(scheme + "://" + e[1] + "/");
            CliRun live = run(plus(plus(List.of("check", "--kubernetes", "--kubeconfig", kubeconfig), request)));
            CliRun fromFiles = run(plus(plus(List.of("check"), files), request));
            String what = e[0] + " -> " + e[1];
            assertThat(outcome(fromFiles)).as("files: " + what + fromFiles.err()).isEqualTo(e[2]);
            assertThat(outcome(live)).as("cluster: " + what + live.err()).isEqualTo(e[2]);
            assertThat(live.exitCode()).as(what).isEqualTo(fromFiles.exitCode());
        }
    }

    @Test
    void explainAndMatrixAnswerAsFromFiles() {
        cluster.apply("serviceentry-google.yaml", "default");
        cluster.apply("serviceentry-yahoo.yaml", "otherns");
        List<String> files = plus(SLEEPS, "-f", "default=" + f("serviceentry-google.yaml"),
                "-f", "otherns=" + f("serviceentry-yahoo.yaml"), "--set", REGISTRY_ONLY);
        cluster.registryOnly();

        CliRun liveMatrix = run(List.of("matrix", "--kubernetes", "--kubeconfig", kubeconfig, "--context", "mock"));
        CliRun fileMatrix = run(plus(List.of("matrix"), files));
        assertThat(liveMatrix.exitCode()).as(liveMatrix.err()).isEqualTo(fileMatrix.exitCode());
        assertThat(liveMatrix.out()).isEqualTo(fileMatrix.out()).contains(GOOGLE).contains(YAHOO);

        CliRun explain = run(List.of("explain", "--kubernetes", "--kubeconfig", kubeconfig, "--from",
                "otherns/sleep", "https://" + GOOGLE + "/"));
        assertThat(explain.exitCode()).as(explain.err()).isEqualTo(1);
        CliRun fileExplain = run(plus(plus(List.of("explain"), files), List.of("--from", "otherns/sleep",
                "https://" + GOOGLE + "/")));
        assertThat(explain.exitCode()).isEqualTo(fileExplain.exitCode());
    }

    @Test
    void filesLayOverTheClusterReplacingItsObjectOfTheSameName() throws IOException {
        cluster.registryOnly();
        cluster.apply("external-google.yaml", "istio-system");
        cluster.apply("authz-deny-google.yaml", "istio-system");
        List<String> ask = List.of("--from", "otherns/sleep", "-I", "http://" + GOOGLE + "/");
        CliRun before = run(plus(List.of("check", "--kubernetes", "--kubeconfig", kubeconfig), ask));
        assertThat(before.exitCode()).as(before.err()).isEqualTo(1);

        // the same policy, edited locally to deny only default: the file's version counts, the cluster's does not
        String edited = Files.readString(LiveCluster.TUTORIAL.resolve("authz-deny-google.yaml"))
                .replace("otherns", "nobody-ns");
        assertThat(edited).contains("nobody-ns");
        Path file = Files.writeString(dir.resolve("edited.yaml"), edited);
        CliRun after = run(plus(List.of("check", "--kubernetes", "--kubeconfig", kubeconfig, "-f",
                "istio-system=" + file), ask));
        assertThat(after.exitCode()).as(after.err() + after.out()).isZero();

        CliRun diff = run(List.of("diff", "--kubernetes", "--kubeconfig", kubeconfig, "--new",
                "istio-system=" + file));
        assertThat(diff.exitCode()).as(diff.err()).isEqualTo(1);
        assertThat(diff.out()).contains("otherns").contains(GOOGLE);
    }

    @Test
    void analyzeNamesTheClusterObjectThatIsInvalid() {
        cluster.client.genericKubernetesResources("security.istio.io/v1", "AuthorizationPolicy")
                .inNamespace("istio-system").resource(cluster.client.getKubernetesSerialization().unmarshal("""
                        apiVersion: security.istio.io/v1
                        kind: AuthorizationPolicy
                        metadata: {name: typo, namespace: istio-system}
                        spec: {action: DENNY}
                        """, io.fabric8.kubernetes.api.model.GenericKubernetesResource.class)).create();
        CliRun r = run(List.of("analyze", "--kubernetes", "--kubeconfig", kubeconfig));
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out() + r.err()).contains("cluster:security.istio.io/AuthorizationPolicy/istio-system/typo")
                .contains("DENNY");
    }

    @Test
    void anUnknownContextIsRefusedNotReplacedByTheCurrentOne() {
        CliRun r = run(List.of("check", "--kubernetes", "--kubeconfig", kubeconfig, "--context", "prod",
                "--from", "default/sleep", "https://" + GOOGLE + "/"));
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("tollgate check: --context prod: no such context in the kubeconfig "
                + kubeconfig + "\n");
    }

    @Test
    void anUnreachableClusterIsOneLineAndExitStatus2() throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        Path config = Files.writeString(dir.resolve("down"), Files.readString(Path.of(kubeconfig))
                .replaceAll("server: \"[^\"]+\"", "server: \"http://127.0.0.1:" + closed + "\""));
        CliRun r = run(List.of("analyze", "--kubernetes", "--kubeconfig", config.toString()));
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("tollgate analyze: cannot read the cluster at http://127.0.0.1:" + closed)
                .contains("(context mock)").doesNotContain("\tat ").hasLineCount(1);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void aForbiddenListIsOneLineAndExitStatus2() {
        cluster.forbidden = p -> p.startsWith("/api/v1/pods");
        CliRun r = run(List.of("check", "--kubernetes", "--kubeconfig", kubeconfig, "--from", "default/sleep",
                "https://" + GOOGLE + "/"));
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("forbidden").contains("cannot list resource \"pods\"")
                .doesNotContain("\tat ").hasLineCount(1);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void aMissingKubeconfigAndContextWithoutKubernetesAreRefused() {
        CliRun missing = run(List.of("analyze", "--kubernetes", "--kubeconfig", dir.resolve("nope").toString()));
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("--kubeconfig").contains("no such file").hasLineCount(1);
        CliRun alone = run(List.of("analyze", "--context", "mock", "-f", f("sleep.yaml")));
        assertThat(alone.exitCode()).isEqualTo(2);
        assertThat(alone.err()).isEqualTo("tollgate analyze: --context is for reading a cluster: add --kubernetes\n");
    }

    @Test
    void kubectlGetOutputPipedToStandardInputLoadsAsAList() {
        // what 'kubectl get serviceentries,pods -A -o yaml' prints: a List, with the server's own fields
        String kubectl = """
                apiVersion: v1
                items:
                - apiVersion: networking.istio.io/v1
                  kind: ServiceEntry
                  metadata:
                    annotations:
                      kubectl.kubernetes.io/last-applied-configuration: |
                        {"apiVersion":"networking.istio.io/v1","kind":"ServiceEntry"}
                    creationTimestamp: "2026-12-01T10:00:00Z"
                    generation: 1
                    name: google
                    namespace: default
                    resourceVersion: "4242"
                    uid: 5b0c2f0e-1a2b-4c3d-8e9f-0a1b2c3d4e5f
                  spec:
                    hosts: [developers.google.com]
                    ports: [{name: https, number: 443, protocol: HTTPS}]
                    resolution: DNS
                  status: {}
                - apiVersion: v1
                  kind: Pod
                  metadata:
                    labels: {app: sleep}
                    name: sleep-6d4f8b7c9-x2x7q
                    namespace: default
                    uid: 6b0c2f0e-1a2b-4c3d-8e9f-0a1b2c3d4e5f
                  spec:
                    serviceAccountName: sleep
                    containers: [{name: sleep, image: curlimages/curl}]
                  status: {phase: Running, podIP: 10.1.2.3}
                kind: List
                metadata:
                  resourceVersion: ""
                """;
        CliRun analyze = withStdin(kubectl, "analyze", "-f", "-");
        assertThat(analyze.exitCode()).as(analyze.out() + analyze.err()).isZero();
        CliRun check = withStdin(kubectl, "check", "-f", "-", "--set", REGISTRY_ONLY, "--from", "default/sleep",
                "https://" + GOOGLE + "/");
        assertThat(check.exitCode()).as(check.out() + check.err()).isZero();
        CliRun blocked = withStdin(kubectl, "check", "-f", "-", "--set", REGISTRY_ONLY, "--from", "default/sleep",
                "https://" + YAHOO + "/");
        assertThat(blocked.exitCode()).as(blocked.out() + blocked.err()).isEqualTo(1);
    }

    private static String outcome(CliRun run) {
        try {
            JsonNode json = JSON.readTree(run.out());
            return json.get("outcome").asText();
        } catch (IOException | RuntimeException e) {
            throw new AssertionError("no JSON answer (exit " + run.exitCode() + "): " + run.out() + run.err(), e);
        }
    }

    private static CliRun run(List<String> args) {
        return CliRun.of(args.toArray(String[]::new));
    }

    private static List<String> plus(List<String> base, String... more) {
        return plus(base, List.of(more));
    }

    private static List<String> plus(List<String> base, List<String> more) {
        List<String> out = new ArrayList<>(base);
        out.addAll(more);
        return out;
    }
}
