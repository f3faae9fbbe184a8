package dev.tollgate.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Kubernetes Service through files, end to end: {@code check} reaches it by its short name under REGISTRY_ONLY,
 * {@code explain} names the Service's file and line, and {@code analyze} on the tutorial says the same with a
 * Service among its files as without.
 */
class KubernetesServiceCliTest {
    private static final String REGISTRY_ONLY = "meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY";
    private static final String SERVICE = """
            # the database the sleep pods talk to
            apiVersion: v1
            kind: Service
            metadata:
              name: db
              namespace: default
            spec:
              clusterIP: 10.96.0.20
              ports:
              - name: tcp-postgres
                port: 5432
            """;

    @TempDir
    Path dir;

    private Path service() throws IOException {
        Path f = dir.resolve("svc.yaml");
        Files.writeString(f, SERVICE);
        return f;
    }

    @Test
    void checkReachesTheServiceByItsShortNameUnderRegistryOnly() throws IOException {
        CliRun r = CliRun.of("check", "-f", service().toString(), "--set", REGISTRY_ONLY, "--from", "default/sleep",
                "http://db:5432/");
        assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).startsWith("ALLOWED: default/sleep -> http://db:5432/")
                .contains("Service default/db declares db.default.svc.cluster.local port 5432/TCP (the request's db"
                        + " stands for it)")
                .contains("upstream: db.default.svc.cluster.local:5432");
        assertThat(r.err()).doesNotContain("unmodelled-kind").doesNotContain("skipped");
    }

    @Test
    void theBareNameIsNoNameForItFromAnotherNamespace() throws IOException {
        CliRun r = CliRun.of("check", "-f", service().toString(), "--set", REGISTRY_ONLY, "--from", "otherns/sleep",
                "http://db:5432/");
        assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.out()).startsWith("BLOCKED by the sidecar");
        CliRun qualified = CliRun.of("check", "-f", service().toString(), "--set", REGISTRY_ONLY, "--from",
                "otherns/sleep", "http://db.default:5432/");
        assertThat(qualified.exitCode()).as(qualified.out() + qualified.err()).isZero();
    }

    @Test
    void explainNamesTheServiceFileAndLine() throws IOException {
        Path f = service();
        CliRun r = CliRun.of("explain", "-f", f.toString(), "--set", REGISTRY_ONLY, "--from", "default/sleep",
                "http://db:5432/");
        assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
        // the resource starts on line 2 (apiVersion), its port 5432 (the list item) on line 10
        assertThat(r.out()).contains("Service default/db  (" + f + ":2:1)")
                .contains("applied   Service default/db  (" + f + ":10:5)")
                .contains("Service default/db defines db.default.svc.cluster.local, which db stands for from"
                        + " namespace default");
    }

    @Test
    void aBadServiceIsAnErrorAtItsLine() throws IOException {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, SERVICE.replace("name: tcp-postgres", "name: TCP_postgres"));
        CliRun r = CliRun.of("check", "-f", f.toString(), "--from", "default/sleep", "http://db:5432/");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("(Service default/db " + f + ":10:").contains("port name \"TCP_postgres\"");
    }

    @Test
    void analyzeOnTheTutorialSaysTheSameWithAServiceAmongItsFiles() throws IOException {
        String[] base = {"analyze", "-f", "default=../examples/tutorial/sleep.yaml", "-f",
                "otherns=../examples/tutorial/sleep.yaml", "-f", "istio-system=../examples/tutorial/external-google-https.yaml"};
        CliRun without = CliRun.of(base);
        String[] with = java.util.Arrays.copyOf(base, base.length + 2);
        with[base.length] = "-f";
        with[base.length + 1] = service().toString();
        CliRun withService = CliRun.of(with);
        assertThat(without.out()).as("the README's example has findings to compare").contains("TG0110");
        assertThat(withService.exitCode()).as(withService.out() + withService.err()).isEqualTo(without.exitCode());
        assertThat(withService.out()).isEqualTo(without.out());
    }
}
