package dev.tollgate.identity;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A private key and its certificate chain, as a TLS endpoint presents them.
 *
 * @param key         the private key of {@code certificate}
 * @param certificate the leaf certificate
 * @param chain       the chain to present: {@code certificate} first, then each issuer up to and including the
 *                    issuing CA's certificate (for a Tollgate mesh CA: the leaf, then the root)
 */
public record IssuedCertificate(PrivateKey key, X509Certificate certificate, List<X509Certificate> chain) {

    public IssuedCertificate {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(certificate, "certificate");
        chain = List.copyOf(chain);
        if (chain.isEmpty() || !chain.getFirst().equals(certificate)) {
            throw new IllegalArgumentException("the chain must start with the certificate");
        }
    }

    public Instant notBefore() {
        return certificate.getNotBefore().toInstant();
    }

    public Instant notAfter() {
        return certificate.getNotAfter().toInstant();
    }

    /** The SPIFFE identity of a workload certificate; empty for a server certificate. */
    public Optional<SpiffeId> spiffeId() {
        return SpiffeId.fromCertificate(certificate);
    }

    /** Never prints the key. */
    @Override
    public String toString() {
        return "IssuedCertificate[subject=" + certificate.getSubjectX500Principal().getName()
                + ", spiffeId=" + spiffeId().map(SpiffeId::uri).orElse("none")
                + ", notAfter=" + notAfter() + "]";
    }
}
