package dev.tollgate.control.ca;

import dev.tollgate.identity.MeshCa;
import dev.tollgate.identity.SpiffeId;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

import java.io.IOException;
import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;

/**
 * Checks a PKCS#10 certificate signing request before the CA signs its key.
 *
 * <p>The CSR must be signed by its own key (proof that the caller holds the private key), carry an EC P-256
 * key ({@link MeshCa#workloadKeyProblem}), and ask for no identity but the one the caller's token proves.
 *
 * <p>On the requested names, Tollgate is stricter than istiod. istiod ignores the CSR's SANs and signs for the
 * identities its authenticator found (security/pkg/server/ca/server.go: "By default, we will use the callers
 * identity for the certificate"), although its API comment asks the server to "verify the authenticated caller
 * is authorized to all SANs in the CSR". A CSR that names another identity is a bug in the proxy or an attempt
 * to get more than was proved; silently signing something else hides both, so it is refused. A CSR with no SAN,
 * or exactly the proven SPIFFE ID, is signed. The CSR's subject is not checked: the certificate's subject is
 * always empty, like every Tollgate and Istio workload certificate, so a subject grants nothing.
 */
final class CertificateRequests {

    /** Far above any real CSR (a P-256 CSR is under 1 KiB); refuses garbage before parsing it. */
    static final int MAX_PEM_LENGTH = 16 * 1024;

    private CertificateRequests() {
    }

    /**
     * The public key to certify for {@code identity}.
     *
     * @throws CsrRefusedException when the CSR is unusable or asks for another identity
     */
    static PublicKey verifiedKey(String pem, SpiffeId identity) throws CsrRefusedException {
        PKCS10CertificationRequest csr = parse(pem);
        verifySignature(csr);
        PublicKey key = ecKey(csr);
        checkRequestedExtensions(csr, identity);
        return key;
    }

    private static PKCS10CertificationRequest parse(String pem) throws CsrRefusedException {
        if (pem == null || pem.isBlank()) {
            throw new CsrRefusedException("no CSR in the request", false);
        }
        if (pem.length() > MAX_PEM_LENGTH) {
            throw new CsrRefusedException("the CSR is longer than " + MAX_PEM_LENGTH + " characters", false);
        }
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o = parser.readObject();
            if (o instanceof PKCS10CertificationRequest csr) {
                return csr;
            }
            throw new CsrRefusedException("the request holds no PEM 'CERTIFICATE REQUEST'", false);
        } catch (IOException | RuntimeException e) {
            throw new CsrRefusedException("the CSR is not readable PEM PKCS#10: " + SpiffeId.printable(e.getMessage()), false);
        }
    }

    private static void verifySignature(PKCS10CertificationRequest csr) throws CsrRefusedException {
        boolean valid;
        try {
            valid = csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(csr.getSubjectPublicKeyInfo()));
        } catch (Exception e) { // BouncyCastle throws OperatorCreationException, PKCSException and runtime errors
            throw new CsrRefusedException("the CSR's signature cannot be checked: " + SpiffeId.printable(e.getMessage()), false);
        }
        if (!valid) {
            throw new CsrRefusedException("the CSR's signature does not verify with its own key", false);
        }
    }

    private static PublicKey ecKey(PKCS10CertificationRequest csr) throws CsrRefusedException {
        PublicKey key;
        try {
            // the JDK's own key object, so that MeshCa compares the curve exactly as it does for its own keys
            key = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(csr.getSubjectPublicKeyInfo().getEncoded()));
        } catch (GeneralSecurityException | IOException e) {
            throw new CsrRefusedException("the CSR's key is not an EC key; a workload key must be EC P-256", false);
        }
        String problem = MeshCa.workloadKeyProblem(key).orElse(null);
        if (problem != null) {
            throw new CsrRefusedException(problem, false);
        }
        return key;
    }

    private static void checkRequestedExtensions(PKCS10CertificationRequest csr, SpiffeId identity) throws CsrRefusedException {
        for (Attribute attribute : csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
            for (ASN1Encodable value : attribute.getAttributeValues()) {
                Extensions extensions;
                try {
                    extensions = Extensions.getInstance(value);
                } catch (RuntimeException e) {
                    throw new CsrRefusedException("the CSR's extension request is malformed", false);
                }
                checkNames(extensions, identity);
                BasicConstraints constraints = BasicConstraints.fromExtensions(extensions);
                if (constraints != null && constraints.isCA()) {
                    throw new CsrRefusedException("the CSR asks for a CA certificate; the CA signs only workload certificates", true);
                }
            }
        }
    }

    private static void checkNames(Extensions extensions, SpiffeId identity) throws CsrRefusedException {
        GeneralNames names;
        try {
            names = GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName);
        } catch (RuntimeException e) {
            throw new CsrRefusedException("the CSR's subject alternative names are malformed", false);
        }
        if (names == null) {
            return;
        }
        for (GeneralName name : names.getNames()) {
            boolean same = name.getTagNo() == GeneralName.uniformResourceIdentifier
                    && identity.uri().equals(name.getName().toString());
            if (!same) {
                throw new CsrRefusedException("the CSR asks for " + describe(name) + "; the token proves only "
                        + identity.uri(), true);
            }
        }
    }

    private static String describe(GeneralName name) {
        String kind = switch (name.getTagNo()) {
            case GeneralName.uniformResourceIdentifier -> "URI";
            case GeneralName.dNSName -> "DNS";
            case GeneralName.iPAddress -> "IP";
            case GeneralName.rfc822Name -> "email";
            default -> "a name of type " + name.getTagNo();
        };
        String value = name.getTagNo() == GeneralName.iPAddress ? "" : " " + SpiffeId.printable(name.getName().toString());
        return kind + value;
    }
}
