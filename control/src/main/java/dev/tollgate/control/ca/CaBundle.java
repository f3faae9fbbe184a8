package dev.tollgate.control.ca;

import dev.tollgate.identity.MeshCa;
import dev.tollgate.identity.PemFiles;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The CA as the control plane holds it: the root that signs, and the roots trusted without signing. During a root
 * rotation the second list holds the other root of the pair: the next one before signing switches to it (so that
 * every proxy trusts it before it meets a certificate from it), the previous one after (so that certificates it
 * issued stay trusted until they are all renewed).
 *
 * @param signing     the root that issues certificates now
 * @param trustedOnly roots trusted besides the signing one; without the signing root, without duplicates
 */
public record CaBundle(MeshCa signing, List<X509Certificate> trustedOnly) {

    public CaBundle {
        Objects.requireNonNull(signing, "signing");
        List<X509Certificate> distinct = new ArrayList<>();
        for (X509Certificate c : trustedOnly) {
            if (!c.equals(signing.rootCertificate()) && !distinct.contains(c)) {
                distinct.add(c);
            }
        }
        trustedOnly = List.copyOf(distinct);
    }

    /** Every trusted root, the signing one first: what proxies must trust, and what is published to namespaces. */
    public List<X509Certificate> roots() {
        List<X509Certificate> all = new ArrayList<>();
        all.add(signing.rootCertificate());
        all.addAll(trustedOnly);
        return List.copyOf(all);
    }

    /** {@link #roots()} as PEM: the content of the published {@code root-cert.pem}. */
    public String rootsPem() {
        return PemFiles.toPem(roots());
    }
}
