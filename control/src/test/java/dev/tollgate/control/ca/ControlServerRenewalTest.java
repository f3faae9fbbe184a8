package dev.tollgate.control.ca;

import dev.tollgate.control.ControlServer;
import dev.tollgate.agent.CaClient;
import dev.tollgate.identity.IssuedCertificate;
import dev.tollgate.identity.MeshCa;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The serving certificate renews in place: new handshakes get the new one, and a client's channel keeps working. */
class ControlServerRenewalTest {

    @Test
    void theServingCertificateRenewsWithoutARestart(@TempDir Path dir) throws Exception {
        MeshCa ca = MeshCa.generate("cluster.local");
        try (FakeTokenReviewApi api = new FakeTokenReviewApi(); KubernetesClient kube = api.client();
             // 32 s, backdated a minute: renewed about 1.3 s after issue, and again every 1.3 s or so
             ControlServer server = ControlServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), ca,
                     List.of(CertificateServiceTest.SERVICE_NAME), Duration.ofSeconds(32),
                     List.of(new CertificateService(ca, new TokenReviewer(kube, "cluster.local")).authenticated()))) {
            api.stub("sleep-token", FakeTokenReviewApi.serviceAccount("default", "sleep"));
            Path token = Files.writeString(dir.resolve("token"), "sleep-token");
            try (CaClient client = new CaClient("127.0.0.1:" + server.port(), CertificateServiceTest.SERVICE_NAME,
                    List.of(ca.rootCertificate()), token, Duration.ofHours(1))) {
                IssuedCertificate before = client.requestCertificate();
                BigInteger first = presented(server.port(), ca.rootCertificate()).getSerialNumber();

                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (server.servingCertificate().certificate().getSerialNumber().equals(first) && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                BigInteger held = server.servingCertificate().certificate().getSerialNumber();
                BigInteger later = presented(server.port(), ca.rootCertificate()).getSerialNumber();

                assertThat(held).isNotEqualTo(first);
                assertThat(later).isNotEqualTo(first);
                // the client's channel, opened before the renewal, still gets certificates
                assertThat(client.requestCertificate().certificate().getSerialNumber())
                        .isNotEqualTo(before.certificate().getSerialNumber());
            }
        }
    }

    /** The certificate the server presents in a new TLS handshake. */
    private static X509Certificate presented(int port, X509Certificate root) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("root", root);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port)) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(new String[]{"h2"});
            socket.setSSLParameters(parameters);
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }
}
