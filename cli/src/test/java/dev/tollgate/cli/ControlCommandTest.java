package dev.tollgate.cli;

import dev.tollgate.identity.MeshCa;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tollgate control} against fabric8's mock API server (CRUD mode), through a kubeconfig as a user would give
 * it: unready (503) while the API server fails to list pods, ready once the informers have synced, /metrics in
 * Prometheus' format, and a missing CA Secret stops it at start with a clear error.
 */
class ControlCommandTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void startsUnreadyAndIsReadyOnceTheWatchHasSynced(@TempDir Path dir) throws Exception {
        AtomicReference<Boolean> failing = new AtomicReference<>(true);
        KubernetesCrudDispatcher dispatcher = new KubernetesCrudDispatcher(List.of()) {
            @Override
            public MockResponse handleGet(String path) {
                if (failing.get() && path.startsWith("/api/v1/pods")) {
                    return new MockResponse().setResponseCode(503).setBody("{}".getBytes());
                }
                return super.handleGet(path);
            }
        };
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                dispatcher, false);
        server.init();
        try (KubernetesClient client = server.createClient()) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("tollgate-system")
                    .endMetadata().build()).create();
            MeshCa.init(dir.resolve("ca"), "cluster.local");
            client.secrets().inNamespace("tollgate-system").resource(new SecretBuilder().withNewMetadata()
                    .withName("tollgate-ca").endMetadata()
                    .addToData("ca.crt", base64(dir.resolve("ca/ca-cert.pem")))
                    .addToData("ca.key", base64(dir.resolve("ca/ca-key.pem"))).build()).create();
            Path kubeconfig = kubeconfig(dir, client.getMasterUrl().toString());

            Running control = Running.start("--kubeconfig", kubeconfig.toString(), "--listen", "127.0.0.1:0",
                    "--admin", "127.0.0.1:0");
            try {
                String admin = control.adminAddress();
                assertThat(get(admin, "/healthz").statusCode()).isEqualTo(200);
                Thread.sleep(1500);
                HttpResponse<String> unready = get(admin, "/ready");
                assertThat(unready.statusCode()).as("not synced while pods cannot be listed").isEqualTo(503);
                assertThat(unready.body()).contains("not synced");

                failing.set(false);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
                HttpResponse<String> ready = get(admin, "/ready");
                while (ready.statusCode() != 200 && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                    ready = get(admin, "/ready");
                }
                assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
                assertThat(ready.body()).contains("synced: snapshot 1");
                HttpResponse<String> metrics = get(admin, "/metrics");
                assertThat(metrics.body()).contains("tollgate_config_proxies{kind=\"sidecar\"} 0",
                        "tollgate_config_push_total{result=\"nack\"} 0");
                assertThat(get(admin, "/config_dump").statusCode()).isEqualTo(404);
            } finally {
                assertThat(control.stop()).isZero();
            }
        } finally {
            server.destroy();
        }
    }

    @Test
    void withoutTheCaSecretItDoesNotStart(@TempDir Path dir) throws Exception {
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(List.of()), false);
        server.init();
        try (KubernetesClient client = server.createClient()) {
            Path kubeconfig = kubeconfig(dir, client.getMasterUrl().toString());
            StringWriter err = new StringWriter();
            CommandLine cl = new CommandLine(new ControlCommand());
            cl.setErr(new PrintWriter(err, true));
            int exit = cl.execute("--kubeconfig", kubeconfig.toString(), "--listen", "127.0.0.1:0", "--admin",
                    "127.0.0.1:0");
            assertThat(exit).isNotZero();
            assertThat(err.toString()).contains("Secret tollgate-system/tollgate-ca does not exist");
        } finally {
            server.destroy();
        }
    }

    @Test
    void aMissingKubeconfigIsAUsageError() {
        CliRun r = CliRun.of("control", "--kubeconfig", "/nonexistent/kubeconfig");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--kubeconfig /nonexistent/kubeconfig: no such file");
    }

    @Test
    void theServingCertificateCarriesTheServiceNameWithAndWithoutTheClusterDomain() {
        assertThat(ControlCommand.serverNames("tollgate-control.tollgate-system.svc")).containsExactly(
                "tollgate-control.tollgate-system.svc", "tollgate-control.tollgate-system.svc.cluster.local");
        assertThat(ControlCommand.serverNames("control.example.org")).containsExactly("control.example.org");
    }

    /** The command on a thread of its own, stopped as a signal would stop it. */
    record Running(CompletableFuture<Integer> exit, StringWriter err, AtomicReference<Runnable> stopper) {
        static Running start(String... args) throws Exception {
            ControlCommand command = new ControlCommand();
            AtomicReference<Runnable> stopper = new AtomicReference<>();
            command.onStarted = stopper::set;
            StringWriter err = new StringWriter();
            CommandLine cl = new CommandLine(command);
            cl.setErr(new PrintWriter(err, true));
            // a thread of its own: it runs until stopped, and on the common pool it would starve every other task there
            CompletableFuture<Integer> exit = new CompletableFuture<>();
            Thread.ofPlatform().name("tollgate control").daemon().start(() -> exit.complete(cl.execute(args)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (stopper.get() == null && !exit.isDone() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(exit.isDone()).as("it runs: %s", err).isFalse();
            assertThat(stopper.get()).as("started: %s", err).isNotNull();
            return new Running(exit, err, stopper);
        }

        String adminAddress() {
            Matcher m = Pattern.compile("admin on /?([0-9.]+:[0-9]+)").matcher(err.toString());
            assertThat(m.find()).as(err.toString()).isTrue();
            return m.group(1);
        }

        int stop() throws Exception {
            stopper.get().run();
            return exit.get(20, TimeUnit.SECONDS);
        }
    }

    static HttpResponse<String> get(String address, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + address + path)).timeout(Duration.ofSeconds(5))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    static String base64(Path file) throws Exception {
        return Base64.getEncoder().encodeToString(Files.readAllBytes(file));
    }

    static Path kubeconfig(Path dir, String url) throws Exception {
        return Files.writeString(dir.resolve("kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters:
                - name: mock
                  cluster: {server: "%s", insecure-skip-tls-verify: true}
                users:
                - name: tester
                  user: {token: test-token}
                contexts:
                - name: mock
                  context: {cluster: mock, user: tester, namespace: default}
                current-context: mock
                """.formatted(url), StandardCharsets.UTF_8);
    }
}
