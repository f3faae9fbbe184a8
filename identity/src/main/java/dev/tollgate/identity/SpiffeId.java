package dev.tollgate.identity;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * An Istio workload identity, {@code spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>}.
 *
 * <p>Parsing is strict on purpose: the identity decides authorization, so anything that is not exactly
 * Istio's shape is rejected rather than normalised. No percent-decoding, no case folding, no extra
 * segments, no query or fragment, no user info or port in the trust domain.
 *
 * <ul>
 *   <li>trust domain: dot-separated DNS-1123 labels, as Istio's {@code ValidateTrustDomain} requires
 *       (lower-case letters, digits and {@code -}; each label 1-63 characters, starting and ending with a
 *       letter or digit); at most 255 characters. A trailing dot, which Istio tolerates in mesh config, is
 *       rejected here: a principal must have one spelling;</li>
 *   <li>namespace: a Kubernetes namespace name (DNS-1123 label);</li>
 *   <li>service account: a Kubernetes service account name (DNS-1123 subdomain, at most 253 characters).</li>
 * </ul>
 */
public record SpiffeId(String trustDomain, String namespace, String serviceAccount) {

    static final String SCHEME = "spiffe://";
    /** SPIFFE-ID section 2.3: a SPIFFE ID is at most 2048 bytes. */
    static final int MAX_LENGTH = 2048;
    private static final int URI_SAN = 6;

    /** @throws IllegalArgumentException when a part is not valid (see the class comment) */
    public SpiffeId {
        requireValid(trustDomain, namespace, serviceAccount);
    }

    /** The identity as Istio's {@code principals} field spells it: {@code td/ns/N/sa/S}. */
    public String principal() {
        return trustDomain + "/ns/" + namespace + "/sa/" + serviceAccount;
    }

    /** The URI, as it appears in the certificate's subject alternative name. */
    public String uri() {
        return SCHEME + principal();
    }

    @Override
    public String toString() {
        return uri();
    }

    /**
     * The identity a certificate carries. Empty unless the certificate has exactly one URI subject
     * alternative name and it is a valid Istio SPIFFE ID. This does not verify the certificate: call it on
     * a certificate that TLS has already validated against the mesh root.
     */
    public static Optional<SpiffeId> fromCertificate(X509Certificate certificate) {
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException | RuntimeException e) {
            return Optional.empty();
        }
        if (names == null) {
            return Optional.empty();
        }
        List<Object> uris = new ArrayList<>();
        for (List<?> name : names) {
            if (name.size() >= 2 && Integer.valueOf(URI_SAN).equals(name.get(0))) {
                uris.add(name.get(1));
            }
        }
        // Several URIs would make "the" identity ambiguous: which one did the CA vouch for?
        if (uris.size() != 1 || !(uris.getFirst() instanceof String uri)) {
            return Optional.empty();
        }
        return parse(uri);
    }

    /** Parses {@code spiffe://td/ns/N/sa/S}; empty for anything else (see the class comment). */
    public static Optional<SpiffeId> parse(String uri) {
        if (uri == null || uri.length() > MAX_LENGTH || !uri.startsWith(SCHEME)) {
            return Optional.empty();
        }
        return parsePrincipal(uri.substring(SCHEME.length()));
    }

    /** Parses a principal, {@code td/ns/N/sa/S}; empty for anything else. */
    public static Optional<SpiffeId> parsePrincipal(String principal) {
        if (principal == null || principal.length() > MAX_LENGTH) {
            return Optional.empty();
        }
        // split with limit -1 keeps trailing empty segments, so "…/sa/x/" is five+ parts and rejected
        String[] parts = principal.split("/", -1);
        if (parts.length != 5 || !parts[1].equals("ns") || !parts[3].equals("sa")) {
            return Optional.empty();
        }
        if (problem(parts[0], parts[2], parts[4]).isPresent()) {
            return Optional.empty();
        }
        return Optional.of(new SpiffeId(parts[0], parts[2], parts[4]));
    }

    /** Why a trust domain is not valid, if it is not. */
    public static Optional<String> trustDomainProblem(String trustDomain) {
        if (trustDomain == null || trustDomain.isEmpty()) {
            return Optional.of("the trust domain is empty");
        }
        if (trustDomain.length() > 255) {
            return Optional.of("the trust domain is longer than 255 characters");
        }
        for (String label : trustDomain.split("\\.", -1)) {
            if (!isDns1123Label(label)) {
                return Optional.of("trust domain '" + printable(trustDomain) + "' is not dot-separated DNS-1123 labels "
                        + "(lower-case letters, digits and '-', e.g. cluster.local)");
            }
        }
        return Optional.empty();
    }

    private static void requireValid(String trustDomain, String namespace, String serviceAccount) {
        problem(trustDomain, namespace, serviceAccount).ifPresent(p -> {
            throw new IllegalArgumentException(p);
        });
    }

    private static Optional<String> problem(String trustDomain, String namespace, String serviceAccount) {
        Optional<String> td = trustDomainProblem(trustDomain);
        if (td.isPresent()) {
            return td;
        }
        if (namespace == null || !isDns1123Label(namespace)) {
            return Optional.of("namespace '" + printable(namespace) + "' is not a Kubernetes namespace name "
                    + "(DNS-1123 label: lower-case letters, digits and '-', at most 63)");
        }
        if (serviceAccount == null || serviceAccount.length() > 253) {
            return Optional.of("service account '" + printable(serviceAccount) + "' is not a Kubernetes name");
        }
        for (String label : serviceAccount.split("\\.", -1)) {
            if (!isDns1123Label(label)) {
                return Optional.of("service account '" + printable(serviceAccount) + "' is not a Kubernetes name "
                        + "(DNS-1123 subdomain: lower-case letters, digits, '-' and '.')");
            }
        }
        return Optional.empty();
    }

    static boolean isDns1123Label(String s) {
        if (s == null || s.isEmpty() || s.length() > 63) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
            if (!alnum && !(c == '-' && i > 0 && i < s.length() - 1)) {
                return false;
            }
        }
        return true;
    }

    /** For error messages: hostile input must not put control characters into a terminal or a log. */
    public static String printable(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), 80));
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return s.length() > 80 ? b.append("...").toString() : b.toString();
    }
}
