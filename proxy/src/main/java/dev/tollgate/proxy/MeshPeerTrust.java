package dev.tollgate.proxy;

import dev.tollgate.identity.SpiffeId;
import dev.tollgate.identity.TrustBundle;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The gateway's check of a client's mesh certificate, one step at a time so that a refusal says which step failed:
 * a certificate at all, issued by a mesh root, within its validity, the rest of the PKIX path, a SPIFFE identity, in
 * the mesh's trust domain (or one of its {@code trustDomainAliases}). BoringSSL reports any refusal from a trust
 * manager as "General OpenSslEngine problem"; {@link #describe} finds the step in the cause chain.
 */
final class MeshPeerTrust extends X509ExtendedTrustManager {

    /** A client certificate refused, with the step that refused it as the message. */
    static final class Rejected extends CertificateException {
        Rejected(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final List<X509Certificate> roots;
    private final X509ExtendedTrustManager pkix;
    private final Supplier<Optional<Set<String>>> trustDomains;

    /**
     * @param trustDomains the trust domains a peer may belong to (the mesh's and its aliases, from the current
     *                     snapshot); empty when no configuration is loaded, which skips the check
     */
    MeshPeerTrust(List<X509Certificate> roots, Supplier<Optional<Set<String>>> trustDomains) {
        this.roots = List.copyOf(roots);
        this.pkix = TrustBundle.pkixTrustManager(roots);
        this.trustDomains = trustDomains;
    }

    private interface PathCheck {
        void run() throws CertificateException;
    }

    private void check(X509Certificate[] chain, PathCheck path) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new Rejected("the client sent no certificate", null);
        }
        X509Certificate leaf = chain[0];
        String who = name(leaf);
        X509Certificate top = chain[chain.length - 1];
        if (!issuedByRoot(top)) {
            throw new Rejected("client certificate " + who + " is not issued by the mesh CA (unknown CA: issuer "
                    + top.getIssuerX500Principal().getName() + ")", null);
        }
        Date now = new Date();
        for (X509Certificate c : chain) {
            String which = c == leaf ? "client certificate " + who : "intermediate CA " + c.getSubjectX500Principal().getName();
            try {
                c.checkValidity(now);
            } catch (CertificateExpiredException e) {
                throw new Rejected(which + " expired at " + c.getNotAfter().toInstant(), e);
            } catch (CertificateNotYetValidException e) {
                throw new Rejected(which + " is not yet valid (notBefore " + c.getNotBefore().toInstant() + ")", e);
            }
        }
        try {
            path.run();
        } catch (CertificateException e) {
            throw new Rejected("client certificate " + who + " failed path validation: " + e.getMessage(), e);
        }
        Optional<SpiffeId> id = SpiffeId.fromCertificate(leaf);
        if (id.isEmpty()) {
            throw new Rejected("client certificate " + who + " has no SPIFFE URI (spiffe://<trust domain>/ns/<ns>/sa/<sa>)",
                    null);
        }
        Optional<Set<String>> domains = trustDomains.get();
        if (domains.isPresent() && !domains.get().contains(id.get().trustDomain())) {
            throw new Rejected("client certificate " + id.get().uri() + " is in trust domain "
                    + id.get().trustDomain() + ", not the mesh's " + domains.get(), null);
        }
    }

    private boolean issuedByRoot(X509Certificate top) {
        for (X509Certificate root : roots) {
            if (root.equals(top)) {
                return true;
            }
            if (root.getSubjectX500Principal().equals(top.getIssuerX500Principal())) {
                try {
                    top.verify(root.getPublicKey());
                    return true;
                } catch (GeneralSecurityException e) {
                    // same name, other key: not this root
                }
            }
        }
        return false;
    }

    /** The SPIFFE URI when there is one, else the subject: what an operator would look the peer up by. */
    private static String name(X509Certificate c) {
        return SpiffeId.fromCertificate(c).map(SpiffeId::uri)
                .orElse(c.getSubjectX500Principal().getName());
    }

    /**
     * A failed mTLS handshake in words: the step {@link MeshPeerTrust} refused, else the innermost message that is not
     * BoringSSL's catch-all.
     */
    static String describe(Throwable failure) {
        String innermost = null;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof Rejected r) {
                return r.getMessage();
            }
            for (Throwable s : t.getSuppressed()) {
                if (s instanceof Rejected r) {
                    return r.getMessage();
                }
            }
            String m = t.getMessage();
            if (m != null && !m.equals("General OpenSslEngine problem")) {
                innermost = m;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        if (innermost == null) {
            return failure.getClass().getSimpleName();
        }
        if (innermost.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") || innermost.contains("Empty client certificate")) {
            return "the client sent no certificate";
        }
        return innermost.replaceAll("[\\r\\n]+", " ");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain, () -> pkix.checkClientTrusted(chain, authType, engine));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        check(chain, () -> pkix.checkClientTrusted(chain, authType, socket));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, () -> ((X509TrustManager) pkix).checkClientTrusted(chain, authType));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        pkix.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        pkix.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pkix.checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return pkix.getAcceptedIssuers();
    }
}
