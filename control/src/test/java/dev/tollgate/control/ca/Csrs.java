package dev.tollgate.control.ca;

import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.util.List;

/** Hand-made CSRs, including the ones a hostile or broken proxy might send. */
final class Csrs {

    private Csrs() {
    }

    /** SANs as {@code spiffe://...} URIs or {@code dns:NAME}. */
    static String withSans(KeyPair key, List<String> sans) {
        if (sans.isEmpty()) {
            return plain(key, "SHA256withECDSA");
        }
        GeneralName[] names = sans.stream().map(s -> s.startsWith("dns:")
                ? new GeneralName(GeneralName.dNSName, s.substring(4))
                : new GeneralName(GeneralName.uniformResourceIdentifier, s)).toArray(GeneralName[]::new);
        try {
            ExtensionsGenerator g = new ExtensionsGenerator();
            g.addExtension(Extension.subjectAlternativeName, true, new GeneralNames(names));
            return withExtensions(key, g.generate());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Extensions caTrue() {
        try {
            ExtensionsGenerator g = new ExtensionsGenerator();
            g.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            return g.generate();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String withExtensions(KeyPair key, Extensions extensions) {
        return pem(builder(key).addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions), key.getPrivate(), "SHA256withECDSA");
    }

    static String plain(KeyPair key, String algorithm) {
        return pem(builder(key), key.getPrivate(), algorithm);
    }

    /** A CSR for {@code claimed}'s public key, signed with {@code signer}'s private key. */
    static String signedByAnotherKey(KeyPair claimed, KeyPair signer) {
        return pem(builder(claimed), signer.getPrivate(), "SHA256withECDSA");
    }

    private static PKCS10CertificationRequestBuilder builder(KeyPair key) {
        return new JcaPKCS10CertificationRequestBuilder(new X500Name(new RDN[0]), key.getPublic());
    }

    private static String pem(PKCS10CertificationRequestBuilder builder, PrivateKey signer, String algorithm) {
        try {
            PKCS10CertificationRequest csr = builder.build(new JcaContentSignerBuilder(algorithm).build(signer));
            StringWriter out = new StringWriter();
            try (JcaPEMWriter w = new JcaPEMWriter(out)) {
                w.writeObject(csr);
            }
            return out.toString();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
