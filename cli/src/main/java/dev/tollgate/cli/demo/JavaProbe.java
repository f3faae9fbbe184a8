package dev.tollgate.cli.demo;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The built-in client, for machines without curl: the same requests curl makes ({@code HEAD} as an absolute-URI
 * request for http, {@code CONNECT} then TLS for https) and the same exit statuses for the same failures, so
 * {@link Observation#outcome()} reads both alike.
 */
public final class JavaProbe implements Probe {

    private static final int TIMEOUT_MILLIS = 10_000;
    private static final int MAX_HEAD = 64 * 1024;

    private final SSLContext tls;

    /** Trusts only {@code ca}, as curl with {@code --cacert} does. */
    public JavaProbe(X509Certificate ca) {
        try {
            KeyStore roots = KeyStore.getInstance("PKCS12");
            roots.load(null, null);
            roots.setCertificateEntry("ca", ca);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(roots);
            tls = SSLContext.getInstance("TLS");
            tls.init(null, tmf.getTrustManagers(), null);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the built-in client's TLS context", e);
        }
    }

    @Override
    public String command(InetSocketAddress sidecar, String url) {
        return "(built-in client, as curl -I through " + CurlRunner.proxyUrl(sidecar) + ") HEAD " + url;
    }

    @Override
    public Observation head(InetSocketAddress sidecar, String url) {
        URI uri = URI.create(url);
        String host = uri.getHost();
        boolean https = "https".equals(uri.getScheme());
        int port = uri.getPort() > 0 ? uri.getPort() : https ? 443 : 80;
        String authority = host + ":" + port;
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        try (Socket socket = new Socket()) {
            socket.connect(sidecar, TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            if (!https) {
                send(socket.getOutputStream(), "HEAD " + url + " HTTP/1.1\r\nHost: " + hostHeader(host, port, 80)
                        + "\r\nUser-Agent: tollgate-demo\r\nAccept: */*\r\nProxy-Connection: close\r\nConnection: close\r\n\r\n");
                return response(socket.getInputStream(), 0);
            }
            send(socket.getOutputStream(), "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority
                    + "\r\nUser-Agent: tollgate-demo\r\n\r\n");
            int connect = status(readHead(socket.getInputStream()));
            if (connect == 0) {
                return new Observation(Observation.EMPTY_REPLY, 0, 0, "Proxy CONNECT aborted");
            }
            if (connect != 200) {
                return new Observation(Observation.RECV_ERROR, connect, connect, "CONNECT tunnel failed, response " + connect);
            }
            SSLSocket tlsSocket = (SSLSocket) tls.getSocketFactory().createSocket(socket, host, port, true);
            var params = tlsSocket.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            params.setServerNames(List.of(new SNIHostName(host)));
            tlsSocket.setSSLParameters(params);
            try {
                tlsSocket.startHandshake();
            } catch (IOException e) {
                return new Observation(Observation.SSL_CONNECT_ERROR, 0, connect, "TLS handshake failed: " + e.getMessage());
            }
            send(tlsSocket.getOutputStream(), "HEAD " + path + " HTTP/1.1\r\nHost: " + hostHeader(host, port, 443)
                    + "\r\nUser-Agent: tollgate-demo\r\nAccept: */*\r\nConnection: close\r\n\r\n");
            return response(tlsSocket.getInputStream(), connect);
        } catch (ConnectException e) {
            return new Observation(Observation.COULDNT_CONNECT, 0, 0, "Failed to connect to " + sidecar + ": " + e.getMessage());
        } catch (SocketTimeoutException e) {
            return new Observation(Observation.TIMEOUT, 0, 0, "Operation timed out");
        } catch (SSLException e) {
            return new Observation(Observation.RECV_ERROR, 0, 0, e.getMessage());
        } catch (IOException e) {
            return new Observation(Observation.RECV_ERROR, 0, 0, "Recv failure: " + e.getMessage());
        }
    }

    private static Observation response(InputStream in, int connect) throws IOException {
        int status = status(readHead(in));
        return status == 0
                ? new Observation(Observation.EMPTY_REPLY, 0, connect, "Empty reply from server")
                : new Observation(0, status, connect, "");
    }

    private static String hostHeader(String host, int port, int defaultPort) {
        return port == defaultPort ? host : host + ":" + port;
    }

    private static void send(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Reads up to the blank line that ends a response head, one byte at a time: what follows belongs to TLS. */
    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (head.size() < MAX_HEAD) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                break;
            }
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** The status of {@code HTTP/1.x NNN reason}; 0 if the head is not one. */
    static int status(String head) {
        String[] parts = head.split("\r\n", 2)[0].split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || parts[1].length() != 3) {
            return 0;
        }
        try {
            return Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
