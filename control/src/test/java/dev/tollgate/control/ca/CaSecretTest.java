package dev.tollgate.control.ca;

import dev.tollgate.identity.MeshCa;
import dev.tollgate.identity.PemFiles;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The root comes from a Secret read with a single GET; anything missing is a clear error, never a new root. */
class CaSecretTest {

    static final String PATH = "/api/v1/namespaces/tollgate-system/secrets/tollgate-ca";

    final KubernetesMockServer server = new KubernetesMockServer(false);
    KubernetesClient client;

    @BeforeEach
    void start() {
        server.init(InetAddress.getLoopbackAddress(), 0);
        client = server.createClient(b -> b.editOrNewConfig().withRequestRetryBackoffLimit(0).endConfig());
    }

    @AfterEach
    void stop() {
        client.close();
        server.destroy();
    }

    @Test
    void loadsTheRootFromTheSecret(@TempDir Path dir) throws Exception {
        MeshCa created = MeshCa.init(dir, "example.org");
        server.expect().get().withPath(PATH).andReturn(200, secret(Files.readString(dir.resolve(MeshCa.CERT_FILE)),
                Files.readString(dir.resolve(MeshCa.KEY_FILE)))).once();

        MeshCa loaded = CaSecret.load(client, "tollgate-system", CaSecret.DEFAULT_NAME);

        assertThat(loaded.rootCertificate()).isEqualTo(created.rootCertificate());
        assertThat(loaded.trustDomain()).isEqualTo("example.org");
        assertThat(server.getRequestCount()).isEqualTo(1);
        assertThat(server.getLastRequest().getMethod()).isEqualTo("GET");
    }

    @Test
    void aMissingSecretIsAClearErrorAndNothingIsCreated() throws Exception {
        server.expect().get().withPath(PATH).andReturn(404, "{\"kind\":\"Status\",\"code\":404,\"reason\":\"NotFound\"}").once();

        assertThatThrownBy(() -> CaSecret.load(client, "tollgate-system", CaSecret.DEFAULT_NAME))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Secret tollgate-system/tollgate-ca does not exist")
                .hasMessageContaining("kubectl -n tollgate-system create secret generic tollgate-ca");
        assertThat(server.getRequestCount()).isEqualTo(1);
        assertThat(server.getLastRequest().getMethod()).isEqualTo("GET");
    }

    @Test
    void anIncompleteOrWrongSecretIsRefused(@TempDir Path dir) throws Exception {
        MeshCa ca = MeshCa.init(dir, "example.org");
        String cert = Files.readString(dir.resolve(MeshCa.CERT_FILE));
        String leafKey = PemFiles.toPem(MeshCa.newWorkloadKeyPair().getPrivate());
        String leafCert = PemFiles.toPem(List.of(ca.issueWorkload("default", "sleep", java.time.Duration.ofHours(1)).certificate()));
        server.expect().get().withPath(PATH).andReturn(200, new SecretBuilder().withNewMetadata().withName("tollgate-ca").endMetadata()
                .addToData(CaSecret.CERT_KEY, b64(cert)).build()).once();
        server.expect().get().withPath(PATH).andReturn(200, secret(cert, leafKey)).once();
        server.expect().get().withPath(PATH).andReturn(200, secret(leafCert, leafKey)).once();

        assertThatThrownBy(() -> CaSecret.load(client, "tollgate-system", "tollgate-ca"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("has no 'ca.key' entry");
        assertThatThrownBy(() -> CaSecret.load(client, "tollgate-system", "tollgate-ca"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("is not the key of");
        assertThatThrownBy(() -> CaSecret.load(client, "tollgate-system", "tollgate-ca"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("is not a CA certificate");
    }

    private static Secret secret(String cert, String key) {
        return new SecretBuilder().withNewMetadata().withName("tollgate-ca").withNamespace("tollgate-system").endMetadata()
                .addToData(CaSecret.CERT_KEY, b64(cert)).addToData(CaSecret.KEY_KEY, b64(key)).build();
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.US_ASCII));
    }
}
