package dev.tollgate.cli.differential;

/**
 * An outcome both sides can be compared on: what {@code check} predicts, or what the client of the real proxies saw.
 *
 * @param port   for {@link Kind#REACHED}: the external port of the stand-in that answered (check: the upstream's
 *               port); 0 otherwise
 * @param detail for people: check's reason, or what came back and the proxies' access log lines
 */
record Verdict(Kind kind, int port, String detail) {

    enum Kind {
        /** Allowed: a stand-in answered 200 (check: {@code allowed}). */
        REACHED,
        /** The sidecar answered itself, 502 to the request or the CONNECT (check: {@code blocked}, sidecar no-route). */
        SIDECAR_REFUSED,
        /** The gateway's authorization: 403 "RBAC: access denied", or the tunnel closed (check: {@code denied}). */
        GATEWAY_DENIED,
        /** The gateway found no route: 404, or the tunnel closed (check: {@code no-route} at the gateway). */
        GATEWAY_NO_ROUTE,
        /**
         * The request itself is invalid: check refuses it as a usage error (exit 2), the sidecar answers 400 and
         * logs an error, each with the same reason.
         */
        INVALID_REQUEST,
        /** Anything else: an error status, a timeout, the sink reached. check never predicts it. */
        FAILED
    }

    boolean agrees(Verdict other) {
        return kind == other.kind && (kind != Kind.REACHED || port == other.port);
    }

    String brief() {
        return kind == Kind.REACHED ? "REACHED port " + port : kind.name();
    }
}
