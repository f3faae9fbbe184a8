package dev.tollgate.proxy;

import dev.tollgate.identity.RotatingCertificate;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What a proxy proves and trusts in the mesh.
 *
 * @param certificate the workload certificate to present, read for every new TLS connection so that a renewed
 *                    certificate (e.g. from the identity module's {@code RotatingCertificate}) is used at once;
 *                    it must never return an expired one
 * @param trustRoots  the mesh CA roots: peers' certificates must chain to one of them
 * @param rotating    the renewing certificate behind {@code certificate}, when there is one: metrics read its state
 *                    (expiry, renewals) without asking for the certificate, which may issue one
 */
public record MeshIdentity(Supplier<CertifiedKey> certificate, List<X509Certificate> trustRoots,
                           Optional<RotatingCertificate> rotating) {
    /**
     * A renewing workload certificate (from {@code --ca-dir} or the demo's CA) and the mesh root: each new
     * connection presents the certificate current at that moment.
     */
    public static MeshIdentity rotating(RotatingCertificate certificate, X509Certificate meshRoot) {
        return new MeshIdentity(() -> CertifiedKey.of(certificate.current()), List.of(meshRoot),
                Optional.of(certificate));
    }

    /** A certificate that does not renew (e.g. {@code --cert-dir}), or one renewed elsewhere. */
    public MeshIdentity(Supplier<CertifiedKey> certificate, List<X509Certificate> trustRoots) {
        this(certificate, trustRoots, Optional.empty());
    }

    public MeshIdentity {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(rotating, "rotating");
        trustRoots = List.copyOf(trustRoots);
        if (trustRoots.isEmpty()) {
            throw new IllegalArgumentException("no mesh trust roots");
        }
    }
}
