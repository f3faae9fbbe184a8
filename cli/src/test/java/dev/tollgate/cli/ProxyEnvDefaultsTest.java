package dev.tollgate.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * In a pod, the proxies' identity flags default from the environment the downward API fills (POD_NAMESPACE,
 * SERVICE_ACCOUNT, POD_NAME), as Istio's pilot-agent reads them. picocli reads the environment of the process, which a
 * test cannot change in its own JVM, so each case runs {@code tollgate} in a child JVM with exactly the environment it
 * needs (the CI's own POD_NAMESPACE, if it runs in a pod, must not leak in).
 */
class ProxyEnvDefaultsTest {
    @TempDir
    static Path dir;
    static Path ca;
    static Path config;

    @BeforeAll
    static void mesh() throws IOException {
        ca = dir.resolve("ca");
        CliRun init = CliRun.of("ca", "init", "--dir", ca.toString());
        assertThat(init.exitCode()).as(init.err()).isZero();
        config = Files.writeString(dir.resolve("mesh.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: example, namespace: default}
                spec:
                  hosts: [example.com]
                  location: MESH_EXTERNAL
                  resolution: DNS
                  ports: [{number: 80, name: http, protocol: HTTP}]
                """);
    }

    record Child(Integer exit, String err) {
    }

    /** Runs tollgate until it exits, or until its stderr contains {@code until} (then stops it). */
    static Child run(Map<String, String> env, String until, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        for (String v : List.of("POD_NAMESPACE", "SERVICE_ACCOUNT", "POD_NAME")) {
            pb.environment().remove(v);
        }
        pb.environment().putAll(env);
        Process p = pb.start();
        StringBuilder err = new StringBuilder();
        try (InputStream in = p.getInputStream()) {
            byte[] buf = new byte[4096];
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                int n = in.available() > 0 ? in.read(buf) : 0;
                if (n > 0) {
                    err.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                    if (until != null && err.toString().contains(until)) {
                        return new Child(null, err.toString());
                    }
                } else if (!p.isAlive()) {
                    err.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                    return new Child(p.exitValue(), err.toString());
                } else {
                    Thread.sleep(20);
                }
            }
            throw new AssertionError("tollgate " + args[0] + " neither exited nor printed '" + until + "':\n" + err);
        } finally {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
    }

    static String[] proxy(String command, String... more) {
        List<String> args = new ArrayList<>(List.of(command, "-f", config.toString(), "--ca-dir", ca.toString(),
                "--admin", "127.0.0.1:0", "--drain-timeout", "1s"));
        args.addAll(command.equals("sidecar") ? List.of("--listen", "127.0.0.1:0")
                : List.of("--bind", "127.0.0.1", "--port-offset", "20000"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void aSidecarTakesItsIdentityFromThePodsEnvironment() throws Exception {
        Child c = run(Map.of("POD_NAMESPACE", "team-a", "SERVICE_ACCOUNT", "billing", "POD_NAME", "billing-7f9c"),
                "listening on", proxy("sidecar"));
        assertThat(c.err()).contains("tollgate sidecar team-a/billing: listening on");
    }

    @Test
    void flagsWinOverTheEnvironment() throws Exception {
        Child c = run(Map.of("POD_NAMESPACE", "team-a", "SERVICE_ACCOUNT", "billing"), "listening on",
                proxy("sidecar", "--namespace", "default", "--service-account", "sleep"));
        assertThat(c.err()).contains("tollgate sidecar default/sleep: listening on");
    }

    @Test
    void aSidecarWithoutFlagOrEnvironmentRefusesToGuessItsIdentity() throws Exception {
        Child none = run(Map.of(), null, proxy("sidecar"));
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("give --namespace NS or set the environment variable POD_NAMESPACE");

        Child noAccount = run(Map.of("POD_NAMESPACE", "team-a"), null, proxy("sidecar"));
        assertThat(noAccount.exit()).isEqualTo(2);
        assertThat(noAccount.err()).contains("give --service-account SA or set the environment variable SERVICE_ACCOUNT");

        Child empty = run(Map.of("POD_NAMESPACE", "", "SERVICE_ACCOUNT", "billing"), null, proxy("sidecar"));
        assertThat(empty.exit()).as("an empty variable is no identity").isEqualTo(2);
        assertThat(empty.err()).contains("POD_NAMESPACE");
    }

    @Test
    void theGatewayTakesItsIdentityFromThePodsEnvironmentElseIstiosDefaults() throws Exception {
        // without an app label the startup line names the service account
        Child pod = run(Map.of("POD_NAMESPACE", "egress", "SERVICE_ACCOUNT", "egress-sa"), "listening on",
                proxy("gateway", "--labels", "istio=egressgateway"));
        assertThat(pod.err()).contains("tollgate gateway egress/egress-sa: listening on");

        Child local = run(Map.of(), "listening on", proxy("gateway"));
        assertThat(local.err()).contains("tollgate gateway istio-system/istio-egressgateway: listening on");
    }

    @Test
    void helpSaysWhereTheDefaultsComeFrom() {
        String sidecar = CliRun.of("sidecar", "--help").out().replaceAll("\\s+", " ");
        assertThat(sidecar).contains("Default: env POD_NAMESPACE", "Default: env SERVICE_ACCOUNT",
                "Default: env POD_NAME");
        String gateway = CliRun.of("gateway", "--help").out().replaceAll("\\s+", " ");
        assertThat(gateway).contains("Default: env POD_NAMESPACE (in a pod, from the downward API's "
                + "metadata.namespace), else istio-system", "Default: env SERVICE_ACCOUNT");
    }
}
