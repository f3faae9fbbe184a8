package dev.tollgate.proxy;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What a proxy proves and trusts in the mesh.
 *
 * @param certificate the workload certificate to present, read for every new TLS connection so that a renewed
 *                    certificate (e.g. from the identity module's {@code RotatingCertificate}) is used at once;
 *                    it must never return an expired one
 * @param trustRoots  the mesh CA roots: peers' certificates must chain to one of them
 */
public record MeshIdentity(Supplier<CertifiedKey> certificate, List<X509Certificate> trustRoots) {
    public MeshIdentity {
        Objects.requireNonNull(certificate, "certificate");
        trustRoots = List.copyOf(trustRoots);
        if (trustRoots.isEmpty()) {
            throw new IllegalArgumentException("no mesh trust roots");
        }
    }
}
