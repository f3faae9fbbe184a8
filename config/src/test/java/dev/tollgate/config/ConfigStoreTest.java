package dev.tollgate.config;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.CheckResult;
import dev.tollgate.core.snapshot.Explanation;
import dev.tollgate.core.snapshot.GatewayDecision;
import dev.tollgate.core.model.GatewayListener;
import dev.tollgate.core.snapshot.GatewayRequest;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.OutboundDecision;
import dev.tollgate.core.snapshot.OutboundRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The store keeps the last good snapshot when an edit breaks the configuration, and picks up the fix. */
class ConfigStoreTest {
    @TempDir
    Path dir;

    /** A trivial snapshot: it only holds its ConfigSet. */
    record TestSnapshot(ConfigSet config) implements MeshSnapshot {
        public OutboundDecision outbound(WorkloadRef from, OutboundRequest request) {
            throw new UnsupportedOperationException();
        }

        public List<GatewayListener> gatewayListeners(WorkloadRef gateway) {
            throw new UnsupportedOperationException();
        }

        public java.util.Optional<dev.tollgate.core.model.GatewayServerKind> gatewayServerKind(WorkloadRef gateway,
                int port, java.util.Optional<String> sni) {
            throw new UnsupportedOperationException();
        }

        public GatewayDecision gateway(WorkloadRef gateway, GatewayRequest request) {
            throw new UnsupportedOperationException();
        }

        public CheckResult check(WorkloadRef from, OutboundRequest request) {
            throw new UnsupportedOperationException();
        }

        public Explanation explain(WorkloadRef from, OutboundRequest request) {
            throw new UnsupportedOperationException();
        }

        public List<Diagnostic> analyze() {
            return List.of();
        }
    }

    private static final String GOOD = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata:
              name: google
            spec:
              hosts: [developers.google.com]
              resolution: DNS
              ports:
              - {number: 443, name: https, protocol: HTTPS}
            """;

    private ConfigStore store(Path source, Function<ConfigSet, MeshSnapshot> compiler) {
        return new ConfigStore(List.of(new ConfigSource(source, Optional.empty())), LoadOptions.DEFAULTS, compiler);
    }

    @Test
    void currentBeforeAnyGoodLoadThrows() {
        try (ConfigStore s = store(dir.resolve("missing.yaml"), TestSnapshot::new)) {
            assertThat(s.reload().ok()).isFalse();
            assertThatThrownBy(s::current).isInstanceOf(IllegalStateException.class);
            assertThat(s.reloadFailures()).isEqualTo(1);
        }
    }

    @Test
    void brokenEditKeepsTheLastGoodSnapshotAndAFixIsPickedUp() throws IOException {
        Path file = Fixtures.write(dir, "se.yaml", GOOD);
        try (ConfigStore s = store(file, TestSnapshot::new)) {
            assertThat(s.reload().ok()).isTrue();
            MeshSnapshot first = s.current();
            assertThat(first.config().serviceEntries()).hasSize(1);

            Files.writeString(file, GOOD.replace("hosts:", "host:"));
            LoadResult broken = s.reload();
            assertThat(broken.ok()).isFalse();
            assertThat(s.current()).isSameAs(first);
            assertThat(s.lastResult()).hasValue(broken);
            assertThat(s.reloadFailures()).isEqualTo(1);

            Files.writeString(file, GOOD.replace("google", "yahoo"));
            assertThat(s.reload().ok()).isTrue();
            assertThat(s.current().config().serviceEntries().get(0).name()).isEqualTo("yahoo");
            assertThat(s.reloads()).isEqualTo(2);
        }
    }

    @Test
    void compilerExceptionIsAFailedReloadNotACrash() {
        Path file = Fixtures.write(dir, "se.yaml", GOOD);
        int[] calls = {0};
        try (ConfigStore s = store(file, set -> {
            if (calls[0]++ > 0) {
                throw new IllegalStateException("boom");
            }
            return new TestSnapshot(set);
        })) {
            s.reload();
            MeshSnapshot good = s.current();
            LoadResult failed = s.reload();
            assertThat(failed.ok()).isFalse();
            assertThat(failed.errors()).singleElement().satisfies(d -> {
                assertThat(d.code()).isEqualTo("compile-failed");
                assertThat(d.message()).contains("boom");
            });
            assertThat(s.current()).isSameAs(good);
        }
    }

    @Test
    void listenersGetEveryNewSnapshotButNotFailures() throws IOException {
        Path file = Fixtures.write(dir, "se.yaml", GOOD);
        List<MeshSnapshot> seen = new CopyOnWriteArrayList<>();
        try (ConfigStore s = store(file, TestSnapshot::new)) {
            s.addListener(seen::add);
            s.reload();
            Files.writeString(file, "not: [valid");
            s.reload();
            assertThat(seen).containsExactly(s.current());
        }
    }

    @Test
    void pollReloadsOnlyWhenContentChanges() throws IOException {
        Path file = Fixtures.write(dir, "se.yaml", GOOD);
        try (ConfigStore s = store(file, TestSnapshot::new)) {
            s.reload();
            s.poll();
            assertThat(s.reloads()).isEqualTo(1);
            Files.writeString(file, GOOD.replace("google", "google-two"));
            s.poll();
            assertThat(s.reloads()).isEqualTo(2);
            assertThat(s.current().config().serviceEntries().get(0).name()).isEqualTo("google-two");
        }
    }

    @Test
    void pollSeesFilesAddedToAndRemovedFromAFolder() throws IOException {
        Path folder = dir.resolve("conf");
        Fixtures.write(folder, "a.yaml", GOOD);
        try (ConfigStore s = store(folder, TestSnapshot::new)) {
            s.reload();
            Path added = Fixtures.write(folder, "b.yaml", GOOD.replace("google", "yahoo"));
            s.poll();
            assertThat(s.current().config().serviceEntries()).hasSize(2);
            Files.delete(added);
            s.poll();
            assertThat(s.current().config().serviceEntries()).hasSize(1);
            assertThat(s.reloads()).isEqualTo(3);
        }
    }

    @Test
    void watchReloadsInTheBackground() throws Exception {
        Path file = Fixtures.write(dir, "se.yaml", GOOD);
        CountDownLatch changed = new CountDownLatch(1);
        try (ConfigStore s = store(file, TestSnapshot::new)) {
            s.reload();
            s.addListener(snap -> {
                if (snap.config().serviceEntries().get(0).name().equals("watched")) {
                    changed.countDown();
                }
            });
            s.watch(Duration.ofMillis(20));
            Files.writeString(file, GOOD.replace("google", "watched"));
            assertThat(changed.await(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void statusSaysSinceWhenTheConfigurationInForceIsStaleAndWhy() throws IOException {
        Path file = Fixtures.write(dir, "se.yaml", GOOD);
        dev.tollgate.testkit.MutableClock clock = new dev.tollgate.testkit.MutableClock(
                java.time.Instant.parse("2025-01-01T00:00:00Z"));
        try (ConfigStore s = new ConfigStore(List.of(new ConfigSource(file, Optional.empty())), LoadOptions.DEFAULTS,
                TestSnapshot::new, clock)) {
            java.time.Instant loaded = clock.instant();
            s.reload();
            assertThat(s.status()).isEqualTo(new ConfigStatus(Optional.of(loaded), Optional.empty(),
                    Optional.empty()));

            clock.set(loaded.plusSeconds(60));
            Files.writeString(file, GOOD.replace("hosts:", "host:"));
            s.reload();
            ConfigStatus stale = s.status();
            assertThat(stale.lastReloadOk()).isFalse();
            assertThat(stale.loadedAt()).as("the snapshot in force is still the first").hasValue(loaded);
            assertThat(stale.failingSince()).hasValue(loaded.plusSeconds(60));
            assertThat(stale.firstError()).hasValueSatisfying(e ->
                    assertThat(e).startsWith("Error [unknown-field] (ServiceEntry ")
                            .contains(file + ":6:3) ").contains("\"host\""));

            clock.set(loaded.plusSeconds(120));
            Files.writeString(file, GOOD.replace("hosts:", "hostz:"));
            s.reload();
            assertThat(s.status().failingSince()).as("stale since the first failure, not the latest")
                    .hasValue(loaded.plusSeconds(60));
            assertThat(s.status().firstError()).hasValueSatisfying(e -> assertThat(e).contains("\"hostz\""));

            clock.set(loaded.plusSeconds(180));
            Files.writeString(file, GOOD);
            s.reload();
            assertThat(s.status()).isEqualTo(new ConfigStatus(Optional.of(loaded.plusSeconds(180)),
                    Optional.empty(), Optional.empty()));
        }
    }

    @Test
    void aFileOverTheLimitCountsAsALimitRejectionAndIsNotHashedWhole() throws IOException {
        Path folder = dir.resolve("conf");
        Fixtures.write(folder, "a.yaml", GOOD);
        LoadOptions small = new LoadOptions("default", java.util.Map.of(), new YamlLimits(4096, 1024));
        try (ConfigStore s = new ConfigStore(List.of(new ConfigSource(folder, Optional.empty())), small,
                TestSnapshot::new)) {
            s.reload();
            MeshSnapshot good = s.current();
            Path big = Fixtures.write(folder, "big.yaml", "# " + "x".repeat(5000) + "\n");
            s.poll();
            assertThat(s.current()).isSameAs(good);
            assertThat(s.limitRejections("file-too-large")).isEqualTo(1);
            assertThat(s.limitRejections("scalar-too-large")).isZero();
            assertThat(s.status().firstError()).hasValueSatisfying(e -> assertThat(e)
                    .startsWith("Error [file-too-large] (" + big + ") " + big + " is 5003 bytes, larger than the limit "
                            + "of 4 KiB per file"));
            String before = s.fingerprint();
            Files.writeString(big, "# " + "y".repeat(5000) + "\n");
            Files.setLastModifiedTime(big, java.nio.file.attribute.FileTime.fromMillis(
                    Files.getLastModifiedTime(big).toMillis() + 5000));
            assertThat(s.fingerprint()).as("size and time stand for an over-limit file").isNotEqualTo(before);
        }
    }
}
