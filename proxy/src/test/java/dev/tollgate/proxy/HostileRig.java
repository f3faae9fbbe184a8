package dev.tollgate.proxy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tollgate.config.ConfigSource;
import dev.tollgate.config.ConfigStore;
import dev.tollgate.config.LoadOptions;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hostile suites' data plane, on the real configuration compiler (so path normalization and authorization are
 * core's, not a fake's): the tutorial's developers.google.com through the egress gateway, which originates TLS to a
 * capturing upstream; {@code allowed.example} straight from the sidecar to another capturing upstream; the gateway
 * denies {@code /admin*} and allows only {@code /public/*} and {@code /ok*}. Both upstreams record every request as
 * they parsed it, so a test can say what reached them and what did not.
 */
final class HostileRig implements AutoCloseable {
    static final String POLICIES = """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: deny-admin, namespace: istio-system}
            spec:
              selector: {matchLabels: {istio: egressgateway}}
              action: DENY
              rules:
              - to:
                - operation: {paths: ["/admin*"]}
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: allow-public, namespace: istio-system}
            spec:
              selector: {matchLabels: {istio: egressgateway}}
              action: ALLOW
              rules:
              - to:
                - operation: {paths: ["/public/*", "/ok*"]}
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: allowed, namespace: istio-system}
            spec:
              hosts: [allowed.example]
              ports: [{number: 80, name: http, protocol: HTTP}]
              resolution: DNS
            """;

    /** One request as a capturing upstream parsed it. */
    record Received(String head, String body, String trailers) {
        String requestLine() {
            return head.substring(0, head.indexOf("\r\n"));
        }

        String header(String name) {
            for (String l : head.split("\r\n")) {
                int colon = l.indexOf(':');
                if (colon > 0 && l.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return l.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }

    /** An upstream that parses requests strictly by their framing and answers {@code ok <request line>}. */
    static final class Capture implements AutoCloseable {
        final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
        final RawUpstream server;

        Capture(Optional<javax.net.ssl.SSLContext> tls) throws IOException {
            server = new RawUpstream(tls, this::serve);
        }

        private boolean serve(String head, InputStream in, OutputStream out) throws IOException {
            String body = "";
            String trailers = "";
            String te = header(head, "transfer-encoding");
            String cl = header(head, "content-length");
            if (te != null && te.equalsIgnoreCase("chunked")) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                StringBuilder t = new StringBuilder();
                while (true) {
                    int size = Integer.parseInt(line(in).split(";")[0].trim(), 16);
                    if (size == 0) {
                        for (String l = line(in); !l.isEmpty(); l = line(in)) {
                            t.append(l).append('\n');
                        }
                        break;
                    }
                    b.write(in.readNBytes(size));
                    line(in);
                }
                body = b.toString(StandardCharsets.ISO_8859_1);
                trailers = t.toString();
            } else if (cl != null) {
                body = new String(in.readNBytes(Integer.parseInt(cl)), StandardCharsets.ISO_8859_1);
            }
            Received r = new Received(head, body, trailers);
            received.add(r);
            String answer = "ok " + r.requestLine() + "\n";
            RawUpstream.write(out, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                    + answer.length() + "\r\n\r\n" + answer);
            return true;
        }

        int port() {
            return server.port();
        }

        List<String> requestLines() {
            return received.stream().map(Received::requestLine).toList();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    static String header(String head, String name) {
        for (String l : head.split("\r\n")) {
            int colon = l.indexOf(':');
            if (colon > 0 && l.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return l.substring(colon + 1).trim();
            }
        }
        return null;
    }

    static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            b.append((char) c);
        }
        return b.toString().replace("\r", "");
    }

    final Rig rig;
    final Capture direct;
    final Capture external;
    final ConfigStore store;
    final Sidecar sidecar;
    final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    HostileRig() throws Exception {
        rig = new Rig();
        direct = new Capture(Optional.empty());
        external = new Capture(Optional.of(rig.publicCa.sslContext(rig.publicCa.server(Rig.GOOGLE))));
        Path config = Files.createDirectories(rig.dir.resolve("config"));
        Path examples = Path.of("..", "examples", "tutorial");
        Files.copy(examples.resolve("external-google.yaml"), config.resolve("external-google.yaml"));
        Files.copy(examples.resolveSibling("mesh").resolve("registry-only.yaml"), config.resolve("mesh.yaml"));
        Files.writeString(config.resolve("policies.yaml"), POLICIES);
        store = new ConfigStore(List.of(new ConfigSource(config, Optional.of("istio-system"))), LoadOptions.DEFAULTS,
                SnapshotCompiler::compile);
        assertThat(store.reload().ok()).as("the hostile rig's configuration loads").isTrue();
        rig.snapshot.set(store.current());
        rig.gatewayUpstreamPort = external.port();
        rig.startGateway();
        rig.sidecarHosts.add("allowed.example:80:127.0.0.1:" + direct.port());
        sidecar = rig.startSidecar(Rig.DEFAULT_SLEEP, false, store::current);
        logs.start();
        ((Logger) LoggerFactory.getLogger("dev.tollgate.proxy")).addAppender(logs);
    }

    InetSocketAddress gatewayHttp() {
        return rig.gateway.listeners().get(80);
    }

    /** Log lines of the proxy's loggers so far. */
    List<String> logLines() {
        return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    /** The last access log entry whose request contains {@code part}, from the proxy named {@code proxy...}. */
    AccessLogEntry entry(String proxy, String part) throws InterruptedException {
        return rig.awaitLog(e -> e.proxy().startsWith(proxy) && e.request().orElse("").contains(part));
    }

    @Override
    public void close() throws Exception {
        ((Logger) LoggerFactory.getLogger("dev.tollgate.proxy")).detachAppender(logs);
        store.close();
        direct.close();
        external.close();
        rig.close();
    }

    record Response(String status, Map<String, String> headers, String body) {
        int code() {
            return Integer.parseInt(status.split(" ")[1]);
        }
    }

    /** One client connection, reading responses exactly as framed. */
    static final class Client implements AutoCloseable {
        final Socket s;
        final InputStream in;

        Client(InetSocketAddress to) throws IOException {
            this(new Socket(to.getAddress(), to.getPort()));
        }

        Client(Socket s) throws IOException {
            this.s = s;
            s.setSoTimeout(10_000);
            in = s.getInputStream();
        }

        Client write(String data) throws IOException {
            s.getOutputStream().write(data.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            return this;
        }

        Response read() throws IOException {
            String h = RawUpstream.readHead(in);
            assertThat(h).as("a response head").isNotNull();
            String[] lines = h.split("\r\n");
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
            String body;
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                while (true) {
                    int size = Integer.parseInt(line(in).split(";")[0].trim(), 16);
                    if (size == 0) {
                        while (!line(in).isEmpty()) {
                            // trailers
                        }
                        break;
                    }
                    b.write(in.readNBytes(size));
                    line(in);
                }
                body = b.toString(StandardCharsets.ISO_8859_1);
            } else if (headers.containsKey("content-length")) {
                body = new String(in.readNBytes(Integer.parseInt(headers.get("content-length"))),
                        StandardCharsets.ISO_8859_1);
            } else {
                body = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            }
            return new Response(lines[0], headers, body);
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

    /** Sleeps long enough for a request that should not have been forwarded to have arrived if it had been. */
    static void settle() throws InterruptedException {
        Thread.sleep(Duration.ofMillis(300).toMillis());
    }
}
