package dev.tollgate.core.model.net;

import java.util.Optional;

/**
 * The one rule for an HTTP request target (the path and query a request line carries, or check's URL path): visible
 * ASCII only (RFC 9112 3.2 and RFC 3986: other octets are sent percent-encoded). A byte outside it is refused at
 * every boundary, the proxies and check alike: the proxies read the request line byte by byte, so a UTF-8 path
 * {@code /é} would reach the path rules as two other characters and miss a policy that names {@code /é}, while
 * Envoy compares the bytes; refusing it is the one reading that cannot let such a request past a DENY.
 */
public final class RequestTarget {
    private RequestTarget() {
    }

    /** Why {@code target} is no request target Tollgate reads, or empty when it is one. */
    public static Optional<String> problem(String target) {
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return Optional.of("request target \"" + HostName.shown(target) + "\" has a character that is not"
                        + " visible ASCII at " + i + "; percent-encode it (RFC 3986)");
            }
        }
        return Optional.empty();
    }
}
