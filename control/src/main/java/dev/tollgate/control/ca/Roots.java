package dev.tollgate.control.ca;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;

/** How a root is named in logs and metric labels: two roots of one trust domain have the same subject. */
final class Roots {
    private Roots() {
    }

    /**
     * The first 8 bytes of the SHA-256 of the certificate, in hex, as {@code openssl x509 -fingerprint -sha256}
     * prints it without colons: enough to tell an operator's roots apart, short enough for a metric label.
     */
    static String fingerprint(X509Certificate root) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(root.getEncoded());
            return HexFormat.of().withUpperCase().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot fingerprint " + root.getSubjectX500Principal(), e);
        }
    }

    static String describe(X509Certificate root) {
        return "root " + fingerprint(root) + " (" + root.getSubjectX500Principal().getName() + ", until "
                + root.getNotAfter().toInstant() + ")";
    }
}
