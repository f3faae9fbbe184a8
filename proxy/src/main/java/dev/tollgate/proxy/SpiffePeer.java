package dev.tollgate.proxy;

import dev.tollgate.core.snapshot.Peer;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The mesh identity in a peer certificate: its one SPIFFE URI SAN {@code spiffe://<td>/ns/<ns>/sa/<sa>}.
 * A certificate with none, or with more than one URI SAN, has no identity (fail closed).
 */
record SpiffePeer(String trustDomain, String namespace, String serviceAccount) {

    static Optional<SpiffePeer> fromCertificate(X509Certificate cert) {
        Collection<List<?>> sans;
        try {
            sans = cert.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return Optional.empty();
        }
        if (sans == null) {
            return Optional.empty();
        }
        List<String> uris = sans.stream().filter(s -> s.size() >= 2 && Integer.valueOf(6).equals(s.get(0)))
                .map(s -> String.valueOf(s.get(1))).toList();
        if (uris.size() != 1) {
            return Optional.empty();
        }
        return parse(uris.get(0));
    }

    static Optional<SpiffePeer> parse(String uri) {
        if (!uri.startsWith("spiffe://")) {
            return Optional.empty();
        }
        String[] p = uri.substring("spiffe://".length()).split("/", -1);
        if (p.length != 5 || p[0].isEmpty() || !p[1].equals("ns") || p[2].isEmpty() || !p[3].equals("sa")
                || p[4].isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new SpiffePeer(p[0], p[2], p[4]));
    }

    /** As AuthorizationPolicy writes principals: {@code td/ns/N/sa/S}. */
    String principal() {
        return trustDomain + "/ns/" + namespace + "/sa/" + serviceAccount;
    }

    String uri() {
        return "spiffe://" + principal();
    }

    Peer peer() {
        return new Peer(principal(), namespace);
    }
}
