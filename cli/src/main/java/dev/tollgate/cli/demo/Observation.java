package dev.tollgate.cli.demo;

/**
 * What one request came to, in curl's terms, and what that means in the tutorial's.
 *
 * @param exitCode    curl's exit status (0 when a response came back, whatever its status)
 * @param httpCode    the response's status ({@code %{http_code}}), 0 if none
 * @param connectCode the proxy's answer to CONNECT ({@code %{http_connect}}), 0 if there was no CONNECT
 * @param message     curl's error message, or empty
 */
public record Observation(int exitCode, int httpCode, int connectCode, String message) {

    /** curl: "Failure when receiving data from the peer", what a CONNECT answered 502 gives. */
    public static final int RECV_ERROR = 56;
    /** curl: "A problem occurred somewhere in the SSL/TLS handshake", what a tunnel closed by the gateway gives. */
    public static final int SSL_CONNECT_ERROR = 35;
    public static final int TIMEOUT = 28;
    public static final int COULDNT_CONNECT = 7;
    public static final int EMPTY_REPLY = 52;

    public Observation {
        message = message == null ? "" : message.strip();
    }

    /**
     * The tutorial's reading of this observation (DESIGN.md, "What a client sees"):
     * <ul>
     *   <li>200 → ok;</li>
     *   <li>502 from the sidecar, to the request or to the CONNECT (curl exit 56) → blocked;</li>
     *   <li>403 → 403; and a TLS handshake that fails after the CONNECT was answered 200 (curl exit 35): the
     *       gateway closed the tunnel, which is how Istio denies a tunnel → 403;</li>
     *   <li>anything else → error.</li>
     * </ul>
     */
    public Outcome outcome() {
        if (exitCode == 0) {
            return switch (httpCode) {
                case 200 -> Outcome.OK;
                case 502 -> Outcome.BLOCKED;
                case 403 -> Outcome.FORBIDDEN;
                default -> Outcome.ERROR;
            };
        }
        if (exitCode == RECV_ERROR && (connectCode == 502 || (connectCode == 0 && httpCode == 502))) {
            return Outcome.BLOCKED;
        }
        if (exitCode == SSL_CONNECT_ERROR && connectCode == 200) {
            return Outcome.FORBIDDEN;
        }
        return Outcome.ERROR;
    }

    /** For the report: {@code HTTP 200}, {@code CONNECT 502 (curl exit 56)}, ... */
    public String detail() {
        StringBuilder b = new StringBuilder();
        if (connectCode != 0) {
            b.append("CONNECT ").append(connectCode);
        }
        if (httpCode != 0 && !(exitCode != 0 && httpCode == connectCode)) {
            b.append(b.isEmpty() ? "" : ", ").append("HTTP ").append(httpCode);
        }
        if (exitCode != 0) {
            b.append(b.isEmpty() ? "" : ", ").append("curl exit ").append(exitCode);
            if (!message.isEmpty()) {
                b.append(": ").append(message);
            }
        }
        return b.isEmpty() ? "no response" : b.toString();
    }
}
