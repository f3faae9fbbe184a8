package dev.tollgate.proxy;

import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.OutboundDecision;
import dev.tollgate.core.snapshot.OutboundRequest;
import dev.tollgate.core.snapshot.RequestedHost;
import dev.tollgate.core.model.UpstreamTls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.IDN;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static dev.tollgate.proxy.ClientHelloTest.hello;
import static dev.tollgate.proxy.ClientHelloTest.realHello;
import static dev.tollgate.proxy.ClientHelloTest.sniExtension;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Host, URI and SNI confusion against the sidecar's real listener: a client asks for one host and names another in
 * the Host header, the URI's user info, odd spellings of the name or port, or its TLS SNI. The registry knows
 * {@code allowed.test} (and {@code kiosk.test}); {@code denied.test} is not in it, and is mapped to a trap upstream
 * that must never see a connection. Each refusal is checked for the client's answer, the access log's reason, and
 * that the allowed upstream received nothing (no connection for HTTP, zero bytes for a tunnel).
 */
class HostileIdentityTest {
    static final String ALLOWED = "allowed.test";
    static final String DENIED = "denied.test";
    /** A service address (as a ServiceEntry's {@code addresses}) that routes to allowed.test. */
    static final String VIP = "240.0.0.1";

    static Rig rig;
    static RawUpstream allowedHttp;
    static RawUpstream allowedTls;
    static RawUpstream trapHttp;
    static RawUpstream trapTls;
    static Sidecar sidecar;

    @BeforeAll
    static void start() throws Exception {
        rig = new Rig();
        allowedHttp = new RawUpstream(Optional.empty(), RawUpstream.answering("allowed"));
        allowedTls = new RawUpstream(Optional.of(rig.publicCa.sslContext(rig.publicCa.server(ALLOWED))),
                RawUpstream.answering("allowed over tls"));
        trapHttp = new RawUpstream(Optional.empty(), RawUpstream.answering("trap"));
        trapTls = new RawUpstream(Optional.of(rig.publicCa.sslContext(rig.publicCa.server(DENIED))),
                RawUpstream.answering("trap over tls"));
        rig.sidecarHosts.addAll(List.of(
                ALLOWED + ":80:127.0.0.1:" + allowedHttp.port(),
                ALLOWED + ":443:127.0.0.1:" + allowedTls.port(),
                "kiosk.test:80:127.0.0.1:" + allowedHttp.port(),
                DENIED + ":80:127.0.0.1:" + trapHttp.port(),
                DENIED + ":443:127.0.0.1:" + trapTls.port()));
        FakeSnapshot registryOnly = new FakeSnapshot(HostileIdentityTest::outbound, Rig.LISTENERS,
                Rig::gatewayDecision);
        sidecar = rig.startSidecar(Rig.DEFAULT_SLEEP, false, () -> registryOnly);
    }

    /** REGISTRY_ONLY with allowed.test and kiosk.test in the registry, and the VIP of allowed.test. */
    static OutboundDecision outbound(WorkloadRef from, OutboundRequest r) {
        Optional<String> otherHost = RequestedHost.mismatch(r);
        if (otherHost.isPresent()) {
            return new OutboundDecision.Refused(otherHost.get(), List.of());
        }
        return switch (r.host()) {
            case ALLOWED, "kiosk.test" -> Rig.direct(r.host(), r.port(), UpstreamTls.NONE);
            case VIP -> Rig.direct(ALLOWED, r.port(), UpstreamTls.NONE);
            default -> new OutboundDecision.Refused("REGISTRY_ONLY: " + r.host() + ":" + r.port()
                    + " is not in the registry of " + from.namespace(), List.of());
        };
    }

    @AfterAll
    static void stop() throws Exception {
        rig.close();
        for (RawUpstream u : List.of(allowedHttp, allowedTls, trapHttp, trapTls)) {
            u.close();
        }
    }

    @AfterEach
    void theTrapNeverSawAConnection() {
        assertThat(trapHttp.connections()).as("connections to denied.test:80").isEmpty();
        assertThat(trapTls.connections()).as("connections to denied.test:443").isEmpty();
    }

    // ---- plain HTTP: the absolute URI against the Host header ----

    static Stream<Arguments> refusedHttp() {
        String kelvinKiosk = "\u212Aiosk.test";
        String fullwidth = "\uff41llowed.test";
        return Stream.of(
                refused("Host names another host than the URI",
                        "GET http://allowed.test/h1 HTTP/1.1\r\nHost: denied.test\r\n\r\n",
                        502, "refused", "Host header denied.test does not match the request's host allowed.test"),
                refused("URI names the denied host, Host the allowed one",
                        "GET http://denied.test/h2 HTTP/1.1\r\nHost: allowed.test\r\n\r\n",
                        502, "refused", "Host header allowed.test does not match the request's host denied.test"),
                refused("scheme in upper case does not hide the URI's host",
                        "GET HTTP://denied.test/h3 HTTP/1.1\r\nHost: allowed.test\r\n\r\n",
                        502, "refused", "Host header allowed.test does not match the request's host denied.test"),
                refused("Host with another port than the URI's default",
                        "GET http://allowed.test/h4 HTTP/1.1\r\nHost: allowed.test:8080\r\n\r\n",
                        502, "refused",
                        "Host header allowed.test:8080 does not match the request's host allowed.test"),
                refused("Host with user info", "GET http://allowed.test/h5 HTTP/1.1\r\nHost: allowed.test@denied.test\r\n\r\n",
                        400, "error", "malformed Host header"),
                refused("two Host headers, the second in lower case",
                        "GET http://allowed.test/h6 HTTP/1.1\r\nHost: allowed.test\r\nhost: denied.test\r\n\r\n",
                        400, "error", "more than one Host header"),
                refused("Host as a comma list", "GET http://allowed.test/h7 HTTP/1.1\r\nHost: allowed.test, denied.test\r\n\r\n",
                        400, "error", "malformed Host header"),
                refused("empty Host", "GET http://allowed.test/h8 HTTP/1.1\r\nHost: \r\n\r\n",
                        400, "error", "malformed Host header"),
                refused("Host with a tab between two names",
                        "GET http://allowed.test/h9 HTTP/1.1\r\nHost: allowed.test\tdenied.test\r\n\r\n",
                        400, "error", "malformed Host header"),
                refused("Host folded onto a continuation line (obs-fold)",
                        "GET http://allowed.test/h10 HTTP/1.1\r\nHost: allowed.test\r\n denied.test\r\n\r\n",
                        400, "error", "malformed Host header"),
                refused("URI with user info naming the allowed host",
                        "GET http://allowed.test@denied.test/h11 HTTP/1.1\r\nHost: denied.test\r\n\r\n",
                        400, "error", "malformed request URI authority"),
                refused("URI with user info and port (allowed:80@denied)",
                        "GET http://allowed.test:80@denied.test/h12 HTTP/1.1\r\nHost: denied.test\r\n\r\n",
                        400, "error", "malformed request URI authority"),
                refused("backslash, which browsers read as a slash",
                        "GET http://denied.test\\allowed.test/h13 HTTP/1.1\r\nHost: allowed.test\r\n\r\n",
                        400, "error", "malformed request URI authority"),
                refused("backslash before user info",
                        "GET http://allowed.test\\@denied.test/h14 HTTP/1.1\r\nHost: allowed.test\r\n\r\n",
                        400, "error", "malformed request URI authority"),
                refused("percent-encoded URI host", "GET http://%61llowed.test/h15 HTTP/1.1\r\nHost: allowed.test\r\n\r\n",
                        400, "error", "malformed request URI authority"),
                refused("percent-encoded Host", "GET http://allowed.test/h16 HTTP/1.1\r\nHost: %61llowed.test\r\n\r\n",
                        400, "error", "malformed Host header"),
                refused("Kelvin sign K (U+212A), which lower-cases to k",
                        "GET http://" + kelvinKiosk + "/h17 HTTP/1.1\r\nHost: kiosk.test\r\n\r\n",
                        400, "error", notAscii("\\u212Aiosk.test")),
                refused("Kelvin sign in the Host header",
                        "GET http://kiosk.test/h18 HTTP/1.1\r\nHost: " + kelvinKiosk + "\r\n\r\n",
                        400, "error", notAscii("\\u212Aiosk.test")),
                refused("fullwidth letter a (U+FF41)",
                        "GET http://" + fullwidth + "/h19 HTTP/1.1\r\nHost: " + fullwidth + "\r\n\r\n",
                        400, "error", notAscii("\\uFF41llowed.test")),
                refused("punycode of a look-alike is another name",
                        "GET http://" + IDN.toASCII("\u00e4llowed.test") + "/h20 HTTP/1.1\r\nHost: "
                                + IDN.toASCII("\u00e4llowed.test") + "\r\n\r\n",
                        502, "refused", "REGISTRY_ONLY: " + IDN.toASCII("\u00e4llowed.test")
                                + ":80 is not in the registry of default"),
                refused("port 0", "GET http://allowed.test:0/h21 HTTP/1.1\r\nHost: allowed.test:0\r\n\r\n",
                        400, "error", "malformed request URI authority"),
                refused("port 65536 (wraps to 0 in 16 bits)",
                        "GET http://allowed.test:65536/h22 HTTP/1.1\r\nHost: allowed.test:65536\r\n\r\n",
                        400, "error", "malformed request URI authority"),
                refused("port 65536 in the Host header only",
                        "GET http://allowed.test/h23 HTTP/1.1\r\nHost: allowed.test:65536\r\n\r\n",
                        400, "error", "malformed Host header"),
                refused("port with more leading zeros than a port has digits",
                        "GET http://allowed.test:000080/h24 HTTP/1.1\r\nHost: allowed.test\r\n\r\n",
                        400, "error", "malformed request URI authority"));
    }

    /** Issue 7: one reason for a non-ASCII name at every boundary, the character escaped so it cannot pass for ASCII. */
    static String notAscii(String shown) {
        return "host \"" + shown + "\" is not ASCII; Tollgate accepts only ASCII host names (write IDNs in their xn--"
                + " form)";
    }

    static Arguments refused(String name, String request, int status, String decision, String reason) {
        return Arguments.of(Named.of(name, request), status, decision, reason);
    }

    @ParameterizedTest
    @MethodSource("refusedHttp")
    void confusedHttpRequestsAreRefusedBeforeAnyUpstreamIsContacted(String request, int status, String decision,
                                                                   String reason) throws Exception {
        int before = allowedHttp.connections().size();
        int logged = rig.log.size();
        String resp = Rig.raw(sidecar.address(), request.getBytes(StandardCharsets.UTF_8));
        assertThat(resp).startsWith("HTTP/1.1 " + status + " ");
        assertThat(resp).endsWith("\r\n\r\n" + reason + "\n");
        AccessLogEntry e = rig.awaitLog(x -> x.reason().equals(reason) && x.responseCode() == status
                && rig.log.stream().skip(logged).anyMatch(y -> y == x));
        assertThat(e.decision()).isEqualTo(decision);
        assertThat(e.proxy()).isEqualTo("sidecar default/sleep");
        assertThat(allowedHttp.connections()).as("the allowed upstream was not contacted").hasSize(before);
    }

    @Test
    void whitespaceBeforeTheColonOfHostIsAMalformedRequest() throws Exception {
        // RFC 9112 section 5.1: a server MUST reject it; a lenient next hop could read it as the Host
        int before = allowedHttp.connections().size();
        String resp = Rig.raw(sidecar.address(), "GET http://allowed.test/ws HTTP/1.1\r\nHost : denied.test\r\n\r\n");
        assertThat(resp).startsWith("HTTP/1.1 400 ");
        AccessLogEntry e = rig.awaitLog(x -> x.reason().startsWith("malformed request: ") && x.responseCode() == 400
                && x.reason().contains("invalid character 0x20"));
        assertThat(e.decision()).isEqualTo("error");
        assertThat(allowedHttp.connections()).hasSize(before);
    }

    @Test
    void hostSpellingsOfTheSameHostAreOneHost() throws Exception {
        // DESIGN.md: case-insensitive, trailing dot ignored, the scheme's default port implied
        String resp = Rig.raw(sidecar.address(),
                "GET http://ALLOWED.Test./same HTTP/1.1\r\nHost: allowed.TEST.:80\r\nConnection: close\r\n\r\n");
        assertThat(resp).startsWith("HTTP/1.1 200 ").endsWith("allowed");
        assertThat(allowedHttp.received()).contains("GET /same HTTP/1.1\r\n").contains("\r\nHost: allowed.TEST.:80\r\n");
        AccessLogEntry e = rig.awaitLog(x -> x.request().orElse("").endsWith(" /same"));
        assertThat(e.decision()).isEqualTo("allowed");
        assertThat(e.destinationHost()).isEqualTo(ALLOWED);
        assertThat(e.destinationPort()).isEqualTo(80);
    }

    @Test
    void leadingZerosWithinFiveDigitsAreTheSamePort() throws Exception {
        String resp = Rig.raw(sidecar.address(),
                "GET http://allowed.test:0080/zeros HTTP/1.1\r\nHost: allowed.test\r\nConnection: close\r\n\r\n");
        assertThat(resp).startsWith("HTTP/1.1 200 ");
        assertThat(allowedHttp.received()).contains("GET /zeros HTTP/1.1\r\n");
        assertThat(rig.awaitLog(x -> x.request().orElse("").endsWith(" /zeros")).destinationPort()).isEqualTo(80);
    }

    @Test
    void aFragmentWithUserInfoLooksNeitherLikeAHostNorAnEmptyTarget() throws Exception {
        // http://allowed.test#@denied.test/: the authority is allowed.test and the fragment is never sent
        String resp = Rig.raw(sidecar.address(),
                "GET http://allowed.test#@denied.test/frag HTTP/1.1\r\nHost: allowed.test\r\nConnection: close\r\n\r\n");
        assertThat(resp).startsWith("HTTP/1.1 200 ");
        String seen = allowedHttp.received();
        assertThat(seen).contains("GET / HTTP/1.1\r\nHost: allowed.test\r\n").doesNotContain("denied");
        // the log names the path the upstream was asked for, not an empty one
        AccessLogEntry e = rig.awaitLog(x -> x.request().equals(Optional.of("GET allowed.test /")));
        assertThat(e.decision()).isEqualTo("allowed");
    }

    // ---- CONNECT: the tunnel's host against the ClientHello's SNI ----

    static Stream<Arguments> refusedHellos() throws Exception {
        return Stream.of(
                tunnelCase("SNI of another host", ALLOWED + ":443", realHello(DENIED),
                        "TLS SNI denied.test does not match the CONNECT host allowed.test:443"),
                tunnelCase("no SNI", ALLOWED + ":443", hello(), "ClientHello has no SNI; the tunnel was opened for allowed.test"),
                tunnelCase("SNI with a trailing dot (RFC 6066: none)", ALLOWED + ":443", hello(sniExtension(ALLOWED + ".")),
                        "malformed ClientHello: host_name is not a DNS name"),
                tunnelCase("two host names in one server_name", ALLOWED + ":443", hello(sniExtension(ALLOWED, DENIED)),
                        "malformed ClientHello: more than one host_name in server_name"),
                tunnelCase("two server_name extensions", ALLOWED + ":443",
                        hello(sniExtension(ALLOWED), sniExtension(DENIED)),
                        "malformed ClientHello: two server_name extensions"),
                tunnelCase("SNI with a NUL byte", ALLOWED + ":443", hello(sniExtension(ALLOWED + "\0." + DENIED)),
                        "malformed ClientHello: host_name is not a DNS name"),
                tunnelCase("SNI longer than 255", ALLOWED + ":443", hello(sniExtension("a".repeat(290) + ".test")),
                        "malformed ClientHello: host_name length 295 out of range"),
                tunnelCase("SNI in fullwidth letters (UTF-8)", ALLOWED + ":443",
                        hello(sniExtension(new String("\uff41llowed.test".getBytes(StandardCharsets.UTF_8),
                                StandardCharsets.ISO_8859_1))),
                        "malformed ClientHello: " + notAscii("\\uFF41llowed.test")),
                tunnelCase("SNI that is an IP address", ALLOWED + ":443", hello(sniExtension("127.0.0.1")),
                        "TLS SNI 127.0.0.1 does not match the CONNECT host allowed.test:443"),
                tunnelCase("CONNECT to an address, SNI of the allowed name", VIP + ":443", realHello(ALLOWED),
                        "TLS SNI allowed.test does not match the CONNECT host 240.0.0.1:443"),
                tunnelCase("not TLS at all: plain HTTP inside the tunnel", ALLOWED + ":443",
                        "GET / HTTP/1.1\r\nHost: denied.test\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1),
                        "tunnel did not start with a TLS ClientHello"));
    }

    static Arguments tunnelCase(String name, String target, byte[] hello, String reason) {
        return Arguments.of(Named.of(name, target), hello, reason);
    }

    @ParameterizedTest
    @MethodSource("refusedHellos")
    void aTunnelWhoseHelloNamesAnotherHostClosesWithoutForwardingAByte(String target, byte[] hello, String reason)
            throws Exception {
        int before = allowedTls.connections().size();
        try (Socket s = HostileClient.connect(sidecar.address(), target)) {
            assertThat(HostileClient.sendUntilClosed(s, hello)).as("nothing comes back").isEmpty();
        }
        AccessLogEntry e = rig.awaitLog(x -> x.protocol().equals("tunnel") && x.reason().equals(reason));
        assertThat(e.decision()).isEqualTo("refused");
        assertThat(e.responseCode()).as("the CONNECT had been answered").isEqualTo(200);
        RawUpstream.Connection up = allowedTls.awaitConnection(before + 1).awaitEnd();
        assertThat(up.wire()).as("bytes that reached the upstream").isEmpty();
    }

    @Test
    void anSniInUpperCaseIsTheSameHost() throws Exception {
        int before = allowedTls.connections().size();
        try (Socket s = HostileClient.connect(sidecar.address(), ALLOWED + ":443");
             SSLSocket t = HostileClient.tls(s, rig.publicCa.sslContext(null), Optional.of("ALLOWED.TEST"))) {
            assertThat(HostileClient.get(t, ALLOWED, "/upper")).startsWith("HTTP/1.1 200 ").endsWith("allowed over tls");
        }
        RawUpstream.Connection up = allowedTls.awaitConnection(before + 1);
        assertThat(up.sni()).hasValueSatisfying(n -> assertThat(n).isEqualToIgnoringCase(ALLOWED));
        assertThat(up.plain()).startsWith("GET /upper HTTP/1.1\r\n");
        AccessLogEntry e = rig.awaitLog(x -> x.protocol().equals("tunnel") && x.sni().equals(Optional.of(ALLOWED))
                && x.bytesReceived() > 0);
        assertThat(e.decision()).isEqualTo("allowed");
    }

    @Test
    void aConnectHostInUpperCaseWithATrailingDotIsTheSameHost() throws Exception {
        int before = allowedTls.connections().size();
        try (Socket s = HostileClient.connect(sidecar.address(), "ALLOWED.test.:443");
             SSLSocket t = HostileClient.tls(s, rig.publicCa.sslContext(null), Optional.of(ALLOWED))) {
            assertThat(HostileClient.get(t, ALLOWED, "/dot")).startsWith("HTTP/1.1 200 ");
        }
        assertThat(allowedTls.awaitConnection(before + 1).sni()).contains(ALLOWED);
    }

    @Test
    void aConnectToAnAddressWithoutSniPassesAsTheAddress() throws Exception {
        // an address cannot be checked against an SNI that is not there; the route for the address decides
        int before = allowedTls.connections().size();
        try (Socket s = HostileClient.connect(sidecar.address(), VIP + ":443");
             SSLSocket t = HostileClient.tls(s, rig.publicCa.sslContext(null), Optional.empty())) {
            assertThat(HostileClient.get(t, ALLOWED, "/vip")).startsWith("HTTP/1.1 200 ");
        }
        RawUpstream.Connection up = allowedTls.awaitConnection(before + 1);
        assertThat(up.sni()).isEmpty();
        assertThat(up.plain()).startsWith("GET /vip HTTP/1.1\r\n");
    }

    @Test
    void anSniOfAnotherHostFailsTheHandshakeOfARealClient() throws Exception {
        int before = allowedTls.connections().size();
        try (Socket s = HostileClient.connect(sidecar.address(), ALLOWED + ":443");
             SSLSocket t = HostileClient.tls(s, rig.publicCa.sslContext(null), Optional.of(DENIED))) {
            assertThatThrownBy(t::startHandshake).isInstanceOf(IOException.class);
        }
        assertThat(allowedTls.awaitConnection(before + 1).awaitEnd().wire()).isEmpty();
        rig.awaitLog(x -> x.reason().equals("TLS SNI denied.test does not match the CONNECT host allowed.test:443")
                && x.sni().equals(Optional.of(DENIED)));
    }

    static Stream<Arguments> malformedConnects() {
        return Stream.of(
                Arguments.of(Named.of("Kelvin sign in the CONNECT host", "\u212Aiosk.test:443"),
                        notAscii("\\u212Aiosk.test")),
                Arguments.of(Named.of("percent-encoded CONNECT host", "%61llowed.test:443"), MALFORMED_CONNECT),
                Arguments.of(Named.of("CONNECT to port 65536", "allowed.test:65536"), MALFORMED_CONNECT),
                Arguments.of(Named.of("CONNECT host with a backslash", "denied.test\\allowed.test:443"),
                        MALFORMED_CONNECT));
    }

    static final String MALFORMED_CONNECT = "malformed CONNECT target: expected host:port with a port of 1-65535";

    @ParameterizedTest
    @MethodSource("malformedConnects")
    void malformedConnectTargetsAreRefusedWithoutATunnel(String target, String reason) throws Exception {
        int before = allowedTls.connections().size();
        String resp = Rig.raw(sidecar.address(), ("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(resp).startsWith("HTTP/1.1 400 ").endsWith(reason + "\n");
        assertThat(rig.awaitLog(x -> x.protocol().equals("tunnel") && x.reason().equals(reason)
                && x.request().orElse("").contains(target.substring(1, 6))).decision())
                .isEqualTo("error");
        assertThat(allowedTls.connections()).hasSize(before);
    }
}
