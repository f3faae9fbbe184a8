package dev.tollgate.control.ca;

import dev.tollgate.agent.CaClient;
import dev.tollgate.control.ControlServer;
import dev.tollgate.identity.IssuedCertificate;
import dev.tollgate.identity.MeshCa;
import dev.tollgate.identity.PemFiles;
import dev.tollgate.identity.TrustBundle;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;

import static dev.tollgate.control.ca.CaSecretRotationTest.Root;
import static dev.tollgate.control.ca.CaSecretRotationTest.await;
import static dev.tollgate.control.ca.CaSecretRotationTest.secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The control plane's side of a root rotation, through the operator's edits of the CA Secret: the CA service signs
 * with the new root from the moment the Secret says so, its own serving certificate follows, the published roots
 * follow, and a proxy's CA client that re-reads its root file keeps getting certificates throughout. The per-root
 * counts say when the old root may go.
 */
class CaRotationTest {

    static final String SERVICE_NAME = "tollgate-control.tollgate-system.svc";

    final KubernetesMockServer cluster = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
            new KubernetesCrudDispatcher(List.of()), false);
    KubernetesClient kube;
    FakeTokenReviewApi tokens;
    CaSecretWatch watch;
    ControlServer server;
    IssuedPerRoot ledger;

    @BeforeEach
    void start() {
        cluster.init(InetAddress.getLoopbackAddress(), 0);
        kube = cluster.createClient();
        tokens = new FakeTokenReviewApi();
        tokens.stub("sleep-token", FakeTokenReviewApi.serviceAccount("default", "sleep"));
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (watch != null) {
            watch.close();
        }
        tokens.close();
        kube.close();
        cluster.destroy();
    }

    @Test
    void theCaFollowsTheSecretThroughARotationAndAProxyKeepsGettingCertificates(@TempDir Path a, @TempDir Path b,
                                                                               @TempDir Path pod) throws Exception {
        Root old = Root.init(a);
        Root next = Root.init(b);
        kube.secrets().inNamespace("tollgate-system").resource(secret(old.cert(), old.key(), null)).create();
        watch = CaSecretWatch.start(kube, "tollgate-system", CaSecret.DEFAULT_NAME);
        ledger = new IssuedPerRoot(new SimpleMeterRegistry());
        CertificateService service = new CertificateService(watch, new TokenReviewer(tokens.client(), "cluster.local"),
                MeshCa.DEFAULT_WORKLOAD_TTL, MeshCa.MAX_TTL, Optional.of(ledger));
        server = ControlServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), watch,
                () -> watch.current().roots(), List.of(SERVICE_NAME), ControlServer.SERVING_TTL,
                List.of(service.authenticated()));
        watch.addListener(bundle -> server.reissueServingCertificate());

        Path rootFile = pod.resolve("root-cert.pem");
        mount(rootFile, old.root());
        Path token = Files.writeString(pod.resolve("token"), "sleep-token");
        try (TrustBundle trust = TrustBundle.watch(rootFile, Duration.ofMillis(20));
             CaClient proxy = new CaClient("127.0.0.1:" + server.port(), SERVICE_NAME, trust, token, Duration.ofHours(1));
             CaClient stale = new CaClient("127.0.0.1:" + server.port(), SERVICE_NAME, List.of(old.root()), token,
                     Duration.ofHours(1))) {
            assertThat(issuer(proxy.requestCertificate())).isEqualTo(old.root());

            // 1. trust both: the Secret gains the next root, trusted only; the pod's file follows
            kube.secrets().inNamespace("tollgate-system").resource(secret(old.cert(), old.key(), next.cert())).update();
            await(() -> watch.current().roots().size() == 2);
            assertThat(issuer(proxy.requestCertificate())).as("still signed by the old root").isEqualTo(old.root());
            mount(rootFile, old.root(), next.root());
            await(() -> trust.roots().size() == 2);

            // 2. switch signing: certificates and the server's own certificate come from the next root
            kube.secrets().inNamespace("tollgate-system").resource(secret(next.cert(), next.key(), old.cert())).update();
            await(() -> issuer(server.servingCertificate()).equals(next.root()));
            assertThat(issuer(proxy.requestCertificate())).isEqualTo(next.root());
            // a new connection (a restarted proxy) checks the server's new certificate against the live roots
            try (CaClient restarted = new CaClient("127.0.0.1:" + server.port(), SERVICE_NAME, trust, token,
                    Duration.ofHours(1))) {
                assertThat(issuer(restarted.requestCertificate())).isEqualTo(next.root());
            }
            // a proxy that kept only the old root can no longer reach the control plane: why step 1 comes first
            assertThatThrownBy(stale::requestCertificate).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("UNAVAILABLE");

            // what tells the operator when the old root can go
            assertThat(ledger.valid(Roots.fingerprint(old.root()))).isEqualTo(2);
            assertThat(ledger.valid(Roots.fingerprint(next.root()))).isEqualTo(2);
            assertThat(ledger.lastExpiry(Roots.fingerprint(old.root()))).isPresent();

            // 3. drop the old root from the Secret and the pod
            kube.secrets().inNamespace("tollgate-system").resource(secret(next.cert(), next.key(), null)).update();
            await(() -> watch.current().roots().size() == 1);
            mount(rootFile, next.root());
            await(() -> trust.roots().size() == 1);
            assertThat(issuer(proxy.requestCertificate())).isEqualTo(next.root());
            assertThat(watch.reloads()).isEqualTo(3);
        }
    }

    private static X509Certificate issuer(IssuedCertificate c) {
        return c.chain().getLast();
    }

    private static void mount(Path file, X509Certificate... roots) throws Exception {
        Path tmp = file.resolveSibling("..tmp");
        Files.writeString(tmp, PemFiles.toPem(List.of(roots)));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
