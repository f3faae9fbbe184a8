package dev.tollgate.proxy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tollgate.config.ConfigSource;
import dev.tollgate.config.ConfigStore;
import dev.tollgate.config.LoadOptions;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile files dropped into a watched configuration folder (issue 6, 1.9 and 1.10): a 16 MiB file, a binary file.
 * The sidecar keeps serving with the last good configuration (fail closed: a broken folder never half-applies), and
 * the staleness is visible: {@code /ready} stays 200 but names the error with its file, the metrics say the last
 * reload failed and how old the configuration in force is, and the log says it once, not on every reload.
 */
class HostileConfigReloadTest {
    static final String MESH = """
            apiVersion: install.istio.io/v1alpha1
            kind: IstioOperator
            metadata: {name: mesh, namespace: istio-system}
            spec:
              meshConfig:
                outboundTrafficPolicy: {mode: %s}
            """;

    static Rig rig;
    static Path config;
    static ConfigStore store;
    static Sidecar sidecar;
    static HttpClient client;
    static HttpClient admin = HttpClient.newHttpClient();
    final ListAppender<ILoggingEvent> logged = new ListAppender<>();

    @BeforeAll
    static void start() throws Exception {
        rig = new Rig();
        config = Files.createDirectories(rig.dir.resolve("config"));
        Files.writeString(config.resolve("mesh.yaml"), MESH.formatted("ALLOW_ANY"));
        store = new ConfigStore(List.of(new ConfigSource(config, Optional.empty())), LoadOptions.DEFAULTS,
                SnapshotCompiler::compile);
        assertThat(store.reload().ok()).isTrue();
        store.watch(Duration.ofMillis(100));
        SidecarSettings s = SidecarSettings.defaults(Rig.DEFAULT_SLEEP, rig.mesh.identity(rig.mesh.workload(Rig.TD,
                        "default", "sleep")))
                .withListen(new InetSocketAddress("127.0.0.1", 0))
                .withHosts(HostMap.parse(List.of(), List.of("plain.example::127.0.0.1:" + rig.plainPort())))
                .withAdmin(Optional.of(new InetSocketAddress("127.0.0.1", 0)))
                .withAccessLog(rig.log::add)
                .withIoThreads(1)
                .withReloads(ReloadStats.of(store));
        sidecar = Sidecar.start(s, store::current);
        rig.sidecars.add(sidecar);
        client = rig.client(sidecar);
    }

    @AfterAll
    static void stop() throws Exception {
        store.close();
        rig.close();
    }

    @BeforeEach
    void captureTheStoresLog() {
        logged.start();
        ((Logger) LoggerFactory.getLogger(ConfigStore.class)).addAppender(logged);
    }

    @AfterEach
    void restore() throws Exception {
        ((Logger) LoggerFactory.getLogger(ConfigStore.class)).detachAppender(logged);
        try (var files = Files.list(config)) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().equals("mesh.yaml")) {
                    Files.delete(f);
                }
            }
        }
        Files.writeString(config.resolve("mesh.yaml"), MESH.formatted("ALLOW_ANY"));
        await(() -> store.status().lastReloadOk() && store.current().config().mesh().outboundMode().name()
                .equals("ALLOW_ANY"));
    }

    @Test
    void aSixteenMegabyteFileKeepsTheLastGoodConfigurationAndIsVisibleOnceInLogAndReady() throws Exception {
        assertThat(get("http://plain.example/before").statusCode()).isEqualTo(200);
        long failures = store.reloadFailures();
        Path huge = config.resolve("huge.yaml");
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(16L << 20);
        }
        await(() -> store.reloadFailures() > failures);
        // a stricter mesh beside it: the folder is still refused as a whole, and the error is the same
        Files.writeString(config.resolve("mesh.yaml"), MESH.formatted("REGISTRY_ONLY"));
        await(() -> store.reloadFailures() > failures + 1);

        HttpResponse<String> during = get("http://plain.example/during");
        assertThat(during.statusCode()).as("the last good configuration (ALLOW_ANY) is in force").isEqualTo(200);
        assertThat(rig.upstreamSaw).contains("GET plain.example /during");

        HttpResponse<String> ready = adminGet("/ready");
        assertThat(ready.statusCode()).as("stale is still ready: every replica sees the same file").isEqualTo(200);
        assertThat(ready.body()).matches("ready; config stale since \\S+Z \\(\\d+ failed reloads; in force: "
                + "loaded at \\S+Z\\): " + java.util.regex.Pattern.quote("Error [file-too-large] (" + huge + ") " + huge
                + " is 16777216 bytes, larger than the limit of 4 MiB per file (--max-config-file-size); "
                + "Kubernetes stores an object in at most 1.5 MiB") + "\n");

        String metrics = adminGet("/metrics").body();
        assertThat(value(metrics, "tollgate_config_last_reload_success")).isZero();
        assertThat(value(metrics, "tollgate_config_reload_failures_total")).isGreaterThanOrEqualTo(failures + 2);
        assertThat(value(metrics, "tollgate_limit_rejections_total", "limit=\"config_file_size\""))
                .isGreaterThanOrEqualTo(2);
        assertThat(value(metrics, "tollgate_limit_rejections_total", "limit=\"yaml_scalar_size\""))
                .isEqualTo(store.limitRejections("scalar-too-large"));
        assertThat(value(metrics, "tollgate_config_age_seconds")).isGreaterThanOrEqualTo(0);

        List<String> warnings = logged.list.stream().filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(warnings).as("two failed reloads with the same error are logged once").singleElement()
                .satisfies(w -> assertThat(w).contains("file-too-large").contains(huge.toString())
                        .hasSizeLessThan(2000));

        Files.delete(huge);
        await(() -> store.status().lastReloadOk());
        HttpResponse<String> after = get("http://plain.example/after");
        assertThat(after.statusCode()).as("the stricter mesh applies once the folder is valid").isEqualTo(502);
        assertThat(after.body()).contains("REGISTRY_ONLY");
        assertThat(rig.upstreamSaw).doesNotContain("GET plain.example /after");
        assertThat(adminGet("/ready").body()).isEqualTo("ready\n");
        assertThat(value(adminGet("/metrics").body(), "tollgate_config_last_reload_success")).isEqualTo(1);
        assertThat(logged.list).anySatisfy(e -> assertThat(e.getFormattedMessage())
                .startsWith("configuration reloaded; it had been stale since"));
    }

    @Test
    void aBinaryFileIsNamedWithItsFirstBadByte() throws Exception {
        Path png = config.resolve("logo.yaml");
        long failures = store.reloadFailures();
        Files.write(png, new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        await(() -> store.reloadFailures() > failures);
        HttpResponse<String> ready = adminGet("/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).startsWith("ready; config stale since ").endsWith("): Error [not-utf8] (" + png
                + ":1:1) " + png + " is not UTF-8 text (byte 0x89 at offset 0, line 1); YAML files "
                + "must be UTF-8\n");
        assertThat(get("http://plain.example/binary").statusCode()).isEqualTo(200);
    }

    @Test
    void aHugeValueIsRefusedAtItsLineAndNotEchoed() throws Exception {
        Path file = config.resolve("long.yaml");
        long failures = store.reloadFailures();
        Files.writeString(file, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  k: "
                + "v".repeat((1 << 20) + 10) + "\n");
        await(() -> store.reloadFailures() > failures);
        String body = adminGet("/ready").body();
        assertThat(body).endsWith("): Error [scalar-too-large] (" + file + ":5:6) YAML value of 1048586 characters "
                + "is longer than the limit of 1048576 (--max-yaml-scalar-size)\n");
        assertThat(value(adminGet("/metrics").body(), "tollgate_limit_rejections_total",
                "limit=\"yaml_scalar_size\"")).isGreaterThanOrEqualTo(1);
    }

    static HttpResponse<String> get(String url) throws Exception {
        return Rig.get(client, url);
    }

    static HttpResponse<String> adminGet(String path) throws Exception {
        return Rig.get(admin, "http://127.0.0.1:" + sidecar.adminAddress().orElseThrow().getPort() + path);
    }

    static double value(String metrics, String name, String... tags) {
        List<String> lines = metrics.lines().filter(l -> l.startsWith(name + "{"))
                .filter(l -> java.util.Arrays.stream(tags).allMatch(l::contains)).toList();
        assertThat(lines).as(name + " " + List.of(tags) + " in\n" + metrics).hasSize(1);
        String line = lines.getFirst();
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }

    static void await(BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out waiting for the watcher").isLessThan(until);
            Thread.sleep(20);
        }
    }
}
