package dev.tollgate.proxy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real curl, as the tutorial runs it, through a sidecar to the egress gateway to a local TLS stand-in for
 * developers.google.com. What the client sees follows DESIGN.md "Contracts": a gateway denial is 403
 * {@code RBAC: access denied} for HTTP and a TLS failure (curl exit 35) for a tunnel; a sidecar refusal is 502
 * (curl exit 56 for CONNECT).
 */
class CurlEndToEndTest {
    static Rig rig;
    static Sidecar defaultSleep;
    static Sidecar othernsSleep;

    @BeforeAll
    static void start() throws Exception {
        rig = new Rig();
        rig.startGateway();
        defaultSleep = rig.startSidecar(Rig.DEFAULT_SLEEP);
        othernsSleep = rig.startSidecar(Rig.OTHERNS_SLEEP);
    }

    @AfterAll
    static void stop() throws Exception {
        rig.close();
    }

    record Curl(int exit, String out, String err) {
    }

    static Curl curl(Sidecar via, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20", "-x",
                "http://127.0.0.1:" + via.address().getPort(), "--cacert", rig.publicRoot.toString(),
                "-w", "\\ncode=%{http_code}"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        for (String k : List.copyOf(env.keySet())) {
            if (k.toLowerCase().endsWith("_proxy")) {
                env.remove(k);
            }
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new AssertionError("curl is needed for the end-to-end tests (apt-get install curl): " + e, e);
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Curl(p.exitValue(), out, err);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(Named.of("default/sleep https (tunnel through the gateway): ok", "default"),
                        List.of("https://developers.google.com/c1"), 0, "code=200", "hello GET developers.google.com /c1"),
                Arguments.of(Named.of("default/sleep http (gateway originates TLS): ok", "default"),
                        List.of("http://developers.google.com/c2"), 0, "code=200", "hello GET developers.google.com /c2"),
                Arguments.of(Named.of("default/sleep curl -I http: ok", "default"),
                        List.of("-I", "http://developers.google.com/c3"), 0, "code=200", "HTTP/1.1 200"),
                Arguments.of(Named.of("otherns/sleep http: gateway 403", "otherns"),
                        List.of("http://developers.google.com/c4"), 0, "code=403", "RBAC: access denied"),
                Arguments.of(Named.of("otherns/sleep https: gateway closes the tunnel, curl exit 35", "otherns"),
                        List.of("https://developers.google.com/c5"), 35, "code=000", ""),
                Arguments.of(Named.of("sidecar refusal, http: 502 with the reason", "default"),
                        List.of("http://blocked.example/c6"), 0, "code=502",
                        "REGISTRY_ONLY: blocked.example:80 is not in the registry of default"),
                Arguments.of(Named.of("sidecar refusal, https: 502 to the CONNECT, curl exit 56", "default"),
                        List.of("https://blocked.example/c7"), 56, "code=000", "CONNECT tunnel failed, response 502"));
    }

    @org.junit.jupiter.api.Test
    void curlUploadWithExpectContinueThroughTheSidecar() throws Exception {
        java.nio.file.Path file = rig.dir.resolve("upload.bin");
        java.nio.file.Files.write(file, new byte[2 * 1024 * 1024 + 7]);
        Curl c = curl(defaultSleep, "-H", "Expect: 100-continue", "--data-binary", "@" + file,
                "http://plain.example/upload");
        assertThat(c.exit()).as("stderr: %s", c.err()).isZero();
        assertThat(c.out()).contains("hello POST plain.example /upload body=" + (2 * 1024 * 1024 + 7))
                .endsWith("code=200");
    }

    @ParameterizedTest
    @MethodSource("cases")
    void curlThroughSidecarAndGateway(String from, List<String> args, int exit, String code, String contains)
            throws Exception {
        Curl c = curl(from.equals("default") ? defaultSleep : othernsSleep, args.toArray(new String[0]));
        assertThat(c.exit()).as("curl exit; stderr: %s", c.err()).isEqualTo(exit);
        assertThat(c.out()).endsWith(code);
        assertThat(c.out() + c.err()).contains(contains);
    }
}
