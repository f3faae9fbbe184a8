package dev.tollgate.control.ca;

import dev.tollgate.identity.MeshCa;
import dev.tollgate.identity.PemFiles;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The CA Secret during a root rotation: a key of roots trusted without signing, clear errors for every malformed
 * change, and a watch that takes good changes and keeps the last good CA through bad ones and a deletion.
 */
class CaSecretRotationTest {

    static final String NS = "tollgate-system";
    static final String WHERE = "Secret tollgate-system/tollgate-ca";

    /** A root made as an operator makes it ({@code tollgate ca init}), with its PEM text. */
    record Root(MeshCa ca, String cert, String key) {
        static Root init(Path dir) throws Exception {
            MeshCa ca = MeshCa.init(dir, "cluster.local");
            return new Root(ca, Files.readString(dir.resolve(MeshCa.CERT_FILE)), Files.readString(dir.resolve(MeshCa.KEY_FILE)));
        }

        X509Certificate root() {
            return ca.rootCertificate();
        }
    }

    KubernetesMockServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.destroy();
        }
    }

    @Test
    void trustedRootsAreTrustedButNeverSign(@TempDir Path a, @TempDir Path b, @TempDir Path c) throws Exception {
        Root old = Root.init(a);
        Root next = Root.init(b);
        Root third = Root.init(c);
        CaBundle bundle = CaSecret.parse(secret(next.cert, next.key, old.cert + third.cert), WHERE);

        assertThat(bundle.signing().rootCertificate()).isEqualTo(next.root());
        assertThat(bundle.roots()).containsExactly(next.root(), old.root(), third.root());
        assertThat(PemFiles.parseCertificates(bundle.rootsPem(), "pem")).containsExactly(next.root(), old.root(), third.root());
        // the signing root repeated among the trusted ones is listed once
        assertThat(CaSecret.parse(secret(old.cert, old.key, old.cert + next.cert), WHERE).roots())
                .containsExactly(old.root(), next.root());
        // an empty entry (kubectl create secret --from-literal=trusted-roots.crt=) is no extra root
        assertThat(CaSecret.parse(secret(old.cert, old.key, "  \n"), WHERE).roots()).containsExactly(old.root());
    }

    @Test
    void everyMalformedSecretIsAClearError(@TempDir Path a, @TempDir Path b) throws Exception {
        Root old = Root.init(a);
        Root next = Root.init(b);
        String leaf = PemFiles.toPem(List.of(old.ca.issueWorkload("default", "sleep", Duration.ofHours(1)).certificate()));
        String truncated = next.cert.substring(0, next.cert.length() / 2);

        assertThatThrownBy(() -> CaSecret.parse(secret(null, old.key, null), WHERE))
                .hasMessageContaining("has no 'ca.crt' entry");
        assertThatThrownBy(() -> CaSecret.parse(secret(old.cert, null, null), WHERE))
                .hasMessageContaining("has no 'ca.key' entry");
        assertThatThrownBy(() -> CaSecret.parse(secret("not a certificate", old.key, null), WHERE))
                .hasMessageContaining(WHERE + " (certificate)");
        assertThatThrownBy(() -> CaSecret.parse(secret(old.cert, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", null), WHERE))
                .hasMessageContaining(WHERE + " (key)");
        // the new root with the old key: the classic slip of a rotation
        assertThatThrownBy(() -> CaSecret.parse(secret(next.cert, old.key, null), WHERE))
                .hasMessageContaining("is not the key of");
        assertThatThrownBy(() -> CaSecret.parse(secret(old.cert + next.cert, old.key, null), WHERE))
                .hasMessageContaining("'ca.crt' holds 2 certificates").hasMessageContaining("trusted-roots.crt");
        assertThatThrownBy(() -> CaSecret.parse(secret(old.cert, old.key, next.cert + truncated), WHERE))
                .hasMessageContaining("(trusted-roots.crt)").hasMessageContaining("truncated");
        assertThatThrownBy(() -> CaSecret.parse(secret(old.cert, old.key, leaf), WHERE))
                .hasMessageContaining("is not a CA certificate");
        assertThatThrownBy(() -> CaSecret.parse(secret(old.cert, old.key, "garbage"), WHERE))
                .hasMessageContaining("(trusted-roots.crt)");
        Secret notBase64 = secret(old.cert, old.key, null);
        notBase64.getData().put(CaSecret.TRUSTED_KEY, "%%%");
        assertThatThrownBy(() -> CaSecret.parse(notBase64, WHERE)).hasMessageContaining("'trusted-roots.crt' is not base64");
    }

    @Test
    void theWatchTakesEachGoodChangeAndKeepsTheLastGoodCa(@TempDir Path a, @TempDir Path b, @TempDir Path c) throws Exception {
        Root old = Root.init(a);
        Root next = Root.init(b);
        Root unrelated = Root.init(c);
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(List.of()), false);
        server.init();
        KubernetesClient client = server.createClient();
        client.secrets().inNamespace(NS).resource(secret(old.cert, old.key, null)).create();

        try (CaSecretWatch watch = CaSecretWatch.start(client, NS, CaSecret.DEFAULT_NAME)) {
            List<CaBundle> seen = new CopyOnWriteArrayList<>();
            watch.addListener(seen::add);
            assertThat(watch.get().rootCertificate()).isEqualTo(old.root());

            // 1. trust both, the old one signing
            client.secrets().inNamespace(NS).resource(secret(old.cert, old.key, next.cert)).update();
            await(() -> watch.current().roots().size() == 2);
            assertThat(watch.get().rootCertificate()).isEqualTo(old.root());

            // a bad change (the new root with the old key) is refused: the CA in force stays
            client.secrets().inNamespace(NS).resource(secret(next.cert, old.key, old.cert)).update();
            await(() -> watch.reloadFailures() == 1);
            assertThat(watch.current().roots()).containsExactly(old.root(), next.root());

            // 2. switch signing
            client.secrets().inNamespace(NS).resource(secret(next.cert, next.key, old.cert)).update();
            await(() -> watch.get().rootCertificate().equals(next.root()));
            assertThat(watch.current().roots()).containsExactly(next.root(), old.root());
            assertThat(watch.get().signWorkload(new dev.tollgate.identity.SpiffeId("cluster.local", "default", "sleep"),
                    MeshCa.newWorkloadKeyPair().getPublic(), Duration.ofHours(1)).getLast()).isEqualTo(next.root());

            // a deletion keeps the CA in force
            client.secrets().inNamespace(NS).withName(CaSecret.DEFAULT_NAME).delete();
            await(() -> watch.reloadFailures() == 2);
            assertThat(watch.get().rootCertificate()).isEqualTo(next.root());

            // 3. drop the old root (the Secret made again, as kubectl apply after a delete would)
            client.secrets().inNamespace(NS).resource(secret(next.cert, next.key, null)).create();
            await(() -> watch.current().roots().size() == 1);
            assertThat(watch.current().roots()).containsExactly(next.root());
            assertThat(watch.current().roots()).doesNotContain(unrelated.root());
            assertThat(seen).hasSize(3);
            assertThat(watch.reloads()).isEqualTo(3);
        }
    }

    static void await(BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("the condition did not hold within 20 s");
            }
            Thread.sleep(20);
        }
    }

    static Secret secret(String cert, String key, String trusted) {
        SecretBuilder b = new SecretBuilder().withNewMetadata().withName(CaSecret.DEFAULT_NAME).withNamespace(NS).endMetadata()
                .withData(new HashMap<>());
        if (cert != null) {
            b.addToData(CaSecret.CERT_KEY, b64(cert));
        }
        if (key != null) {
            b.addToData(CaSecret.KEY_KEY, b64(key));
        }
        if (trusted != null) {
            b.addToData(CaSecret.TRUSTED_KEY, b64(trusted));
        }
        return b.build();
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.US_ASCII));
    }
}
