package dev.tollgate.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP methods are case-sensitive (RFC 9110 9.1) and Istio's method matches are exact: {@code check} must ask the
 * method a client sends, as it sends it, or it answers for another request than the proxies decide. It once upper-cased
 * {@code -X}, so {@code -X get} was answered as GET, while the sidecar (which passes the method on as received) gave
 * it no route.
 */
class MethodCaseTest {
    @TempDir
    Path dir;

    /** Only GET, exactly, has a route to api.example.com; anything else gets none (Envoy's 404 NR). */
    private Path onlyGet(String method) throws IOException {
        Path f = dir.resolve("only-" + method + ".yaml");
        Files.writeString(f, """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: api, namespace: default}
                spec:
                  hosts: [api.example.com]
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  resolution: DNS
                  location: MESH_EXTERNAL
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: api, namespace: default}
                spec:
                  hosts: [api.example.com]
                  http:
                  - match:
                    - method: {exact: %s}
                    route:
                    - destination: {host: api.example.com}
                """.formatted(method));
        return f;
    }

    @Test
    void aLowerCaseMethodIsAskedAsWrittenWithANote() throws IOException {
        Path f = onlyGet("GET");
        CliRun upper = CliRun.of("check", "-f", f.toString(), "--from", "default/sleep", "-X", "GET",
                "http://api.example.com/");
        assertThat(upper.exitCode()).as(upper.out() + upper.err()).isZero();

        CliRun lower = CliRun.of("check", "-f", f.toString(), "--from", "default/sleep", "-X", "get",
                "http://api.example.com/");
        assertThat(lower.exitCode()).as(lower.out()).isEqualTo(1);
        assertThat(lower.out()).contains("method get does not match");
        assertThat(lower.err()).contains("note: method get is asked as written: methods are case-sensitive");
    }

    @Test
    void aMethodThatIsNoTokenIsAnErrorNotAnAnswer() throws IOException {
        Path f = onlyGet("GET");
        for (String bad : new String[]{"GE T", "GET\r\nX-Evil: 1", "", "GET/"}) {
            CliRun r = CliRun.of("check", "-f", f.toString(), "--from", "default/sleep", "-X", bad,
                    "http://api.example.com/");
            assertThat(r.exitCode()).as("-X [%s]: %s", bad, r.out()).isEqualTo(2);
            assertThat(r.out()).isEmpty();
            assertThat(r.err()).contains("not an HTTP method");
        }
    }

    @Test
    void aBatchLineKeepsItsMethodsCase() throws IOException {
        Path f = onlyGet("GET");
        String lines = """
                {"from": "default/sleep", "url": "http://api.example.com/", "method": "GET"}
                {"from": "default/sleep", "url": "http://api.example.com/", "method": "get"}
                {"from": "default/sleep", "url": "http://api.example.com/", "method": "G T"}
                """;
        CliRun r = ConfigInputTest.withStdin(lines, "check", "--batch", "-f", f.toString());
        var out = r.out().lines().toList();
        assertThat(out).hasSize(3);
        assertThat(out.get(0)).contains("\"outcome\":\"allowed\"");
        assertThat(out.get(1)).contains("\"outcome\":\"no-route\"");
        assertThat(out.get(2)).contains("\"line\":3").contains("not an HTTP method");
    }

    /** A rule naming a lower-case method: the matrix asks that method, as written, and finds the cell partly open. */
    @Test
    void theMatrixAsksARulesMethodAsWritten() throws IOException {
        Path f = onlyGet("get");
        CliRun r = CliRun.of("matrix", "-f", f.toString(), "--from", "default/sleep", "-o", "csv");
        assertThat(r.exitCode()).as(r.err()).isZero();
        String cell = r.out().lines().filter(l -> l.startsWith("default/sleep,") && l.contains(",api.example.com,80,"))
                .findFirst().orElseThrow();
        assertThat(cell).contains(",partly,").contains("method get");
    }
}
