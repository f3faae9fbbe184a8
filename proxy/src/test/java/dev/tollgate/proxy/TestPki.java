package dev.tollgate.proxy;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Certificate authorities built in memory for tests: a mesh CA (SPIFFE identities) and a "public" one (DNS names). */
final class TestPki {
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    final KeyPair caKey;
    final X509Certificate root;

    private TestPki(String name) {
        try {
            caKey = ecKey();
            Instant now = Instant.now();
            var b = new JcaX509v3CertificateBuilder(new X500Name("CN=" + name), serial(),
                    Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(1))),
                    new X500Name("CN=" + name), caKey.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            root = new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static TestPki create(String name) {
        return new TestPki(name);
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIAL.incrementAndGet());
    }

    static KeyPair ecKey() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    /** A mesh workload certificate: URI SAN {@code spiffe://td/ns/N/sa/S}, client and server use. */
    CertifiedKey workload(String trustDomain, String namespace, String serviceAccount) {
        Instant now = Instant.now();
        return workload(trustDomain, namespace, serviceAccount, now.minusSeconds(60), now.plus(Duration.ofHours(2)));
    }

    /** A workload certificate valid from {@code notBefore} to {@code notAfter} (expired or future ones for tests). */
    CertifiedKey workload(String trustDomain, String namespace, String serviceAccount, Instant notBefore,
                          Instant notAfter) {
        return issue("spiffe", new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier,
                "spiffe://" + trustDomain + "/ns/" + namespace + "/sa/" + serviceAccount)), notBefore, notAfter);
    }

    /** A certificate from this CA with exactly these URI subject alternative names (none: no SAN at all). */
    CertifiedKey withUris(String... uris) {
        GeneralName[] names = new GeneralName[uris.length];
        for (int i = 0; i < uris.length; i++) {
            names[i] = new GeneralName(GeneralName.uniformResourceIdentifier, uris[i]);
        }
        Instant now = Instant.now();
        return issue("uris", uris.length == 0 ? null : new GeneralNames(names), now.minusSeconds(60),
                now.plus(Duration.ofHours(2)));
    }

    /** A server certificate for DNS names. */
    CertifiedKey server(String... dnsNames) {
        GeneralName[] names = new GeneralName[dnsNames.length];
        for (int i = 0; i < dnsNames.length; i++) {
            names[i] = new GeneralName(GeneralName.dNSName, dnsNames[i]);
        }
        Instant now = Instant.now();
        return issue(dnsNames[0], new GeneralNames(names), now.minusSeconds(60), now.plus(Duration.ofHours(2)));
    }

    private CertifiedKey issue(String cn, GeneralNames sans, Instant notBefore, Instant notAfter) {
        try {
            KeyPair kp = ecKey();
            var b = new JcaX509v3CertificateBuilder(root, serial(), Date.from(notBefore),
                    Date.from(notAfter), new X500Name("CN=" + cn), kp.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                    new KeyPurposeId[]{KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            if (sans != null) {
                b.addExtension(Extension.subjectAlternativeName, false, sans);
            }
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
            return new CertifiedKey(kp.getPrivate(), List.of(cert));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    MeshIdentity identity(CertifiedKey key) {
        return new MeshIdentity(() -> key, List.of(root));
    }

    /** A JDK SSLContext presenting {@code key} (may be null) and trusting this CA. */
    SSLContext sslContext(CertifiedKey key) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            if (key != null) {
                ks.setKeyEntry("key", key.key(), new char[0], key.chain().toArray(new X509Certificate[0]));
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, new char[0]);
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            ts.setCertificateEntry("root", root);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ts);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the root as PEM (for curl's --cacert and the gateway's --ca-bundle). */
    Path writeRoot(Path dir) {
        try {
            Path p = dir.resolve("root-" + SERIAL.incrementAndGet() + ".pem");
            Files.writeString(p, "-----BEGIN CERTIFICATE-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(root.getEncoded())
                    + "\n-----END CERTIFICATE-----\n");
            return p;
        } catch (IOException | java.security.cert.CertificateEncodingException e) {
            throw e instanceof IOException io ? new UncheckedIOException(io) : new IllegalStateException(e);
        }
    }

}
