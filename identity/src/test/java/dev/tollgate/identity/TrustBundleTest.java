package dev.tollgate.identity;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A root file re-read when it changes; a broken change keeps the last good roots. */
class TrustBundleTest {

    final X509Certificate oldRoot = MeshCa.generate("cluster.local").rootCertificate();
    final X509Certificate newRoot = MeshCa.generate("cluster.local").rootCertificate();

    @Test
    void takesAChangedFileOnceTwoReadsAgree(@TempDir Path dir) throws Exception {
        Path pem = dir.resolve("root-cert.pem");
        Files.writeString(pem, PemFiles.toPem(List.of(oldRoot)));
        try (TrustBundle bundle = TrustBundle.watch(pem, Duration.ofHours(1))) {
            List<X509Certificate> seen = new CopyOnWriteArrayList<>();
            bundle.addListener(seen::addAll);
            List<X509Certificate> before = bundle.roots();
            assertThat(before).containsExactly(oldRoot);
            assertThat(bundle.poll()).isFalse();
            assertThat(bundle.roots()).isSameAs(before);

            Files.writeString(pem, PemFiles.toPem(List.of(newRoot, oldRoot)));
            assertThat(bundle.poll()).as("first sight of new content waits for a second read").isFalse();
            assertThat(bundle.roots()).containsExactly(oldRoot);
            assertThat(bundle.poll()).isTrue();
            assertThat(bundle.roots()).containsExactly(newRoot, oldRoot);
            assertThat(seen).containsExactly(newRoot, oldRoot);
            assertThat(bundle.reloads()).isEqualTo(1);
        }
    }

    @Test
    void aBrokenChangeKeepsTheLastGoodRootsAndALaterGoodOneIsTaken(@TempDir Path dir) throws Exception {
        Path pem = dir.resolve("root-cert.pem");
        Files.writeString(pem, PemFiles.toPem(List.of(oldRoot, newRoot)));
        try (TrustBundle bundle = TrustBundle.watch(pem, Duration.ofHours(1))) {
            String truncated = PemFiles.toPem(List.of(oldRoot)) + "-----BEGIN CERTIFICATE-----\nMIIB";
            for (String broken : List.of("", "not pem at all", truncated)) {
                Files.writeString(pem, broken);
                bundle.poll();
                bundle.poll();
                assertThat(bundle.roots()).as("after %s", broken).containsExactly(oldRoot, newRoot);
            }
            assertThat(bundle.reloadFailures()).isEqualTo(3);
            Files.delete(pem);
            bundle.poll();
            bundle.poll();
            assertThat(bundle.roots()).containsExactly(oldRoot, newRoot);
            assertThat(bundle.reloadFailures()).as("an unreadable file is counted once").isEqualTo(4);

            Files.writeString(pem, PemFiles.toPem(List.of(newRoot)));
            bundle.poll();
            assertThat(bundle.poll()).isTrue();
            assertThat(bundle.roots()).containsExactly(newRoot);
        }
    }

    @Test
    void aLeafIsNeverTakenAsARoot(@TempDir Path dir) throws Exception {
        MeshCa ca = MeshCa.generate("cluster.local");
        X509Certificate leaf = ca.issueWorkload("default", "sleep", Duration.ofHours(1)).certificate();
        Path pem = dir.resolve("root-cert.pem");
        Files.writeString(pem, PemFiles.toPem(List.of(ca.rootCertificate(), leaf)));
        assertThatThrownBy(() -> TrustBundle.watch(pem)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a CA certificate");
        Files.writeString(pem, PemFiles.toPem(List.of(ca.rootCertificate())));
        try (TrustBundle bundle = TrustBundle.watch(pem, Duration.ofHours(1))) {
            Files.writeString(pem, PemFiles.toPem(List.of(ca.rootCertificate(), leaf)));
            bundle.poll();
            bundle.poll();
            assertThat(bundle.roots()).containsExactly(ca.rootCertificate());
            assertThat(bundle.reloadFailures()).isEqualTo(1);
        }
    }

    @Test
    void theBackgroundPollerFollowsTheFile(@TempDir Path dir) throws Exception {
        Path pem = dir.resolve("root-cert.pem");
        Files.writeString(pem, PemFiles.toPem(List.of(oldRoot)));
        try (TrustBundle bundle = TrustBundle.watch(pem, Duration.ofMillis(20))) {
            // as a ConfigMap volume changes: a new file renamed over the old one
            Path tmp = dir.resolve(".tmp");
            Files.writeString(tmp, PemFiles.toPem(List.of(oldRoot, newRoot)));
            Files.move(tmp, pem, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (bundle.roots().size() != 2 && System.nanoTime() < until) {
                Thread.sleep(10);
            }
            assertThat(bundle.roots()).containsExactly(oldRoot, newRoot);
        }
    }

    @Test
    void fixedRootsNeverChange() {
        TrustBundle fixed = TrustBundle.of(List.of(oldRoot));
        assertThat(fixed.poll()).isFalse();
        assertThat(fixed.file()).isEmpty();
        assertThatThrownBy(() -> TrustBundle.of(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
