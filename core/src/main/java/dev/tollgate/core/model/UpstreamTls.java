package dev.tollgate.core.model;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How a proxy opens TLS to its upstream, from the DestinationRule that applies (port-level settings over
 * the subset's over the rule's). {@code DISABLE} means: send the bytes as they are.
 *
 * @param sni             the SNI to send; for SIMPLE without an explicit sni, the upstream host
 * @param subjectAltNames names the server certificate must carry (empty: the SNI / host)
 * @param caCertificates  a CA bundle path from the DestinationRule, if any (empty: system trust or the configured bundle)
 */
public record UpstreamTls(TlsMode mode, Optional<String> sni, List<String> subjectAltNames,
                          Optional<String> caCertificates) {
    public static final UpstreamTls NONE = new UpstreamTls(TlsMode.DISABLE, Optional.empty(), List.of(), Optional.empty());

    public UpstreamTls {
        Objects.requireNonNull(mode, "mode");
        sni = sni == null ? Optional.empty() : sni;
        subjectAltNames = List.copyOf(subjectAltNames);
        caCertificates = caCertificates == null ? Optional.empty() : caCertificates;
    }
}
