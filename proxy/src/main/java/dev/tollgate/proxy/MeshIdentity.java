package dev.tollgate.proxy;

import dev.tollgate.identity.RotatingCertificate;
import dev.tollgate.identity.TrustBundle;

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
 * @param trust       the mesh CA roots: peers' certificates must chain to one of them. Read for every new TLS
 *                    connection too, so that a root rotation (a {@link TrustBundle} watching a file) takes effect
 *                    for new connections while established ones keep going
 * @param rotating    the renewing certificate behind {@code certificate}, when there is one: metrics read its state
 *                    (expiry, renewals) without asking for the certificate, which may issue one
 */
public record MeshIdentity(Supplier<CertifiedKey> certificate, TrustBundle trust,
                           Optional<RotatingCertificate> rotating) {
    /**
     * A renewing workload certificate (from {@code --ca-dir} or the demo's CA) and the mesh root: each new
     * connection presents the certificate current at that moment.
     */
    public static MeshIdentity rotating(RotatingCertificate certificate, X509Certificate meshRoot) {
        return rotating(certificate, TrustBundle.of(List.of(meshRoot)));
    }

    /** A renewing workload certificate and roots that may change (e.g. {@code TrustBundle.watch(rootCertFile)}). */
    public static MeshIdentity rotating(RotatingCertificate certificate, TrustBundle trust) {
        return new MeshIdentity(() -> CertifiedKey.of(certificate.current()), trust, Optional.of(certificate));
    }

    /** A certificate that does not renew, or one renewed elsewhere, and fixed roots. */
    public MeshIdentity(Supplier<CertifiedKey> certificate, List<X509Certificate> trustRoots) {
        this(certificate, TrustBundle.of(trustRoots), Optional.empty());
    }

    /** A certificate that does not renew, or one renewed elsewhere (e.g. {@code --cert-dir}), and live roots. */
    public MeshIdentity(Supplier<CertifiedKey> certificate, TrustBundle trust) {
        this(certificate, trust, Optional.empty());
    }

    public MeshIdentity {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(trust, "trust");
        Objects.requireNonNull(rotating, "rotating");
    }

    /** The roots trusted now; the same list instance until they change. */
    public List<X509Certificate> trustRoots() {
        return trust.roots();
    }
}
