package dev.tollgate.core.model;

import java.util.Optional;

/**
 * A Gateway server's {@code tls.mode} (Istio's {@code ServerTLSSettings.TLSmode}), plus {@link #NONE} for a server
 * without {@code tls} settings, which Istio's {@code pkg/config/gateway} functions test as {@code server.Tls == nil}.
 */
public enum ServerTlsMode {
    NONE, PASSTHROUGH, SIMPLE, MUTUAL, AUTO_PASSTHROUGH, ISTIO_MUTUAL, OPTIONAL_MUTUAL;

    /**
     * The mode of one server.
     *
     * @param tlsPresent whether the server has a {@code tls} block
     * @param mode       its {@code mode} as written; absent means PASSTHROUGH, the proto enum's zero value
     */
    public static ServerTlsMode of(PortProtocol protocol, boolean tlsPresent, Optional<String> mode) {
        if (!tlsPresent) {
            // Istio's validation refuses HTTPS/TLS servers without tls settings; if one gets this far, treating it as
            // passthrough keeps the gateway from ever serving it as plain text
            return protocol.isTls() ? PASSTHROUGH : NONE;
        }
        return mode.flatMap(ServerTlsMode::named).orElse(PASSTHROUGH);
    }

    /** The mode named {@code written} (upper case, as the proto enum spells it), if there is one. */
    public static Optional<ServerTlsMode> named(String written) {
        for (ServerTlsMode m : values()) {
            if (m != NONE && m.name().equals(written)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    /** Istio's {@code IsPassThroughServer}, mode part: PASSTHROUGH or AUTO_PASSTHROUGH. */
    public boolean passthrough() {
        return this == PASSTHROUGH || this == AUTO_PASSTHROUGH;
    }

    /** Modes that terminate with the server's own certificate and key (or {@code credentialName}). */
    public boolean needsServerCredentials() {
        return this == SIMPLE || this == MUTUAL || this == OPTIONAL_MUTUAL;
    }

    /** Modes whose termination requires a client certificate. */
    public boolean requiresClientCertificate() {
        return this == MUTUAL || this == ISTIO_MUTUAL;
    }
}
