package dev.tollgate.proxy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How responses are framed on their way back (RFC 9112 section 6.3), through the sidecar to a plain upstream, the
 * sidecar originating TLS, and sidecar to gateway (which originates TLS): upstreams that end the body by closing
 * (HTTP/1.0 servers), HEAD, 204/304, 100-continue, chunked with trailers; and HTTP/1.0 clients, refused with 426 as
 * Envoy does by default (Istio leaves {@code accept_http_10} off unless PILOT_HTTP10 is set).
 */
class ResponseFramingTest {
    static final String BODY = "a body delimited by the server closing\n".repeat(200);

    static Rig rig;
    static RawUpstream plain;
    static RawUpstream tls;
    static Sidecar sidecar;

    @BeforeAll
    static void start() throws Exception {
        rig = new Rig();
        plain = new RawUpstream(Optional.empty(), ResponseFramingTest::serve);
        tls = new RawUpstream(Optional.of(rig.publicCa.sslContext(rig.publicCa.server("rawtls.example", Rig.GOOGLE))),
                ResponseFramingTest::serve);
        rig.gatewayUpstreamPort = tls.port();
        rig.startGateway();
        rig.sidecarHosts.add("raw.example::127.0.0.1:" + plain.port());
        rig.sidecarHosts.add("rawtls.example:443:127.0.0.1:" + tls.port());
        sidecar = rig.startSidecar(Rig.DEFAULT_SLEEP);
    }

    @AfterAll
    static void stop() throws Exception {
        plain.close();
        tls.close();
        rig.close();
    }

    /** The upstream's answers, chosen by path. */
    static boolean serve(String head, InputStream in, OutputStream out) throws IOException {
        String path = head.split(" ", 3)[1];
        switch (path) {
            case "/http10" -> {
                RawUpstream.write(out, "HTTP/1.0 200 ok\r\nContent-Type: text/plain\r\n\r\n" + BODY);
                return false;
            }
            case "/http10-abrupt" -> {
                RawUpstream.write(out, "HTTP/1.0 200 ok\r\nContent-Type: text/plain\r\n\r\n" + BODY);
                throw new RawUpstream.Abrupt();
            }
            case "/http11-eof" -> {
                RawUpstream.write(out, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + BODY);
                return false;
            }
            case "/head" -> {
                RawUpstream.write(out, "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n");
                return true;
            }
            case "/204" -> {
                RawUpstream.write(out, "HTTP/1.1 204 No Content\r\n\r\n");
                return true;
            }
            case "/304" -> {
                RawUpstream.write(out, "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n\r\n");
                return true;
            }
            case "/continue" -> {
                RawUpstream.write(out, "HTTP/1.1 100 Continue\r\n\r\n");
                out.flush();
                byte[] body = in.readNBytes(5);
                String answer = "got " + new String(body, StandardCharsets.ISO_8859_1);
                RawUpstream.write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + answer.length() + "\r\n\r\n" + answer);
                return true;
            }
            case "/trailers" -> {
                RawUpstream.write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "6\r\nhello \r\n5\r\nworld\r\n0\r\nX-Checksum: 42\r\n\r\n");
                return true;
            }
            case "/bad-chunk" -> {
                // a chunk size that is not hex: what follows cannot be framed, and the connection is kept open
                RawUpstream.write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "6\r\nhello \r\nzz\r\nworld\r\n0\r\n\r\n");
                return true;
            }
            default -> {
                RawUpstream.write(out, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
                return true;
            }
        }
    }

    static Stream<Arguments> paths() {
        return Stream.of(
                Arguments.of(Named.of("sidecar to a plain upstream", "raw.example")),
                Arguments.of(Named.of("sidecar originating TLS", "rawtls.example")),
                Arguments.of(Named.of("sidecar to the gateway, which originates TLS", Rig.GOOGLE)));
    }

    @ParameterizedTest
    @MethodSource("paths")
    void bodyEndedByTheUpstreamClosingIsRelayedWholeAndReframedForAKeepAliveClient(String host) throws Exception {
        for (String path : new String[]{"/http10", "/http10-abrupt", "/http11-eof"}) {
            try (Client c = new Client()) {
                for (int i = 0; i < 2; i++) {
                    Response r = c.send("GET http://" + host + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n", false);
                    assertThat(r.status).as(path).startsWith("HTTP/1.1 200");
                    assertThat(r.body).as(path).isEqualTo(BODY);
                    assertThat(r.headers).as(path).containsEntry("transfer-encoding", "chunked");
                }
            }
            for (String proxy : host.equals(Rig.GOOGLE) ? new String[]{"sidecar", "gateway"} : new String[]{"sidecar"}) {
                AccessLogEntry e = rig.awaitLog(x -> x.proxy().startsWith(proxy)
                        && x.request().orElse("").contains(host + " " + path));
                assertThat(e.decision()).as(proxy + " " + path + ": " + e.reason()).isEqualTo("allowed");
                assertThat(e.responseCode()).isEqualTo(200);
                assertThat(e.bytesSent()).isGreaterThanOrEqualTo(BODY.length());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("paths")
    void bodyEndedByTheUpstreamClosingEndsByClosingWhenTheClientAsksToClose(String host) throws Exception {
        try (Client c = new Client()) {
            Response r = c.send("GET http://" + host + "/http10 HTTP/1.1\r\nHost: " + host
                    + "\r\nConnection: close\r\n\r\n", false);
            assertThat(r.status).startsWith("HTTP/1.1 200");
            assertThat(r.body).isEqualTo(BODY);
            assertThat(c.closed()).isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("paths")
    void headResponseKeepsItsContentLengthAndHasNoBody(String host) throws Exception {
        try (Client c = new Client()) {
            for (int i = 0; i < 2; i++) {
                Response r = c.send("HEAD http://" + host + "/head HTTP/1.1\r\nHost: " + host + "\r\n\r\n", true);
                assertThat(r.status).startsWith("HTTP/1.1 200");
                assertThat(r.headers).containsEntry("content-length", "1234").doesNotContainKey("transfer-encoding");
                assertThat(r.body).isEmpty();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("paths")
    void noContentAndNotModifiedHaveNoBody(String host) throws Exception {
        try (Client c = new Client()) {
            for (String code : new String[]{"204", "304", "204"}) {
                Response r = c.send("GET http://" + host + "/" + code + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n",
                        false);
                assertThat(r.status).startsWith("HTTP/1.1 " + code);
                assertThat(r.headers).doesNotContainKey("transfer-encoding");
                assertThat(r.body).isEmpty();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("paths")
    void continueIsRelayedBeforeTheFinalResponse(String host) throws Exception {
        try (Client c = new Client()) {
            Response interim = c.send("POST http://" + host + "/continue HTTP/1.1\r\nHost: " + host
                    + "\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n", false);
            assertThat(interim.status).startsWith("HTTP/1.1 100");
            c.write("tolls");
            Response r = c.read(false);
            assertThat(r.status).startsWith("HTTP/1.1 200");
            assertThat(r.body).isEqualTo("got tolls");
        }
    }

    @ParameterizedTest
    @MethodSource("paths")
    void chunkedBodyWithTrailersArrivesWhole(String host) throws Exception {
        try (Client c = new Client()) {
            for (int i = 0; i < 2; i++) {
                Response r = c.send("GET http://" + host + "/trailers HTTP/1.1\r\nHost: " + host + "\r\n\r\n", false);
                assertThat(r.status).startsWith("HTTP/1.1 200");
                assertThat(r.body).isEqualTo("hello world");
                assertThat(r.trailers).contains("X-Checksum: 42");
            }
        }
    }

    /**
     * An upstream chunk that cannot be read: the client must see a body cut short (no last chunk, the connection
     * closed), never one that ends as if complete, and the upstream connection must not be pooled.
     */
    @ParameterizedTest
    @MethodSource("paths")
    void aMalformedUpstreamChunkCutsTheClientRatherThanEndingTheBody(String host) throws Exception {
        try (Client c = new Client()) {
            c.write("GET http://" + host + "/bad-chunk HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
            assertThat(RawUpstream.readHead(c.in)).startsWith("HTTP/1.1 200");
            ByteArrayOutputStream rest = new ByteArrayOutputStream();
            try {
                c.in.transferTo(rest);
            } catch (java.net.SocketException e) {
                // a reset: cut as well
            }
            assertThat(rest.toString(StandardCharsets.ISO_8859_1)).as("the body is not ended as if whole")
                    .doesNotContain("0\r\n\r\n");
        }
        AccessLogEntry e = rig.awaitLog(x -> x.reason().startsWith("upstream sent a malformed response body"));
        assertThat(e.decision()).isEqualTo("error");
        try (Client c = new Client()) {
            Response r = c.send("GET http://" + host + "/trailers HTTP/1.1\r\nHost: " + host + "\r\n\r\n", false);
            assertThat(r.body).as("the next request, on another upstream connection").isEqualTo("hello world");
        }
    }

    @ParameterizedTest
    @MethodSource("paths")
    void http10ClientsGet426LikeEnvoyWithoutAcceptHttp10(String host) throws Exception {
        for (String hostHeader : new String[]{"", "Host: " + host + "\r\n"}) {
            try (Client c = new Client()) {
                Response r = c.send("GET http://" + host + "/http10 HTTP/1.0\r\n" + hostHeader + "\r\n", false);
                assertThat(r.status).startsWith("HTTP/1.1 426");
                assertThat(r.body).contains("HTTP/1.0");
                assertThat(c.closed()).isTrue();
            }
        }
    }

    record Response(String status, Map<String, String> headers, String body, String trailers) {
    }

    /** One client connection to the sidecar, reading responses exactly as framed. */
    static final class Client implements AutoCloseable {
        final Socket s;
        final InputStream in;

        Client() throws IOException {
            s = new Socket("127.0.0.1", sidecar.address().getPort());
            s.setSoTimeout(10_000);
            in = s.getInputStream();
        }

        void write(String data) throws IOException {
            s.getOutputStream().write(data.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
        }

        Response send(String request, boolean head) throws IOException {
            write(request);
            return read(head);
        }

        Response read(boolean head) throws IOException {
            String h = RawUpstream.readHead(in);
            assertThat(h).as("a response head").isNotNull();
            String[] lines = h.split("\r\n");
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
            int code = Integer.parseInt(lines[0].split(" ")[1]);
            if (head || code / 100 == 1 || code == 204 || code == 304) {
                return new Response(lines[0], headers, "", "");
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            String trailers = "";
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                while (true) {
                    int size = Integer.parseInt(line().split(";")[0].trim(), 16);
                    if (size == 0) {
                        StringBuilder t = new StringBuilder();
                        for (String l = line(); !l.isEmpty(); l = line()) {
                            t.append(l).append('\n');
                        }
                        trailers = t.toString();
                        break;
                    }
                    body.write(in.readNBytes(size));
                    assertThat(line()).as("chunk end").isEmpty();
                }
            } else if (headers.containsKey("content-length")) {
                body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
            } else {
                body.write(in.readAllBytes());
            }
            return new Response(lines[0], headers, body.toString(StandardCharsets.ISO_8859_1), trailers);
        }

        private String line() throws IOException {
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                b.append((char) c);
            }
            return b.toString().replace("\r", "");
        }

        /** True when the proxy has closed the connection (end of stream, or a reset), false on a 10 s timeout. */
        boolean closed() throws IOException {
            try {
                return in.read() < 0;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (java.net.SocketException e) {
                return true;
            }
        }

        @Override
        public void close() throws IOException {
            s.close();
        }
    }
}
