package dev.tollgate.config;

import dev.tollgate.core.model.Diagnostic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Files an attacker or an accident puts in a watched folder: too large, one huge value, binary, control characters,
 * values echoed back in errors. Each is refused with the file (and line where there is one), cheaply, and the
 * message never carries the value whole. (Alias bombs: YamlSourcesTest.)
 */
class HostileYamlTest {
    @TempDir
    Path dir;

    private static final String SE = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata:
              name: se
              annotations:
                note: %s
            spec:
              hosts: [%s]
              ports: [{number: 443, name: tls, protocol: TLS}]
              resolution: DNS
            """;

    private static LoadResult load(Path file, YamlLimits limits) {
        return ConfigLoader.load(List.of(new ConfigSource(file, Optional.empty())),
                new LoadOptions("default", Map.of(), limits));
    }

    private static Diagnostic onlyError(LoadResult r) {
        assertThat(r.config()).as("nothing loads").isEmpty();
        assertThat(r.errors()).as(Fixtures.dump(r.diagnostics())).hasSize(1);
        return r.errors().getFirst();
    }

    @Test
    void aFileOverTheSizeLimitIsRefusedFromItsSizeAndNamed() throws IOException {
        Path file = dir.resolve("huge.yaml");
        Files.write(file, SE.formatted("x".repeat(5 << 20), "a.example.com").getBytes());
        Diagnostic d = onlyError(Fixtures.load(file));
        assertThat(d.code()).isEqualTo("file-too-large");
        assertThat(d.origin().source()).isEqualTo(file.toString());
        assertThat(d.message()).isEqualTo(file + " is " + Files.size(file) + " bytes, larger than the limit of "
                + "4 MiB per file (--max-config-file-size); Kubernetes stores an object in at most 1.5 MiB");
    }

    @Test
    void theFileLimitIsConfigurable() {
        Path file = Fixtures.write(dir, "se.yaml", SE.formatted("short", "a.example.com"));
        assertThat(onlyError(load(file, new YamlLimits(100, 1 << 20))).code()).isEqualTo("file-too-large");
        assertThat(load(file, new YamlLimits(1000, 1 << 20)).ok()).isTrue();
    }

    @Test
    void aValueOverTheScalarLimitIsRefusedAtItsLine() {
        Path file = Fixtures.write(dir, "long.yaml", SE.formatted("y".repeat((1 << 20) + 1), "a.example.com"));
        Diagnostic d = onlyError(Fixtures.load(file));
        assertThat(d.code()).isEqualTo("scalar-too-large");
        assertThat(d.origin().line()).isEqualTo(6);
        assertThat(d.origin().column()).isEqualTo(11);
        assertThat(d.message()).isEqualTo("YAML value of 1048577 characters is longer than the limit of 1048576 "
                + "(--max-yaml-scalar-size)");
    }

    @Test
    void aValueAtTheScalarLimitLoadsAndSoDoesADocumentAboveSnakeYamlsOwnThreeMegabyteCap() {
        // SnakeYAML alone refuses a document over 3 MB ("exceeds the limit: 3145728 code points"); ours is 4 MiB
        String value = "z".repeat(1 << 20);
        Path file = Fixtures.write(dir, "big.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: se
                  annotations: {a: %1$s, b: %1$s, c: %1$s, d: %2$s}
                spec:
                  hosts: [a.example.com]
                  ports: [{number: 443, name: tls, protocol: TLS}]
                  resolution: DNS
                """.formatted(value, value.substring(1000)));
        LoadResult r = Fixtures.load(file);
        assertThat(r.ok()).as(Fixtures.dump(r.diagnostics())).isTrue();
        assertThat(r.config().orElseThrow().serviceEntries().getFirst().spec().getHosts())
                .containsExactly("a.example.com");
    }

    @Test
    void aKeyOverTheScalarLimitIsRefused() {
        // an explicit key ("? "): SnakeYAML itself refuses implicit keys over 1,024 characters
        Path file = Fixtures.write(dir, "key.yaml", "a: 1\n? " + "k".repeat(2000) + "\n: v\n");
        Diagnostic d = onlyError(load(file, new YamlLimits(1 << 20, 1000)));
        assertThat(d.code()).isEqualTo("scalar-too-large");
        assertThat(d.origin().line()).isEqualTo(2);
        assertThat(d.message()).startsWith("YAML key of 2000 characters");
    }

    @Test
    void theMeshConfigMapsEmbeddedYamlIsBoundedAsOneValue() {
        Path file = Fixtures.write(dir, "cm.yaml", """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: istio, namespace: istio-system}
                data:
                  mesh: |
                    trustDomain: cluster.local
                    rootNamespace: %s
                """.formatted("n".repeat(300)));
        Diagnostic d = onlyError(load(file, new YamlLimits(1 << 20, 200)));
        assertThat(d.code()).isEqualTo("scalar-too-large");
        // the embedded YAML's values are parts of this one, so it bounds them all
        assertThat(d.origin().line()).isEqualTo(5);
        assertThat(d.fieldPath()).isEmpty();
    }

    @Test
    void aBinaryFileNamesItsFirstBadByteNotTheDecodersInputLength() throws IOException {
        Path file = dir.resolve("image.yaml");
        Files.write(file, new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13});
        Diagnostic d = onlyError(Fixtures.load(file));
        assertThat(d.code()).isEqualTo("not-utf8");
        assertThat(d.message()).isEqualTo(file + " is not UTF-8 text (byte 0x89 at offset 0, line 1); YAML files "
                + "must be UTF-8");
        assertThat(d.format()).doesNotContain("Input length");
    }

    @Test
    void invalidUtf8InTheMiddleIsPlacedByLineAndOffset() throws IOException {
        Path file = dir.resolve("latin1.yaml");
        byte[] head = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf".getBytes();
        byte[] bytes = java.util.Arrays.copyOf(head, head.length + 2);
        bytes[head.length] = (byte) 0xE9; // 'é' in Latin-1, a lone lead byte in UTF-8
        bytes[head.length + 1] = '}';
        Files.write(file, bytes);
        Diagnostic d = onlyError(Fixtures.load(file));
        assertThat(d.code()).isEqualTo("not-utf8");
        assertThat(d.origin().line()).isEqualTo(3);
        assertThat(d.origin().column()).isEqualTo(21);
        assertThat(d.message()).contains("byte 0xE9 at offset " + head.length + ", line 3");
    }

    @Test
    void aControlCharacterIsNamedWithItsPlace() {
        Path file = Fixtures.write(dir, "bell.yaml", "apiVersion: v1\nkind: Con\u0007figMap\n");
        Diagnostic d = onlyError(Fixtures.load(file));
        assertThat(d.code()).isEqualTo("yaml-syntax");
        assertThat(d.origin().line()).isEqualTo(2);
        assertThat(d.origin().column()).isEqualTo(10);
        assertThat(d.message()).isEqualTo("invalid YAML: character U+0007 is not allowed (only printable "
                + "characters, tab and line breaks are)");
    }

    @Test
    void aHugeInvalidValueIsEchoedAbbreviated() {
        String host = "h".repeat(200_000) + ".example.com";
        Path file = Fixtures.write(dir, "echo.yaml", SE.formatted("ok", host));
        LoadResult r = Fixtures.load(file);
        assertThat(r.ok()).isFalse();
        assertThat(r.errors()).isNotEmpty().allSatisfy(d -> {
            assertThat(d.format().length()).isLessThan(2100);
            assertThat(d.message()).doesNotContain("h".repeat(121)).contains("more characters)");
        });
        assertThat(r.errors().getFirst().origin().line()).isEqualTo(8);
    }

    @Test
    void crlfLineEndingsKeepLineNumbers() {
        Path file = Fixtures.write(dir, "crlf.yaml", SE.formatted("ok", "a.example.com")
                .replace("resolution: DNS", "resolution: DSN").replace("\n", "\r\n"));
        Diagnostic d = onlyError(Fixtures.load(file));
        assertThat(d.origin().line()).isEqualTo(10);
        assertThat(d.origin().column()).isEqualTo(3);
    }

    @Test
    void deepNestingIsRefusedNotAStackOverflow() {
        Path file = Fixtures.write(dir, "deep.yaml", "a: b\nc: " + "[".repeat(10_000) + "]".repeat(10_000) + "\n");
        Diagnostic d = onlyError(Fixtures.load(file));
        assertThat(d.code()).isEqualTo("yaml-syntax");
        assertThat(d.origin().line()).isEqualTo(2);
        assertThat(d.origin().column()).isEqualTo(103);
        assertThat(d.message()).isEqualTo("YAML nested deeper than 100 levels");
    }

    @Test
    void nestingThroughAliasesIsBoundedToo() {
        // each alias sits 60 levels deep and holds the previous one: 60 + 60 > 100
        String sixty = "[".repeat(60);
        String close = "]".repeat(60);
        Path file = Fixtures.write(dir, "alias-deep.yaml", "a: &a " + sixty + "x" + close + "\nb: " + sixty
                + "*a" + close + "\n");
        Diagnostic d = onlyError(Fixtures.load(file));
        assertThat(d.origin().line()).isEqualTo(2);
        assertThat(d.message()).isEqualTo("YAML nested deeper than 100 levels (through alias *a)");
    }
}
