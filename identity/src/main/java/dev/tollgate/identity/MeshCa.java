package dev.tollgate.identity;

import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The mesh certificate authority: a self-signed root that issues SPIFFE workload certificates (and, for
 * local stand-ins of external hosts, DNS server certificates).
 *
 * <p>On disk a CA is a folder with {@value #CERT_FILE} and {@value #KEY_FILE} (mode 0600). Whoever can read
 * the key can mint any identity of the mesh, so a proxy given {@code --ca-dir} is for development, tests and
 * demos; on Kubernetes the control plane holds the CA.
 *
 * <p>Certificates follow Istio's: the root has {@code O=<trust domain>}; a workload certificate has an empty
 * subject, one critical URI SAN {@code spiffe://<td>/ns/<ns>/sa/<sa>}, no DNS SANs, and is usable for both
 * client and server authentication. Every certificate is backdated by a minute so that a peer whose clock
 * is slightly behind still accepts it.
 *
 * <p>Errors: invalid names or durations throw {@link IllegalArgumentException}; file problems
 * {@link UncheckedIOException}; an unusable CA {@link IllegalStateException}.
 */
public final class MeshCa {

    public static final String CERT_FILE = "ca-cert.pem";
    public static final String KEY_FILE = "ca-key.pem";
    public static final String DEFAULT_TRUST_DOMAIN = "cluster.local";
    /** Istio's default workload certificate lifetime. */
    public static final Duration DEFAULT_WORKLOAD_TTL = Duration.ofHours(24);
    public static final Duration MAX_TTL = Duration.ofDays(365);
    static final Duration ROOT_VALIDITY = Duration.ofDays(3650);
    static final Duration BACKDATE = Duration.ofMinutes(1);
    private static final X500Name EMPTY_SUBJECT = new X500Name(new RDN[0]);
    private static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Logger log = LoggerFactory.getLogger(MeshCa.class);
    private static final ECParameterSpec P256 = p256();

    private final String trustDomain;
    private final PrivateKey rootKey;
    private final X509Certificate root;
    private final Clock clock;

    private MeshCa(String trustDomain, PrivateKey rootKey, X509Certificate root, Clock clock) {
        this.trustDomain = trustDomain;
        this.rootKey = rootKey;
        this.root = root;
        this.clock = clock;
    }

    /** A new CA that lives only in memory (tests, and the demo's stand-in "public" CA). */
    public static MeshCa generate(String trustDomain) {
        return generate(trustDomain, Clock.systemUTC());
    }

    static MeshCa generate(String trustDomain, Clock clock) {
        SpiffeId.trustDomainProblem(trustDomain).ifPresent(p -> {
            throw new IllegalArgumentException(p);
        });
        KeyPair pair = newKeyPair();
        Instant now = clock.instant();
        X500Name name = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, trustDomain)
                .addRDN(BCStyle.CN, "Tollgate root CA")
                .build();
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(ROOT_VALIDITY)), name, pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true,
                            new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()))
                    // the trust domain's own SPIFFE ID (SPIFFE X509-SVID section 4.1 allows it on a CA); load() reads it back
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier,
                                    SpiffeId.SCHEME + trustDomain)));
            return new MeshCa(trustDomain, pair.getPrivate(), sign(builder, pair.getPrivate()), clock);
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot create the root certificate", e);
        }
    }

    /**
     * Creates a CA in {@code dir} (created if missing, mode 0700): {@value #KEY_FILE} (0600) and
     * {@value #CERT_FILE} (0644). Refuses to overwrite an existing CA.
     *
     * @throws UncheckedIOException wrapping {@link FileAlreadyExistsException} when a CA file is already there
     */
    public static MeshCa init(Path dir, String trustDomain) {
        return init(dir, trustDomain, Clock.systemUTC());
    }

    static MeshCa init(Path dir, String trustDomain, Clock clock) {
        MeshCa ca = generate(trustDomain, clock);
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            for (String f : List.of(KEY_FILE, CERT_FILE)) {
                if (Files.exists(dir.resolve(f))) {
                    throw new FileAlreadyExistsException(dir.resolve(f).toString(), null,
                            "a CA already exists in " + dir + "; refusing to overwrite it");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        // the key first, with CREATE_NEW: of two concurrent inits, exactly one wins
        PemFiles.createPrivateKey(dir.resolve(KEY_FILE), ca.rootKey);
        PemFiles.createCertificates(dir.resolve(CERT_FILE), List.of(ca.root));
        return ca;
    }

    /** Loads the CA in {@code dir}, checking that the key belongs to a valid, self-signed root. */
    public static MeshCa load(Path dir) {
        return load(dir, Clock.systemUTC());
    }

    static MeshCa load(Path dir, Clock clock) {
        Path keyFile = dir.resolve(KEY_FILE);
        X509Certificate root = PemFiles.readCertificates(dir.resolve(CERT_FILE)).getFirst();
        PrivateKey key = PemFiles.readPrivateKey(keyFile);
        warnIfExposed(keyFile);
        return verified(root, key, dir.resolve(CERT_FILE).toString(), keyFile.toString(), clock);
    }

    /**
     * Loads a CA from PEM text, with the same checks as {@link #load(Path)}: how the control plane reads its
     * root from a Kubernetes Secret, where there is no file whose mode could be checked.
     *
     * @param source names where the PEM came from (e.g. {@code Secret tollgate-system/tollgate-ca}), for errors
     * @throws IllegalArgumentException when the text is not a PEM certificate and key
     * @throws IllegalStateException    when they are not a valid, unexpired root and its key
     */
    public static MeshCa fromPem(String certificatePem, String keyPem, String source) {
        return fromPem(certificatePem, keyPem, source, Clock.systemUTC());
    }

    static MeshCa fromPem(String certificatePem, String keyPem, String source, Clock clock) {
        X509Certificate root = PemFiles.parseCertificates(certificatePem, source + " (certificate)").getFirst();
        PrivateKey key = PemFiles.parsePrivateKey(keyPem, source + " (key)");
        return verified(root, key, source + " (certificate)", source + " (key)", clock);
    }

    private static MeshCa verified(X509Certificate root, PrivateKey key, String certSource, String keySource, Clock clock) {
        if (root.getBasicConstraints() < 0) {
            throw new IllegalStateException(certSource + " is not a CA certificate");
        }
        try {
            root.verify(root.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(certSource + " is not a self-signed root: " + e.getMessage(), e);
        }
        if (!keyMatches(key, root.getPublicKey())) {
            throw new IllegalStateException(keySource + " is not the key of " + certSource);
        }
        if (clock.instant().isAfter(root.getNotAfter().toInstant())) {
            throw new IllegalStateException("the root certificate " + certSource + " expired on " + root.getNotAfter().toInstant());
        }
        String td = trustDomainOf(root).orElseThrow(() -> new IllegalStateException(certSource
                + " carries no trust domain (one URI SAN spiffe://<trust-domain>); was it made by 'tollgate ca init'?"));
        return new MeshCa(td, key, root, clock);
    }

    public String trustDomain() {
        return trustDomain;
    }

    public X509Certificate rootCertificate() {
        return root;
    }

    /**
     * A workload certificate for {@code spiffe://<td>/ns/<namespace>/sa/<serviceAccount>}, with a new EC P-256
     * key. Its lifetime is {@code ttl}, cut short if the root expires first.
     *
     * @throws IllegalArgumentException for a name that is not a Kubernetes name, or a ttl not in (0, 365 days]
     */
    public IssuedCertificate issueWorkload(String namespace, String serviceAccount, Duration ttl) {
        SpiffeId id = new SpiffeId(trustDomain, namespace, serviceAccount);
        KeyPair pair = newKeyPair();
        List<X509Certificate> chain = signWorkload(id, pair.getPublic(), ttl);
        return new IssuedCertificate(pair.getPrivate(), chain.getFirst(), chain);
    }

    /**
     * A workload certificate for {@code id} on a key the workload made itself (the public key of its CSR), so
     * that the private key never leaves the workload. The certificate is the same as {@link #issueWorkload}'s.
     *
     * @return the chain to present: the certificate, then the root
     * @throws IllegalArgumentException when {@code id} is of another trust domain, the key is not acceptable
     *                                  ({@link #workloadKeyProblem}), or the ttl is not in (0, 365 days]
     */
    public List<X509Certificate> signWorkload(SpiffeId id, PublicKey key, Duration ttl) {
        Objects.requireNonNull(id, "id");
        if (!id.trustDomain().equals(trustDomain)) {
            throw new IllegalArgumentException(id + " is not of this CA's trust domain " + trustDomain);
        }
        workloadKeyProblem(key).ifPresent(p -> {
            throw new IllegalArgumentException(p);
        });
        requireTtl(ttl);
        try {
            X509v3CertificateBuilder builder = leaf(EMPTY_SUBJECT, key, ttl)
                    // the subject is empty, so RFC 5280 section 4.2.1.6 requires the SAN to be critical
                    .addExtension(Extension.subjectAlternativeName, true,
                            new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, id.uri())))
                    .addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(new KeyPurposeId[]{KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            return List.of(sign(builder, rootKey), root);
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot issue a certificate for " + id, e);
        }
    }

    /**
     * Why a workload's key is not acceptable, if it is not. Only EC P-256 is: the one kind of key this CA makes
     * for workloads ({@link #newWorkloadKeyPair}), so that every workload certificate of the mesh is alike and
     * a peer's TLS stack never meets a key it was not tested with.
     */
    public static Optional<String> workloadKeyProblem(PublicKey key) {
        if (!(key instanceof ECPublicKey ec)) {
            return Optional.of("the key is " + (key == null ? "missing" : key.getAlgorithm())
                    + "; a workload key must be EC P-256");
        }
        ECParameterSpec p = ec.getParams();
        boolean p256 = p != null && p.getCurve().equals(P256.getCurve()) && p.getGenerator().equals(P256.getGenerator())
                && p.getOrder().equals(P256.getOrder()) && p.getCofactor() == P256.getCofactor();
        return p256 ? Optional.empty() : Optional.of("the EC key is not on the P-256 curve; a workload key must be EC P-256");
    }

    /** A new key pair of the one kind {@link #workloadKeyProblem} accepts: for a workload that sends a CSR. */
    public static KeyPair newWorkloadKeyPair() {
        return newKeyPair();
    }

    /**
     * A TLS server certificate for DNS names (the first is also the subject CN), with a new EC P-256 key.
     * For local stand-ins of external hosts: the demo runs a second {@code MeshCa} as its "public" CA.
     *
     * @param dnsNames host names in ASCII (an IDN in its {@code xn--} form), optionally with a leading {@code *.}
     *                 label; ASCII case is folded to lower case, and any other character is refused
     */
    public IssuedCertificate issueServer(List<String> dnsNames, Duration ttl) {
        requireTtl(ttl);
        if (dnsNames.isEmpty()) {
            throw new IllegalArgumentException("a server certificate needs at least one DNS name");
        }
        List<String> folded = new ArrayList<>();
        List<GeneralName> names = new ArrayList<>();
        for (String raw : dnsNames) {
            String name = asciiLowerCase(raw);
            if (!isDnsName(name)) {
                throw new IllegalArgumentException("'" + SpiffeId.printable(raw) + "' is not a DNS name");
            }
            folded.add(name);
            names.add(new GeneralName(GeneralName.dNSName, name));
        }
        KeyPair pair = newKeyPair();
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, folded.getFirst()).build();
        try {
            X509v3CertificateBuilder builder = leaf(subject, pair.getPublic(), ttl)
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            return issued(builder, pair);
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot issue a server certificate for " + dnsNames, e);
        }
    }

    private X509v3CertificateBuilder leaf(X500Name subject, PublicKey key, Duration ttl)
            throws CertIOException, GeneralSecurityException {
        Instant now = clock.instant();
        Instant notAfter = now.plus(ttl);
        Instant rootEnd = root.getNotAfter().toInstant();
        if (notAfter.isAfter(rootEnd)) {
            notAfter = rootEnd; // a leaf outliving its root would fail validation anyway
        }
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        return new JcaX509v3CertificateBuilder(root, serial(), Date.from(now.minus(BACKDATE)), Date.from(notAfter), subject, key)
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
                .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key))
                .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(root.getPublicKey()));
    }

    private IssuedCertificate issued(X509v3CertificateBuilder builder, KeyPair pair) throws CertificateException {
        X509Certificate certificate = sign(builder, rootKey);
        return new IssuedCertificate(pair.getPrivate(), certificate, List.of(certificate, root));
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key) throws CertificateException {
        try {
            ContentSigner signer = new JcaContentSignerBuilder(SIGNATURE_ALGORITHM).build(key);
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("no " + SIGNATURE_ALGORITHM + " signer", e);
        }
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no EC P-256 key generator in this JDK", e);
        }
    }

    private static ECParameterSpec p256() {
        try {
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(new ECGenParameterSpec("secp256r1"));
            return parameters.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no EC P-256 parameters in this JDK", e);
        }
    }

    /** Positive, non-zero and unpredictable (CA/Browser Forum: at least 64 random bits). */
    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).setBit(126);
    }

    private static void requireTtl(Duration ttl) {
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException("certificate lifetime " + ttl + " is not between 1 second and " + MAX_TTL.toDays() + " days");
        }
    }

    /**
     * ASCII lower case, refusing any other character. Unicode case mapping ({@code toLowerCase}) would turn the
     * Kelvin sign U+212A into {@code k}, certifying a host nobody asked for; and the identity module does not
     * depend on core, whose {@code HostName} gives the same reason for the same refusal.
     */
    static String asciiLowerCase(String name) {
        char[] out = new char[name.length()];
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c > 0x7f) {
                throw new IllegalArgumentException("DNS name '" + escaped(name) + "' is not ASCII; a server certificate"
                        + " takes only ASCII host names (write IDNs in their xn-- form)");
            }
            out[i] = c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
        }
        return new String(out);
    }

    /** The name with every character outside printable ASCII as a backslash-u escape, so no look-alike hides in it. */
    private static String escaped(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04X", (int) c));
        }
        return s.length() > 80 ? b.append("...").toString() : b.toString();
    }

    static boolean isDnsName(String name) {
        if (name.isEmpty() || name.length() > 253) {
            return false;
        }
        String rest = name.startsWith("*.") ? name.substring(2) : name;
        for (String label : rest.split("\\.", -1)) {
            if (!SpiffeId.isDns1123Label(label)) {
                return false;
            }
        }
        return true;
    }

    private static Optional<String> trustDomainOf(X509Certificate root) {
        try {
            var names = root.getSubjectAlternativeNames();
            if (names == null) {
                return Optional.empty();
            }
            List<String> uris = names.stream().filter(n -> Integer.valueOf(6).equals(n.get(0)))
                    .map(n -> String.valueOf(n.get(1))).toList();
            if (uris.size() != 1 || !uris.getFirst().startsWith(SpiffeId.SCHEME)) {
                return Optional.empty();
            }
            String td = uris.getFirst().substring(SpiffeId.SCHEME.length());
            return SpiffeId.trustDomainProblem(td).isEmpty() ? Optional.of(td) : Optional.empty();
        } catch (CertificateParsingException e) {
            return Optional.empty();
        }
    }

    private static boolean keyMatches(PrivateKey key, PublicKey publicKey) {
        try {
            byte[] probe = new byte[32];
            RANDOM.nextBytes(probe);
            Signature signer = Signature.getInstance(SIGNATURE_ALGORITHM);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(SIGNATURE_ALGORITHM);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static void warnIfExposed(Path keyFile) {
        try {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(keyFile);
            if (mode.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
                log.warn("{} has mode {}: others can read the CA key and mint any mesh identity; chmod 600 it",
                        keyFile, PosixFilePermissions.toString(mode));
            }
        } catch (IOException | UnsupportedOperationException e) {
            log.warn("cannot check the mode of {}: {}", keyFile, e.toString());
        }
    }
}
