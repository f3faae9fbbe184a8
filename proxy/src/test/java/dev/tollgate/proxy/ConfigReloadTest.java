package dev.tollgate.proxy;

import dev.tollgate.config.ConfigSource;
import dev.tollgate.config.ConfigStore;
import dev.tollgate.config.LoadOptions;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sidecar on the real configuration store and compiler: the Istio egress tutorial's switch from ALLOW_ANY to REGISTRY_ONLY made
 * by editing a watched IstioOperator file, a broken file keeping the last good snapshot, and rewrites under load.
 */
class ConfigReloadTest {
    static Rig rig;
    static Path config;
    static ConfigStore store;
    static Sidecar sidecar;
    static HttpClient client;

    static final String ALLOW_ANY = """
            apiVersion: install.istio.io/v1alpha1
            kind: IstioOperator
            metadata: {name: mesh, namespace: istio-system}
            spec:
              meshConfig:
                outboundTrafficPolicy: {mode: ALLOW_ANY}
            """;

    @BeforeAll
    static void start() throws Exception {
        rig = new Rig();
        config = Files.createDirectories(rig.dir.resolve("config"));
        Files.writeString(config.resolve("mesh.yaml"), ALLOW_ANY);
        store = new ConfigStore(List.of(new ConfigSource(config, Optional.empty())), LoadOptions.DEFAULTS,
                SnapshotCompiler::compile);
        assertThat(store.reload().ok()).isTrue();
        store.watch(Duration.ofMillis(50));
        sidecar = rig.startSidecar(Rig.DEFAULT_SLEEP, false, store::current);
        client = rig.client(sidecar);
    }

    @AfterAll
    static void stop() throws Exception {
        store.close();
        rig.close();
    }

    static int status(String url) throws Exception {
        return Rig.get(client, url).statusCode();
    }

    /** Waits (up to 10 s) until the watcher has applied a change the requests can see. */
    static void awaitStatus(String url, int expected) throws Exception {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < until && status(url) != expected) {
            Thread.sleep(50);
        }
        assertThat(status(url)).isEqualTo(expected);
    }

    @Test
    void editingTheMeshSettingsSwitchesToRegistryOnlyAndABrokenFileKeepsTheLastGood() throws Exception {
        try {
            awaitStatus("http://plain.example/a1", 200);
            Files.writeString(config.resolve("mesh.yaml"), ALLOW_ANY.replace("ALLOW_ANY", "REGISTRY_ONLY"));
            awaitStatus("http://plain.example/a2", 502);
            HttpResponse<String> refused = Rig.get(client, "http://plain.example/a2");
            assertThat(refused.body()).contains("REGISTRY_ONLY");
            long failures = store.reloadFailures();
            Files.writeString(config.resolve("broken.yaml"), "kind: [unclosed\n");
            long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (store.reloadFailures() == failures && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            assertThat(store.reloadFailures()).isGreaterThan(failures);
            assertThat(status("http://plain.example/a3")).as("the last good snapshot stays").isEqualTo(502);
        } finally {
            Files.deleteIfExists(config.resolve("broken.yaml"));
            Files.writeString(config.resolve("mesh.yaml"), ALLOW_ANY);
            awaitStatus("http://plain.example/a4", 200);
        }
    }

    @Test
    void rewritingTheConfigurationUnderLoadLosesNoRequest() throws Exception {
        awaitStatus("http://plain.example/b0", 200);
        // the first ServiceEntry a JVM loads and compiles is cold (1.7-1.9 s on a busy 2-core machine), longer than
        // the writer below runs: pay it first, so that the count below measures reloads under load, not warm-up
        long before = store.reloads();
        Files.writeString(config.resolve("extra.yaml"), """
                apiVersion: networking.istio.io/v1beta1
                kind: ServiceEntry
                metadata: {name: extra, namespace: default}
                spec:
                  hosts: [warm.example]
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  resolution: DNS
                """);
        long warm = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (store.reloads() == before && System.nanoTime() < warm) {
            Thread.sleep(20);
        }
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<Integer>> results = new ArrayList<>();
        long reloadsBefore = store.reloads();
        Thread writer = Thread.ofPlatform().start(() -> {
            try {
                for (int i = 0; i < 20; i++) {
                    // two equivalent ALLOW_ANY configurations, alternating, so every request must pass
                    long seen = store.reloads();
                    Files.writeString(config.resolve("extra.yaml"), """
                            apiVersion: networking.istio.io/v1beta1
                            kind: ServiceEntry
                            metadata: {name: extra, namespace: default}
                            spec:
                              hosts: [extra%d.example]
                              ports: [{number: 80, name: http, protocol: HTTP}]
                              resolution: DNS
                            """.formatted(i));
                    // wait for this version to be in force before writing the next, so that every write is a
                    // reload however slow a loaded machine is (a poll may otherwise see only the last of several)
                    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                    while (store.reloads() == seen && System.nanoTime() < until) {
                        Thread.sleep(10);
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            // requests keep coming for as long as the configuration is being rewritten
            for (int i = 0; i < 150 || writer.isAlive(); i++) {
                String url = "http://plain.example/load" + i;
                results.add(pool.submit(() -> status(url)));
                if (i >= 150) {
                    Thread.sleep(5);
                }
            }
            List<Integer> codes = new ArrayList<>();
            for (Future<Integer> f : results) {
                codes.add(f.get());
            }
            assertThat(codes).hasSizeGreaterThanOrEqualTo(150).containsOnly(200);
        } finally {
            writer.join();
            pool.shutdownNow();
            Files.deleteIfExists(config.resolve("extra.yaml"));
        }
        assertThat(store.reloads() - reloadsBefore).isGreaterThanOrEqualTo(20);
    }
}
