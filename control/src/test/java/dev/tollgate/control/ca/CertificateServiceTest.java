package dev.tollgate.control.ca;

import dev.tollgate.control.ControlServer;
import dev.tollgate.agent.CaClient;
import dev.tollgate.api.ca.v1.CertificateServiceGrpc;
import dev.tollgate.api.ca.v1.CreateCertificateRequest;
import dev.tollgate.api.ca.v1.CreateCertificateResponse;
import dev.tollgate.identity.IssuedCertificate;
import dev.tollgate.identity.MeshCa;
import dev.tollgate.identity.PemFiles;
import dev.tollgate.identity.SpiffeId;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.CallCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The CA service end to end: real gRPC over real TLS on loopback, tokens reviewed by a mock API server. */
class CertificateServiceTest {

    static final String SERVICE_NAME = "tollgate-control.tollgate-system.svc";
    static final SpiffeId SLEEP = new SpiffeId("cluster.local", "default", "sleep");

    final MeshCa ca = MeshCa.generate("cluster.local");
    FakeTokenReviewApi api;
    KubernetesClient kube;
    ControlServer server;
    ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        api = new FakeTokenReviewApi();
        kube = api.client();
        server = ControlServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), ca, List.of(SERVICE_NAME),
                List.of(new CertificateService(ca, new TokenReviewer(kube, "cluster.local")).authenticated()));
        channel = channelTo(server, ca.rootCertificate());
        api.stub("sleep-token", FakeTokenReviewApi.serviceAccount("default", "sleep"));
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.close();
        kube.close();
        api.close();
    }

    @Test
    void issuesACertificateForExactlyTheTokensServiceAccount(@TempDir Path dir) throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "sleep-token\n");
        try (CaClient client = client(token, Duration.ofHours(1))) {
            IssuedCertificate issued = client.requestCertificate();

            assertThat(issued.spiffeId()).contains(SLEEP);
            assertThat(issued.certificate().getSubjectAlternativeNames())
                    .containsExactly(List.of(6, "spiffe://cluster.local/ns/default/sa/sleep"));
            assertThat(issued.certificate().getSubjectX500Principal().getName()).isEmpty();
            issued.certificate().verify(ca.rootCertificate().getPublicKey());
            assertThat(issued.chain()).containsExactly(issued.certificate(), ca.rootCertificate());
            assertThat(Duration.between(issued.notBefore(), issued.notAfter())).isEqualTo(Duration.ofHours(1).plusMinutes(1));
        }
        assertThat(api.asked).singleElement().satisfies(review -> {
            assertThat(review.getSpec().getToken()).isEqualTo("sleep-token");
            assertThat(review.getSpec().getAudiences()).containsExactly("tollgate");
        });
    }

    @Test
    void validityIsCappedAtTheMaximumAndZeroMeansTheDefault() throws Exception {
        X509Certificate capped = leaf(call("sleep-token", csrFor(key(), List.of()), Duration.ofDays(4000).toSeconds()));
        X509Certificate byDefault = leaf(call("sleep-token", csrFor(key(), List.of()), 0));

        assertThat(lifetime(capped)).isEqualTo(MeshCa.MAX_TTL.plusMinutes(1));
        assertThat(lifetime(byDefault)).isEqualTo(MeshCa.DEFAULT_WORKLOAD_TTL.plusMinutes(1));
    }

    @Test
    void aCsrThatNamesTheProvenIdentityIsSigned() throws Exception {
        X509Certificate cert = leaf(call("sleep-token", csrFor(key(), List.of("spiffe://cluster.local/ns/default/sa/sleep")), 3600));
        assertThat(SpiffeId.fromCertificate(cert)).contains(SLEEP);
    }

    @Test
    void anUnauthenticatedTokenIsRefused() {
        api.stub("forged", new TokenReviewStatusBuilder().withAuthenticated(false).build());
        assertRefused("forged", Status.Code.UNAUTHENTICATED, "NOT_AUTHENTICATED", "did not authenticate the token");
        // istiod refuses any review with an error, whatever "authenticated" says; so does Tollgate
        api.stub("contradictory", new TokenReviewStatusBuilder(FakeTokenReviewApi.serviceAccount("default", "sleep"))
                .withError("webhook authenticator unavailable").build());
        assertRefused("contradictory", Status.Code.UNAUTHENTICATED, "NOT_AUTHENTICATED", "webhook authenticator unavailable");
    }

    @Test
    void anExpiredTokenIsRefusedWithTheApiServersReason() {
        api.stub("expired", FakeTokenReviewApi.unauthenticated("token has expired"));
        assertRefused("expired", Status.Code.UNAUTHENTICATED, "NOT_AUTHENTICATED", "token has expired");
    }

    @Test
    void aTokenForAnotherAudienceIsRefused() {
        api.stub("for-vault", new TokenReviewStatusBuilder(FakeTokenReviewApi.serviceAccount("default", "sleep"))
                .withAudiences("vault").build());
        api.stub("no-audiences", new TokenReviewStatusBuilder(FakeTokenReviewApi.serviceAccount("default", "sleep"))
                .withAudiences(List.of()).build());
        assertRefused("for-vault", Status.Code.UNAUTHENTICATED, "WRONG_AUDIENCE", "[vault]");
        assertRefused("no-audiences", Status.Code.UNAUTHENTICATED, "WRONG_AUDIENCE", "not for audience 'tollgate'");
    }

    @Test
    void aUserTokenIsRefused() {
        api.stub("alice", new TokenReviewStatusBuilder().withAuthenticated(true).withAudiences("tollgate")
                .withNewUser().withUsername("alice@example.com").withGroups("system:authenticated").endUser().build());
        api.stub("node", new TokenReviewStatusBuilder().withAuthenticated(true).withAudiences("tollgate")
                .withNewUser().withUsername("system:node:worker-1").withGroups("system:nodes").endUser().build());
        // a username shaped like a service account's, without the group the API server gives every one
        api.stub("impostor", new TokenReviewStatusBuilder().withAuthenticated(true).withAudiences("tollgate")
                .withNewUser().withUsername("system:serviceaccount:istio-system:istiod").withGroups("system:authenticated").endUser().build());
        assertRefused("alice", Status.Code.UNAUTHENTICATED, "NOT_A_SERVICE_ACCOUNT", "alice@example.com");
        assertRefused("node", Status.Code.UNAUTHENTICATED, "NOT_A_SERVICE_ACCOUNT", "system:node:worker-1");
        assertRefused("impostor", Status.Code.UNAUTHENTICATED, "NOT_A_SERVICE_ACCOUNT", "system:serviceaccounts");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "system:serviceaccount:default",
            "system:serviceaccount:default:sleep:extra",
            "system:serviceaccount::sleep",
            "system:serviceaccount:default:",
            "system:serviceaccount:Default:sleep",
            "system:serviceaccount:default:sl eep",
            "system:serviceaccount:default:sleep/../admin",
            "system:serviceaccount:de\u0000fault:sleep"})
    void aMalformedServiceAccountUsernameIsRefused(String username) {
        api.stub("odd", new TokenReviewStatusBuilder(FakeTokenReviewApi.serviceAccount("default", "sleep"))
                .editUser().withUsername(username).endUser().build());
        assertRefused("odd", Status.Code.UNAUTHENTICATED, "MALFORMED_USERNAME", "system:serviceaccount:");
    }

    @Test
    void anApiServerErrorFailsClosed() {
        assertRefused(FakeTokenReviewApi.FAILING_TOKEN, Status.Code.UNAVAILABLE, "API_ERROR", "HTTP 500");
        assertThat(api.asked).isNotEmpty();
    }

    @Test
    void anUnreachableApiServerFailsClosed() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        try (KubernetesClient down = api.server.createClient(b -> b.editOrNewConfig()
                .withMasterUrl("https://127.0.0.1:" + closed).withRequestRetryBackoffLimit(0).endConfig());
             ControlServer other = ControlServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), ca, List.of(SERVICE_NAME),
                     List.of(new CertificateService(ca, new TokenReviewer(down, "cluster.local")).authenticated()))) {
            ManagedChannel ch = channelTo(other, ca.rootCertificate());
            try {
                assertThatThrownBy(() -> stub(ch, "sleep-token").createCertificate(request(csrFor(key(), List.of()), 3600)))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                            assertThat(e.getStatus().getDescription()).contains("API_ERROR", "no certificate was issued");
                        });
            } finally {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aCsrForAnotherIdentityIsRefusedNotRewritten() throws Exception {
        for (String san : List.of("spiffe://cluster.local/ns/istio-system/sa/istiod", "spiffe://evil.example/ns/default/sa/sleep",
                "spiffe://cluster.local/ns/default/sa/SLEEP", "spiffe://cluster.local/ns/default/sa/sleep/", "dns:api.example.com")) {
            String csr = csrFor(key(), List.of("spiffe://cluster.local/ns/default/sa/sleep", san));
            assertThatThrownBy(() -> call("sleep-token", csr, 3600))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                        assertThat(e.getStatus().getDescription()).contains("the token proves only spiffe://cluster.local/ns/default/sa/sleep");
                    });
        }
    }

    @Test
    void aCsrAskingForACaCertificateIsRefused() throws Exception {
        String csr = Csrs.withExtensions(key(), Csrs.caTrue());
        assertRefusedCsr(csr, Status.Code.PERMISSION_DENIED, "asks for a CA certificate");
    }

    @Test
    void aCsrWithABadSignatureIsRefused() throws Exception {
        // the CSR carries one key but is signed by another: whoever sent it need not hold the private key
        String csr = Csrs.signedByAnotherKey(key(), key());
        assertRefusedCsr(csr, Status.Code.INVALID_ARGUMENT, "signature does not verify");
    }

    @Test
    void aCsrWithAKeyIdentityDoesNotAcceptIsRefused() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        assertRefusedCsr(Csrs.plain(rsa.generateKeyPair(), "SHA256withRSA"), Status.Code.INVALID_ARGUMENT, "EC P-256");
        KeyPairGenerator p384 = KeyPairGenerator.getInstance("EC");
        p384.initialize(384);
        assertRefusedCsr(Csrs.plain(p384.generateKeyPair(), "SHA384withECDSA"), Status.Code.INVALID_ARGUMENT, "P-256");
    }

    @Test
    void garbageInsteadOfACsrIsRefused() {
        assertRefusedCsr("", Status.Code.INVALID_ARGUMENT, "no CSR");
        assertRefusedCsr("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
                Status.Code.INVALID_ARGUMENT, "not readable");
        assertRefusedCsr(PemFiles.toPem(List.of(ca.rootCertificate())), Status.Code.INVALID_ARGUMENT, "no PEM 'CERTIFICATE REQUEST'");
    }

    @Test
    void noAuthorizationMetadataIsUnauthenticatedAndAsksTheApiServerNothing() throws Exception {
        var bare = CertificateServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> bare.createCertificate(request(csrFor(key(), List.of()), 3600)))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                    assertThat(e.getStatus().getDescription()).contains("authorization: Bearer");
                });
        for (String header : List.of("Basic c2xlZXA6c2xlZXA=", "Bearer ", "Bearer two words", "sleep-token")) {
            var stub = CertificateServiceGrpc.newBlockingStub(channel).withCallCredentials(header(header));
            assertThatThrownBy(() -> stub.createCertificate(request(csrFor(key(), List.of()), 3600)))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        }
        // two tokens: which one would the caller mean?
        var twice = CertificateServiceGrpc.newBlockingStub(channel).withCallCredentials(new CallCredentials() {
            @Override
            public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
                Metadata m = new Metadata();
                m.put(BearerTokens.AUTHORIZATION, "Bearer sleep-token");
                m.put(BearerTokens.AUTHORIZATION, "Bearer other-token");
                applier.apply(m);
            }
        });
        assertThatThrownBy(() -> twice.createCertificate(request(csrFor(key(), List.of()), 3600)))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        assertThat(api.asked).isEmpty();
    }

    @Test
    void theServerPresentsACertificateForItsServiceNameFromTheMeshCa() throws Exception {
        X509Certificate serving = server.servingCertificate().certificate();
        serving.verify(ca.rootCertificate().getPublicKey());
        assertThat(serving.getSubjectAlternativeNames()).containsExactly(List.of(2, SERVICE_NAME));
        // a client that trusts another root does not talk to this CA, and so never sends it a token
        MeshCa stranger = MeshCa.generate("cluster.local");
        ManagedChannel wrongTrust = channelTo(server, stranger.rootCertificate());
        try {
            assertThatThrownBy(() -> stub(wrongTrust, "sleep-token").createCertificate(request(csrFor(key(), List.of()), 3600)))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        } finally {
            wrongTrust.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        assertThat(api.asked).isEmpty();
    }

    @Test
    void theClientRenewsWithTheTokenFileReadAnewEachTime(@TempDir Path dir) throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "sleep-token");
        api.stub("sleep-token-rotated", FakeTokenReviewApi.serviceAccount("default", "sleep"));
        // 32 s asked, backdated one minute: renewal at two thirds of 92 s, about 1.3 s after issue
        try (CaClient client = client(token, Duration.ofSeconds(32)); var rotating = client.rotating()) {
            IssuedCertificate first = rotating.current();
            // the kubelet rotates the projected token; the old one stops working
            Files.writeString(dir.resolve("token.new"), "sleep-token-rotated");
            Files.move(dir.resolve("token.new"), token, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            api.stub("sleep-token", FakeTokenReviewApi.unauthenticated("token has expired"));

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (rotating.renewals() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            IssuedCertificate renewed = rotating.current();

            assertThat(rotating.renewals()).isGreaterThanOrEqualTo(2);
            assertThat(rotating.renewalFailures()).isZero();
            assertThat(renewed.certificate().getSerialNumber()).isNotEqualTo(first.certificate().getSerialNumber());
            assertThat(renewed.key()).isNotEqualTo(first.key());
            assertThat(renewed.spiffeId()).contains(SLEEP);
            assertThat(api.asked).extracting(r -> r.getSpec().getToken()).contains("sleep-token", "sleep-token-rotated");
        }
    }

    // ---- helpers

    private CaClient client(Path token, Duration ttl) {
        return new CaClient("127.0.0.1:" + server.port(), SERVICE_NAME, List.of(ca.rootCertificate()), token, ttl);
    }

    private void assertRefused(String token, Status.Code code, String... inDescription) {
        assertThatThrownBy(() -> call(token, csrFor(key(), List.of()), 3600))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(code);
                    assertThat(e.getStatus().getDescription()).contains(inDescription);
                });
    }

    private void assertRefusedCsr(String csr, Status.Code code, String inDescription) {
        assertThatThrownBy(() -> call("sleep-token", csr, 3600))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(code);
                    assertThat(e.getStatus().getDescription()).contains(inDescription);
                });
    }

    private CreateCertificateResponse call(String token, String csr, long validitySeconds) {
        return stub(channel, token).createCertificate(request(csr, validitySeconds));
    }

    private static CertificateServiceGrpc.CertificateServiceBlockingStub stub(ManagedChannel ch, String token) {
        return CertificateServiceGrpc.newBlockingStub(ch).withCallCredentials(header("Bearer " + token))
                .withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static CreateCertificateRequest request(String csr, long validitySeconds) {
        return CreateCertificateRequest.newBuilder().setCsr(csr).setValidityDurationSeconds(validitySeconds).build();
    }

    private static CallCredentials header(String value) {
        return new CallCredentials() {
            @Override
            public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
                Metadata m = new Metadata();
                m.put(BearerTokens.AUTHORIZATION, value);
                applier.apply(m);
            }
        };
    }

    private static ManagedChannel channelTo(ControlServer server, X509Certificate root) throws Exception {
        var tls = TlsChannelCredentials.newBuilder()
                .trustManager(new ByteArrayInputStream(PemFiles.toPem(List.of(root)).getBytes(StandardCharsets.US_ASCII)))
                .build();
        return Grpc.newChannelBuilder("127.0.0.1:" + server.port(), tls).overrideAuthority(SERVICE_NAME).build();
    }

    private static KeyPair key() {
        return MeshCa.newWorkloadKeyPair();
    }

    private static String csrFor(KeyPair key, List<String> sans) {
        return Csrs.withSans(key, sans);
    }

    private static X509Certificate leaf(CreateCertificateResponse response) {
        return PemFiles.parseCertificates(response.getCertChain(0), "answer").getFirst();
    }

    private static Duration lifetime(X509Certificate c) {
        return Duration.between(c.getNotBefore().toInstant(), c.getNotAfter().toInstant());
    }
}
