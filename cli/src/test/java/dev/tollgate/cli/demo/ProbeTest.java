package dev.tollgate.cli.demo;

import dev.tollgate.identity.MeshCa;
import dev.tollgate.identity.PemFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.api.Named.named;

/** curl and the built-in client read a sidecar's answers alike, as DESIGN.md's "What a client sees" table says. */
class ProbeTest {

    @TempDir
    static Path tmp;
    static MeshCa publicCa;
    static FakeSidecar sidecar;
    static Path caFile;

    @BeforeAll
    static void start() throws Exception {
        publicCa = MeshCa.generate("public.demo");
        caFile = tmp.resolve("public-ca.pem");
        PemFiles.writeCertificates(caFile, List.of(publicCa.rootCertificate()));
        sidecar = new FakeSidecar(publicCa.issueServer(List.of("ok.test"), Duration.ofHours(1)));
    }

    @AfterAll
    static void stop() throws Exception {
        sidecar.close();
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(named("http 200: ok", "http://ok.test/"), Outcome.OK),
                Arguments.of(named("http 502 from the sidecar: blocked", "http://blocked.test/"), Outcome.BLOCKED),
                Arguments.of(named("http 403 from the gateway: 403", "http://forbidden.test/"), Outcome.FORBIDDEN),
                Arguments.of(named("http, connection closed without a response: error", "http://silent.test/"), Outcome.ERROR),
                Arguments.of(named("CONNECT 200, TLS, 200: ok", "https://ok.test/"), Outcome.OK),
                Arguments.of(named("CONNECT 502 (curl exit 56): blocked", "https://blocked.test/"), Outcome.BLOCKED),
                Arguments.of(named("CONNECT 200 then closed (curl exit 35): 403", "https://forbidden.test/"), Outcome.FORBIDDEN),
                Arguments.of(named("CONNECT closed without a response: error", "https://silent.test/"), Outcome.ERROR));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void curlClassifies(String url, Outcome expected) {
        assumeTrue(CurlRunner.available(), "curl is not installed");
        Observation o = new CurlRunner(caFile).head(sidecar.address(), url);
        assertThat(o.outcome()).as(o.toString()).isEqualTo(expected);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void builtInClientClassifiesAsCurlDoes(String url, Outcome expected) {
        Observation o = new JavaProbe(publicCa.rootCertificate()).head(sidecar.address(), url);
        assertThat(o.outcome()).as(o.toString()).isEqualTo(expected);
    }

    @Test
    void curlRejectsAHostCertificateFromAnotherCa() throws Exception {
        assumeTrue(CurlRunner.available(), "curl is not installed");
        Path other = tmp.resolve("other-ca.pem");
        PemFiles.writeCertificates(other, List.of(MeshCa.generate("other").rootCertificate()));
        Observation o = new CurlRunner(other).head(sidecar.address(), "https://ok.test/");
        assertThat(o.outcome()).as("an untrusted host is an error, never ok").isNotEqualTo(Outcome.OK);
    }

    @Test
    void builtInClientRejectsAHostCertificateFromAnotherCa() {
        Observation o = new JavaProbe(MeshCa.generate("other").rootCertificate()).head(sidecar.address(), "https://ok.test/");
        assertThat(o.outcome()).isNotEqualTo(Outcome.OK);
    }

    @Test
    void nothingListeningIsAnError() throws Exception {
        InetSocketAddress closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = (InetSocketAddress) s.getLocalSocketAddress();
        }
        assertThat(new JavaProbe(publicCa.rootCertificate()).head(closed, "http://ok.test/").outcome()).isEqualTo(Outcome.ERROR);
        if (CurlRunner.available()) {
            Observation o = new CurlRunner(caFile).head(closed, "http://ok.test/");
            assertThat(o.outcome()).isEqualTo(Outcome.ERROR);
            assertThat(o.exitCode()).isEqualTo(Observation.COULDNT_CONNECT);
        }
    }

    @Test
    void commandShowsLowerCaseProxyVariablesAndTheCaBundle() {
        String command = new CurlRunner(caFile).command(new InetSocketAddress("127.0.0.1", 15001), "https://developers.google.com/");
        assertThat(command).startsWith("http_proxy=http://127.0.0.1:15001 https_proxy=http://127.0.0.1:15001 curl -sS -I --max-time 10")
                .contains("-w '%{http_code} %{http_connect}'").contains("--cacert " + caFile).endsWith(" https://developers.google.com/");
    }

    @Test
    void parsesCurlOutput() {
        assertThat(CurlRunner.parse(56, "000 502", "curl: (56) CONNECT tunnel failed, response 502\n"))
                .isEqualTo(new Observation(56, 0, 502, "curl: (56) CONNECT tunnel failed, response 502"));
        assertThat(CurlRunner.parse(0, "200 000", "").outcome()).isEqualTo(Outcome.OK);
        assertThat(CurlRunner.parse(35, "000 200", "curl: (35) OpenSSL SSL_connect: SSL_ERROR_SYSCALL").outcome()).isEqualTo(Outcome.FORBIDDEN);
        assertThat(CurlRunner.parse(35, "000 000", "").outcome()).as("exit 35 without a tunnel is not a gateway denial").isEqualTo(Outcome.ERROR);
        assertThat(CurlRunner.parse(56, "000 200", "").outcome()).as("a reset after the handshake is not a denial").isEqualTo(Outcome.ERROR);
        assertThat(CurlRunner.parse(0, "garbage", "").outcome()).isEqualTo(Outcome.ERROR);
    }
}
