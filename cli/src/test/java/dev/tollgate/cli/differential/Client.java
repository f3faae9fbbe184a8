package dev.tollgate.cli.differential;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.IDN;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The application behind a sidecar, as curl with {@code http_proxy}/{@code https_proxy} set: an absolute-URI request
 * for {@code http://}, {@code CONNECT host:port} then its own TLS (SNI = the host, certificate checked against the
 * stand-ins' CA) for {@code https://}.
 */
final class Client {
    private static final int TIMEOUT_MILLIS = 10_000;

    private final SSLContext tls;

    Client(SSLContext tls) {
        this.tls = tls;
    }

    /**
     * What came back.
     *
     * @param localPort     the client's port, which the sidecar logs as the source address
     * @param connectStatus the answer to CONNECT, 0 for plain HTTP
     * @param tlsError      why the TLS handshake inside the tunnel failed, or null
     * @param status        the response's status, 0 if none
     * @param error         an I/O failure outside the TLS handshake, or null
     */
    record Exchange(int localPort, int connectStatus, String tlsError, int status, Map<String, String> headers,
                    String body, String error) {
        String summary() {
            StringBuilder b = new StringBuilder();
            if (connectStatus != 0) {
                b.append("CONNECT ").append(connectStatus).append("; ");
            }
            if (tlsError != null) {
                b.append("TLS handshake failed: ").append(tlsError).append("; ");
            }
            if (status != 0) {
                b.append("HTTP ").append(status).append(' ').append(headers).append(" body=")
                        .append(body.length() > 200 ? body.substring(0, 200) + "..." : body.strip()).append("; ");
            }
            if (error != null) {
                b.append("error: ").append(error);
            }
            return b.toString().strip();
        }
    }

    Exchange send(InetSocketAddress proxy, Req r) {
        int local = 0;
        int connect = 0;
        try (Socket s = new Socket()) {
            s.connect(proxy, TIMEOUT_MILLIS);
            s.setSoTimeout(TIMEOUT_MILLIS);
            local = s.getLocalPort();
            if (!r.https()) {
                write(s.getOutputStream(), r.method() + " http://" + r.authority() + r.path() + " HTTP/1.1\r\n"
                        + head(r));
                return response(local, 0, s.getInputStream(), r.method().equals("HEAD"), r.method().equals("HEAD"));
            }
            String target = (r.ipv6() ? "[" + r.host() + "]" : r.host()) + ":" + r.port();
            write(s.getOutputStream(), "CONNECT " + target + " HTTP/1.1\r\nHost: " + target
                    + "\r\nUser-Agent: tollgate-differential\r\n\r\n");
            Exchange answer = response(local, 0, s.getInputStream(), true, false);
            connect = answer.status();
            if (connect != 200) {
                return new Exchange(local, connect, null, 0, answer.headers(), answer.body(), answer.error());
            }
            // what curl does with a name: its ASCII form (an IDN converted), case as written, is the SNI and the name
            // checked
            String name = literal(r.host()) ? r.host() : IDN.toASCII(r.host());
            SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(s, name, r.port(), true);
            SSLParameters p = ssl.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            if (!literal(r.host())) {
                p.setServerNames(List.of(new SNIHostName(name)));
            }
            ssl.setSSLParameters(p);
            try {
                ssl.startHandshake();
            } catch (IOException e) {
                return new Exchange(local, connect, String.valueOf(e.getMessage()), 0, Map.of(), "", null);
            }
            write(ssl.getOutputStream(), r.method() + " " + r.path() + " HTTP/1.1\r\n" + head(r));
            return response(local, connect, ssl.getInputStream(), r.method().equals("HEAD"), true);
        } catch (IOException | RuntimeException e) {
            return new Exchange(local, connect, null, 0, Map.of(), "", e.toString());
        }
    }

    static boolean literal(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || Character.isDigit(c));
    }

    private static String head(Req r) {
        boolean body = r.method().equals("POST") || r.method().equals("PUT");
        return "Host: " + r.authority() + "\r\nUser-Agent: tollgate-differential\r\nAccept: */*\r\n"
                + (body ? "Content-Length: 0\r\n" : "") + "Connection: close\r\n\r\n";
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Reads one response; the body by Content-Length, else to the close (every request says Connection: close). */
    private static Exchange response(int local, int connect, InputStream in, boolean noBody, boolean headOnly) {
        try {
            String head = readHead(in);
            String[] lines = head.split("\r\n");
            String[] status = lines[0].split(" ", 3);
            if (status.length < 2 || !status[0].startsWith("HTTP/1.")) {
                return new Exchange(local, connect, null, 0, Map.of(), "", head.isEmpty() ? "empty reply"
                        : "not an HTTP response: " + lines[0]);
            }
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                            lines[i].substring(colon + 1).trim());
                }
            }
            int code = Integer.parseInt(status[1]);
            String body = "";
            // a HEAD response has no body whatever its headers say; a CONNECT 200 is followed by the tunnel
            if (!noBody || (connect == 0 && code != 200 && !headOnly)) {
                String length = headers.get("content-length");
                byte[] bytes = length != null ? in.readNBytes(Integer.parseInt(length)) : in.readAllBytes();
                body = new String(bytes, StandardCharsets.UTF_8);
            }
            return new Exchange(local, connect, null, code, headers, body, null);
        } catch (IOException | RuntimeException e) {
            return new Exchange(local, connect, null, 0, Map.of(), "", e.toString());
        }
    }

    /** Up to the blank line, one byte at a time: after a CONNECT's answer the bytes belong to TLS. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (head.size() < 64 * 1024) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                return head.toString(StandardCharsets.ISO_8859_1).substring(0, head.size() - 4);
            }
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }
}
