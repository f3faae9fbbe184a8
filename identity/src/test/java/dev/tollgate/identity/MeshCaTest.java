package dev.tollgate.identity;

import dev.tollgate.testkit.MutableClock;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MeshCaTest {

    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final int URI = 6;
    private static final int DNS = 2;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    @Test
    void rootIsASelfSignedTenYearCa() throws Exception {
        X509Certificate root = MeshCa.generate("cluster.local", clock).rootCertificate();
        root.verify(root.getPublicKey());
        assertThat(root.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(root.getKeyUsage()[5]).as("keyCertSign").isTrue();
        assertThat(root.getCriticalExtensionOIDs()).contains("2.5.29.19", "2.5.29.15");
        assertThat(root.getSubjectX500Principal().getName()).contains("O=cluster.local");
        assertThat(Duration.between(root.getNotBefore().toInstant(), root.getNotAfter().toInstant()))
                .isEqualTo(Duration.ofDays(3650).plusMinutes(1));
        assertThat(((ECPublicKey) root.getPublicKey()).getParams().getCurve().getField().getFieldSize()).isEqualTo(256);
    }

    @Test
    void workloadCertificateCarriesOnlyItsSpiffeId() throws Exception {
        MeshCa ca = MeshCa.generate("cluster.local", clock);
        IssuedCertificate issued = ca.issueWorkload("otherns", "sleep-google", MeshCa.DEFAULT_WORKLOAD_TTL);
        X509Certificate cert = issued.certificate();

        assertThat(cert.getSubjectAlternativeNames()).containsExactly(
                List.of(URI, "spiffe://cluster.local/ns/otherns/sa/sleep-google"));
        assertThat(cert.getSubjectAlternativeNames()).noneMatch(n -> n.get(0).equals(DNS));
        assertThat(cert.getCriticalExtensionOIDs()).as("SAN critical: the subject is empty").contains("2.5.29.17");
        assertThat(cert.getSubjectX500Principal().getName()).isEmpty();
        assertThat(cert.getExtendedKeyUsage()).containsExactlyInAnyOrder(SERVER_AUTH, CLIENT_AUTH);
        assertThat(cert.getBasicConstraints()).as("not a CA").isEqualTo(-1);
        assertThat(cert.getKeyUsage()[0]).as("digitalSignature").isTrue();
        assertThat(cert.getKeyUsage()[5]).as("keyCertSign").isFalse();
        assertThat(issued.key().getAlgorithm()).isEqualTo("EC");
        assertThat(((ECPublicKey) cert.getPublicKey()).getParams().getCurve().getField().getFieldSize()).isEqualTo(256);
        assertThat(issued.spiffeId()).contains(new SpiffeId("cluster.local", "otherns", "sleep-google"));
        assertThat(issued.chain()).containsExactly(cert, ca.rootCertificate());
    }

    @Test
    void workloadCertificateLivesTwentyFourHoursBackdatedOneMinute() {
        IssuedCertificate issued = MeshCa.generate("cluster.local", clock)
                .issueWorkload("default", "sleep", MeshCa.DEFAULT_WORKLOAD_TTL);
        assertThat(issued.notBefore()).isEqualTo(clock.instant().minus(Duration.ofMinutes(1)));
        assertThat(issued.notAfter()).isEqualTo(clock.instant().plus(Duration.ofHours(24)));
    }

    @Test
    void workloadCertificateChainsToTheRoot() throws Exception {
        MeshCa ca = MeshCa.generate("cluster.local", clock);
        IssuedCertificate issued = ca.issueWorkload("default", "sleep", Duration.ofHours(1));
        validate(issued.certificate(), ca.rootCertificate());
    }

    @Test
    void certificateFromAnotherCaDoesNotValidate() {
        MeshCa ca = MeshCa.generate("cluster.local", clock);
        MeshCa impostor = MeshCa.generate("cluster.local", clock);
        IssuedCertificate forged = impostor.issueWorkload("istio-system", "admin", Duration.ofHours(1));
        assertThatThrownBy(() -> validate(forged.certificate(), ca.rootCertificate()))
                .isInstanceOf(CertPathValidatorException.class);
    }

    @Test
    void serverCertificateHasDnsNamesAndServerAuth() throws Exception {
        MeshCa publicCa = MeshCa.generate("public.demo", clock);
        IssuedCertificate issued = publicCa.issueServer(List.of("developers.google.com", "Developer.Yahoo.com"), Duration.ofDays(1));
        X509Certificate cert = issued.certificate();
        assertThat(cert.getSubjectAlternativeNames()).containsExactlyInAnyOrder(
                List.of(DNS, "developers.google.com"), List.of(DNS, "developer.yahoo.com"));
        assertThat(cert.getExtendedKeyUsage()).containsExactly(SERVER_AUTH);
        assertThat(issued.spiffeId()).isEmpty();
        validate(cert, publicCa.rootCertificate());
    }

    @Test
    void serverNamesFoldAsciiCaseOnlyWhateverTheDefaultLocale() throws Exception {
        java.util.Locale before = java.util.Locale.getDefault();
        java.util.Locale.setDefault(java.util.Locale.forLanguageTag("tr")); // where "I".toLowerCase() is a dotless i
        try {
            MeshCa ca = MeshCa.generate("public.demo", clock);
            X509Certificate cert = ca.issueServer(List.of("ISTIO.Example.COM", "*.API.example.com"), Duration.ofDays(1))
                    .certificate();
            assertThat(cert.getSubjectAlternativeNames()).containsExactlyInAnyOrder(
                    List.of(DNS, "istio.example.com"), List.of(DNS, "*.api.example.com"));
            assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=istio.example.com");
        } finally {
            java.util.Locale.setDefault(before);
        }
    }

    @Test
    void refusesNonAsciiServerNamesInsteadOfFoldingThem() {
        MeshCa ca = MeshCa.generate("public.demo", clock);
        // U+212A KELVIN SIGN lower-cases to ASCII 'k' under Unicode rules: toLowerCase made this key.example.com
        assertThatThrownBy(() -> ca.issueServer(List.of("\u212Aey.example.com"), Duration.ofDays(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("DNS name '\\u212Aey.example.com' is not ASCII; a server certificate takes only ASCII host"
                        + " names (write IDNs in their xn-- form)");
        // U+0130 (capital I with dot above) lower-cases to "i" plus a combining dot
        assertThatThrownBy(() -> ca.issueServer(List.of("ok.example.com", "\u0130stio.example.com"), Duration.ofDays(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'\\u0130stio.example.com' is not ASCII");
        assertThatThrownBy(() -> ca.issueServer(List.of("*.\u212A.example.com"), Duration.ofDays(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not ASCII");
    }

    @Test
    void rejectsNamesThatAreNotKubernetesNames() {
        MeshCa ca = MeshCa.generate("cluster.local", clock);
        assertThatThrownBy(() -> ca.issueWorkload("Default", "sleep", Duration.ofHours(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ca.issueWorkload("default", "sleep/../admin", Duration.ofHours(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ca.issueServer(List.of("bad host"), Duration.ofHours(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ca.issueServer(List.of(), Duration.ofHours(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MeshCa.generate("Cluster_Local")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsLifetimesOutsideRange() {
        MeshCa ca = MeshCa.generate("cluster.local", clock);
        assertThatThrownBy(() -> ca.issueWorkload("default", "sleep", Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ca.issueWorkload("default", "sleep", Duration.ofHours(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ca.issueWorkload("default", "sleep", Duration.ofDays(366))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void leafNeverOutlivesTheRoot() {
        MeshCa ca = MeshCa.generate("cluster.local", clock);
        clock.set(ca.rootCertificate().getNotAfter().toInstant().minus(Duration.ofHours(1)));
        IssuedCertificate issued = ca.issueWorkload("default", "sleep", Duration.ofHours(24));
        assertThat(issued.notAfter()).isEqualTo(ca.rootCertificate().getNotAfter().toInstant());
    }

    @Test
    void initWritesKeyWithMode0600AndCertificateWith0644(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("ca");
        MeshCa.init(dir, "cluster.local");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(MeshCa.KEY_FILE)))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(MeshCa.CERT_FILE)))).isEqualTo("rw-r--r--");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
    }

    @Test
    void initRefusesToOverwriteAnExistingCa(@TempDir Path dir) throws Exception {
        MeshCa.init(dir, "cluster.local");
        byte[] key = Files.readAllBytes(dir.resolve(MeshCa.KEY_FILE));
        assertThatThrownBy(() -> MeshCa.init(dir, "cluster.local"))
                .isInstanceOf(UncheckedIOException.class)
                .hasCauseInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining("refusing to overwrite");
        assertThat(Files.readAllBytes(dir.resolve(MeshCa.KEY_FILE))).isEqualTo(key);
    }

    @Test
    void initRefusesWhenOnlyTheKeyIsThere(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(MeshCa.KEY_FILE), "x");
        assertThatThrownBy(() -> MeshCa.init(dir, "cluster.local")).isInstanceOf(UncheckedIOException.class);
        assertThat(Files.readString(dir.resolve(MeshCa.KEY_FILE))).isEqualTo("x");
    }

    @Test
    void loadReadsBackTheSameCa(@TempDir Path dir) throws Exception {
        MeshCa created = MeshCa.init(dir, "example.org");
        MeshCa loaded = MeshCa.load(dir);
        assertThat(loaded.trustDomain()).isEqualTo("example.org");
        assertThat(loaded.rootCertificate()).isEqualTo(created.rootCertificate());
        validate(loaded.issueWorkload("default", "sleep", Duration.ofHours(1)).certificate(), created.rootCertificate());
    }

    @Test
    void loadRejectsAKeyThatIsNotTheRootsKey(@TempDir Path tmp) {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        MeshCa.init(a, "cluster.local");
        MeshCa.init(b, "cluster.local");
        PemFiles.writePrivateKey(a.resolve(MeshCa.KEY_FILE), PemFiles.readPrivateKey(b.resolve(MeshCa.KEY_FILE)));
        assertThatThrownBy(() -> MeshCa.load(a)).isInstanceOf(IllegalStateException.class).hasMessageContaining("is not the key");
    }

    @Test
    void loadRejectsALeafAsRoot(@TempDir Path dir) {
        MeshCa ca = MeshCa.init(dir, "cluster.local");
        IssuedCertificate leaf = ca.issueWorkload("default", "sleep", Duration.ofHours(1));
        PemFiles.writeCertificates(dir.resolve(MeshCa.CERT_FILE), List.of(leaf.certificate()));
        PemFiles.writePrivateKey(dir.resolve(MeshCa.KEY_FILE), leaf.key());
        assertThatThrownBy(() -> MeshCa.load(dir)).isInstanceOf(IllegalStateException.class).hasMessageContaining("not a CA");
    }

    @Test
    void loadRejectsGarbage(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(MeshCa.CERT_FILE), "not pem");
        Files.writeString(dir.resolve(MeshCa.KEY_FILE), "not pem");
        assertThatThrownBy(() -> MeshCa.load(dir)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MeshCa.load(dir.resolve("missing"))).isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void fromPemReadsTheSameCaWithTheSameChecksAsLoad(@TempDir Path dir) throws Exception {
        MeshCa created = MeshCa.init(dir, "example.org");
        String cert = Files.readString(dir.resolve(MeshCa.CERT_FILE));
        String key = Files.readString(dir.resolve(MeshCa.KEY_FILE));
        MeshCa loaded = MeshCa.fromPem(cert, key, "Secret ns/tollgate-ca");
        assertThat(loaded.trustDomain()).isEqualTo("example.org");
        assertThat(loaded.rootCertificate()).isEqualTo(created.rootCertificate());

        String otherKey = PemFiles.toPem(MeshCa.newWorkloadKeyPair().getPrivate());
        assertThatThrownBy(() -> MeshCa.fromPem(cert, otherKey, "Secret ns/tollgate-ca"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("Secret ns/tollgate-ca (key) is not the key");
        assertThatThrownBy(() -> MeshCa.fromPem("garbage", key, "Secret ns/tollgate-ca"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Secret ns/tollgate-ca (certificate)");
    }

    @Test
    void fromPemRefusesAnExpiredRoot(@TempDir Path dir) throws Exception {
        MeshCa.init(dir, "example.org");
        String cert = Files.readString(dir.resolve(MeshCa.CERT_FILE));
        String key = Files.readString(dir.resolve(MeshCa.KEY_FILE));
        assertThatThrownBy(() -> MeshCa.fromPem(cert, key, "s", new MutableClock(Instant.now().plus(Duration.ofDays(3651)))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("expired");
    }

    @Test
    void signWorkloadCertifiesTheCallersKeyAsIssueWorkloadWould() throws Exception {
        MeshCa ca = MeshCa.generate("cluster.local", clock);
        var pair = MeshCa.newWorkloadKeyPair();
        List<X509Certificate> chain = ca.signWorkload(new SpiffeId("cluster.local", "default", "sleep"), pair.getPublic(), Duration.ofHours(1));
        IssuedCertificate reference = ca.issueWorkload("default", "sleep", Duration.ofHours(1));

        assertThat(chain).hasSize(2).last().isEqualTo(ca.rootCertificate());
        X509Certificate leaf = chain.getFirst();
        assertThat(leaf.getPublicKey()).isEqualTo(pair.getPublic());
        assertThat(leaf.getSubjectAlternativeNames()).containsExactlyElementsOf(reference.certificate().getSubjectAlternativeNames());
        assertThat(leaf.getCriticalExtensionOIDs()).isEqualTo(reference.certificate().getCriticalExtensionOIDs());
        assertThat(leaf.getExtendedKeyUsage()).isEqualTo(reference.certificate().getExtendedKeyUsage());
        assertThat(leaf.getNotAfter()).isEqualTo(reference.certificate().getNotAfter());
        validate(leaf, ca.rootCertificate());
    }

    @Test
    void signWorkloadRefusesAnotherTrustDomainAndKeysOtherThanP256() throws Exception {
        MeshCa ca = MeshCa.generate("cluster.local", clock);
        var key = MeshCa.newWorkloadKeyPair().getPublic();
        assertThatThrownBy(() -> ca.signWorkload(new SpiffeId("evil.example", "default", "sleep"), key, Duration.ofHours(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trust domain");
        var rsa = java.security.KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        var p384 = java.security.KeyPairGenerator.getInstance("EC");
        p384.initialize(new java.security.spec.ECGenParameterSpec("secp384r1"));
        for (var other : List.of(rsa.generateKeyPair().getPublic(), p384.generateKeyPair().getPublic())) {
            assertThat(MeshCa.workloadKeyProblem(other)).isPresent();
            assertThatThrownBy(() -> ca.signWorkload(new SpiffeId("cluster.local", "default", "sleep"), other, Duration.ofHours(1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("P-256");
        }
        assertThat(MeshCa.workloadKeyProblem(key)).isEmpty();
    }

    @Test
    void toStringNeverShowsTheKey() {
        IssuedCertificate issued = MeshCa.generate("cluster.local", clock).issueWorkload("default", "sleep", Duration.ofHours(1));
        assertThat(issued.toString()).contains("spiffe://cluster.local/ns/default/sa/sleep").doesNotContain("PRIVATE");
        assertThat(issued.toString()).doesNotContain(issued.key().toString());
    }

    static void validate(X509Certificate leaf, X509Certificate root) throws Exception {
        var path = CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf));
        PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
        params.setRevocationEnabled(false);
        params.setDate(Date.from(leaf.getNotBefore().toInstant().plusSeconds(120)));
        CertPathValidator.getInstance("PKIX").validate(path, params);
    }
}
