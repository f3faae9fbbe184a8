package dev.tollgate.proxy;

import dev.tollgate.identity.IssuedCertificate;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A private key and its certificate chain (leaf first), as a proxy presents it in TLS.
 * The identity module's {@code IssuedCertificate} maps onto it one to one.
 */
public record CertifiedKey(PrivateKey key, List<X509Certificate> chain) {
    public CertifiedKey {
        Objects.requireNonNull(key, "key");
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("empty certificate chain");
        }
    }

    /** The identity module's issued certificate, as presented in TLS. */
    public static CertifiedKey of(IssuedCertificate issued) {
        return new CertifiedKey(issued.key(), issued.chain());
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    public Instant notAfter() {
        return leaf().getNotAfter().toInstant();
    }
}
