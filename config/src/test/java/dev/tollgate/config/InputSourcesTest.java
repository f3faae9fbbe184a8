package dev.tollgate.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 10, section 1, reading files: standard input, folders with and without {@code -R} as kubectl reads them,
 * and no configuration at all, which must never be a silent "allow everything".
 */
class InputSourcesTest {
    @TempDir
    Path dir;

    private static final String SE = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata:
              name: %s
            spec:
              hosts: [%s.example.com]
              resolution: DNS
              ports: [{number: 443, name: tls, protocol: TLS}]
            """;

    private static LoadResult load(LoadOptions options, Path... paths) {
        return ConfigLoader.load(java.util.Arrays.stream(paths).map(p -> new ConfigSource(p, Optional.empty()))
                .toList(), options);
    }

    private static List<String> names(LoadResult r) {
        return r.config().orElseThrow().serviceEntries().stream().map(e -> e.key().name()).toList();
    }

    @Test
    void aFolderIsReadWithoutItsSubfoldersUnlessRecursive() {
        Fixtures.write(dir, "b.yaml", SE.formatted("b", "b"));
        Fixtures.write(dir, "a.yml", SE.formatted("a", "a"));
        Fixtures.write(dir, "sub/c.yaml", SE.formatted("c", "c"));
        Fixtures.write(dir, "sub/deeper/d.json", """
                {"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry", "metadata": {"name": "d"},
                 "spec": {"hosts": ["d.example.com"], "ports": [{"number": 80, "name": "http", "protocol": "HTTP"}]}}
                """);
        Fixtures.write(dir, "notes.txt", "not yaml");
        assertThat(names(load(LoadOptions.DEFAULTS, dir))).containsExactly("a", "b");
        // in path order, so that a later definition replaces an earlier one the same way on every machine
        assertThat(names(load(LoadOptions.DEFAULTS.withRecursive(true), dir))).containsExactly("a", "b", "c", "d");
    }

    @Test
    void anEmptyFolderIsAnErrorNamingIt() {
        Path empty = dir.resolve("empty");
        Fixtures.write(dir, "empty/README.txt", "no yaml here");
        LoadResult r = load(LoadOptions.DEFAULTS, empty);
        assertThat(r.ok()).isFalse();
        assertThat(r.errors()).singleElement().satisfies(d -> assertThat(d.format()).isEqualTo("Error [empty-folder] (" + empty
                + ") folder " + empty + " holds no *.yaml, *.yml or *.json file"));
    }

    @Test
    void aFolderWhoseYamlIsInSubfoldersSaysToGiveR() {
        Fixtures.write(dir, "top/sub/c.yaml", SE.formatted("c", "c"));
        LoadResult r = load(LoadOptions.DEFAULTS, dir.resolve("top"));
        assertThat(r.errors()).singleElement().satisfies(d -> assertThat(d.message())
                .endsWith("holds no *.yaml, *.yml or *.json file; its subfolders do: give -R (--recursive) to read "
                        + "them, as with kubectl"));
        assertThat(names(load(LoadOptions.DEFAULTS.withRecursive(true), dir.resolve("top")))).containsExactly("c");
    }

    @Test
    void noConfigurationAtAllIsAnError() {
        LoadResult r = ConfigLoader.load(List.of(), LoadOptions.DEFAULTS);
        assertThat(r.ok()).isFalse();
        assertThat(r.errors()).singleElement().satisfies(d -> assertThat(d.format()).isEqualTo("Error [no-config] (-f) "
                + "no configuration given: use -f FILE, -f FOLDER (-R for its subfolders) or -f - for standard input"));
    }

    @Test
    void setAloneIsAConfigurationOfTheMeshWithNoResources() {
        LoadResult r = ConfigLoader.load(List.of(), new LoadOptions("default",
                Map.of("outboundTrafficPolicy.mode", "REGISTRY_ONLY")));
        assertThat(r.errors()).isEmpty();
        assertThat(r.config().orElseThrow().mesh().outboundMode().name()).isEqualTo("REGISTRY_ONLY");
    }

    @Test
    void aFileOfOnlyCommentsIsAnErrorAsKubectlsNoObjectsPassedToApply() {
        Path file = Fixtures.write(dir, "comments.yaml", "# everything commented out\n#apiVersion: v1\n---\n---\n");
        LoadResult r = load(LoadOptions.DEFAULTS, file);
        assertThat(r.ok()).isFalse();
        assertThat(r.errors()).singleElement().satisfies(d -> assertThat(d.format()).isEqualTo("Error [no-objects] (" + file
                + ") no objects to load: -f " + file + " holds only comments or empty documents"));
    }

    @Test
    void aFileOfOnlyCommentsBesideRealConfigurationIsFine() {
        Path comments = Fixtures.write(dir, "comments.yaml", "# nothing yet\n");
        Path se = Fixtures.write(dir, "se.yaml", SE.formatted("a", "a"));
        LoadResult r = load(LoadOptions.DEFAULTS, comments, se);
        assertThat(r.errors()).isEmpty();
        assertThat(names(r)).containsExactly("a");
    }

    @Test
    void anEmptyListIsNoObjects() {
        Path file = Fixtures.write(dir, "list.yaml", "apiVersion: v1\nkind: List\nitems: []\nmetadata:\n  resourceVersion: \"\"\n");
        assertThat(load(LoadOptions.DEFAULTS, file).errors()).singleElement()
                .satisfies(d -> assertThat(d.code()).isEqualTo("no-objects"));
    }

    @Test
    void standardInputLoadsWithItsOwnNameInOrigins() {
        byte[] text = (SE.formatted("a", "a") + "---\n" + SE.formatted("b", "b")).getBytes(StandardCharsets.UTF_8);
        LoadResult r = ConfigLoader.load(List.of(ConfigSource.stdin(text, Optional.of("payments"))),
                LoadOptions.DEFAULTS);
        assertThat(r.errors()).isEmpty();
        assertThat(r.config().orElseThrow().serviceEntries()).extracting(e -> e.key().toString() + " " + e.origin())
                .containsExactly("ServiceEntry payments/a <stdin>:1:1", "ServiceEntry payments/b <stdin>:10:1");
    }

    @Test
    void standardInputIsBoundedAndCheckedAsAFileIs() {
        LoadOptions small = new LoadOptions("default", Map.of(), new YamlLimits(100, 50));
        LoadResult big = ConfigLoader.load(List.of(ConfigSource.stdin(new byte[101], Optional.empty())), small);
        assertThat(big.errors()).singleElement().satisfies(d -> assertThat(d.format())
                .startsWith("Error [file-too-large] (<stdin>) <stdin> is more than 100 bytes"));
        LoadResult latin1 = ConfigLoader.load(List.of(ConfigSource.stdin(new byte[]{'a', ':', ' ', (byte) 0xE9},
                Optional.empty())), LoadOptions.DEFAULTS);
        assertThat(latin1.errors()).singleElement().satisfies(d -> assertThat(d.format())
                .startsWith("Error [not-utf8] (<stdin>:1:4) <stdin> is not UTF-8 text (byte 0xE9"));
    }

    @Test
    void aStoreOverStandardInputLoadsItOnceAndNeverSeesItChange() {
        ConfigSource stdin = ConfigSource.stdin(SE.formatted("a", "a").getBytes(StandardCharsets.UTF_8), Optional.empty());
        try (ConfigStore store = new ConfigStore(List.of(stdin), LoadOptions.DEFAULTS,
                ConfigStoreTest.TestSnapshot::new)) {
            LoadResult first = store.reload();
            assertThat(first.errors()).isEmpty();
            assertThat(names(first)).containsExactly("a");
            assertThat(store.fingerprint()).isEqualTo(store.fingerprint());
            assertThat(names(store.reload())).as("the bytes were kept, not read again").containsExactly("a");
        }
    }

    @Test
    void aStoreOverAFolderFollowsTheRecursiveOption() throws Exception {
        Fixtures.write(dir, "sub/c.yaml", SE.formatted("c", "c"));
        Fixtures.write(dir, "a.yaml", SE.formatted("a", "a"));
        try (ConfigStore flat = new ConfigStore(List.of(new ConfigSource(dir, Optional.empty())), LoadOptions.DEFAULTS,
                s -> null);
             ConfigStore deep = new ConfigStore(List.of(new ConfigSource(dir, Optional.empty())),
                     LoadOptions.DEFAULTS.withRecursive(true), s -> null)) {
            String flatBefore = flat.fingerprint();
            String deepBefore = deep.fingerprint();
            Files.writeString(dir.resolve("sub/c.yaml"), SE.formatted("c", "changed"));
            assertThat(flat.fingerprint()).as("a subfolder's file is not read without -R").isEqualTo(flatBefore);
            assertThat(deep.fingerprint()).isNotEqualTo(deepBefore);
        }
    }
}
