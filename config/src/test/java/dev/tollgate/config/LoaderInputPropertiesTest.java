package dev.tollgate.config;

import dev.tollgate.core.model.Diagnostic;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Properties of the loader on arbitrary input (issue 6: no exception escapes; the input is accepted, or rejected
 * with a reason that names the file): raw bytes, token soup that exercises YAML's syntax, and the tutorial's files
 * with random edits. Some tries use tiny size limits so the limit paths are fuzzed too.
 */
class LoaderInputPropertiesTest {
    /** YAML's syntax, some Kubernetes words, and characters that have broken parsers before. */
    private static final List<String> TOKENS = List.of("apiVersion: ", "kind: ", "metadata:", "name: ", "spec:",
            "hosts:", "ServiceEntry", "AuthorizationPolicy", "networking.istio.io/v1", "security.istio.io/v1", "v1",
            "List", "items:", "ConfigMap", "istio", "mesh: |", "data:", "\n", "\n  ", "\n    ", "\r\n", "\t", " ",
            "- ", "? ", ": ", ":", ",", "[", "]", "{", "}", "&a ", "*a", "&b ", "*b", "<<: *a", "!!binary ",
            "!!str ", "!foo ", "!<tag:x> ", "---\n", "...\n", "%YAML 1.1\n", "%TAG ! tag:x\n", "|", ">-", "|+2",
            "\"", "'", "\\", "\\x4", "\\u12", "#", "~", "null", "true", "0x1F", "1e309", "-.inf", ".nan", "80",
            "99999999999999999999999", "\u00e9", "\u2028", "\u0085", "\ufeff", "\ud83d\ude00", "\u0000", "\u0007",
            "a.example.com", "*.example.com", "cluster.local/ns/x/sa/y", "=");
    private static final Path TUTORIAL = tutorialDir();

    record Input(byte[] bytes, boolean tinyLimits) {
        @Override
        public String toString() {
            return (tinyLimits ? "[tiny limits] " : "") + new String(bytes, StandardCharsets.UTF_8);
        }
    }

    @Provide
    Arbitrary<Input> rawBytes() {
        return Combinators.combine(Arbitraries.bytes().array(byte[].class).ofMaxSize(2000),
                Arbitraries.of(true, false)).as(Input::new);
    }

    @Provide
    Arbitrary<Input> tokenSoup() {
        return Combinators.combine(Arbitraries.of(TOKENS).list().ofMaxSize(80)
                        .map(t -> String.join("", t).getBytes(StandardCharsets.UTF_8)),
                Arbitraries.of(true, false)).as(Input::new);
    }

    /** One edit of a text, at a position given as a fraction of its length. */
    record Edit(int kind, double at, double to, String token) {
        String apply(String s) {
            int i = (int) (at * s.length());
            int j = Math.min(s.length(), i + (int) (to * 40));
            List<String> lines = new ArrayList<>(List.of(s.split("\n", -1)));
            int line = Math.min(lines.size() - 1, (int) (at * lines.size()));
            int other = Math.min(lines.size() - 1, (int) (to * lines.size()));
            switch (kind) {
                case 0 -> {
                    return s.substring(0, i) + s.substring(j);                              // delete a range
                }
                case 1 -> {
                    return s.substring(0, i) + token + s.substring(i);                      // insert a token
                }
                case 2 -> {
                    return s.substring(0, i) + token + s.substring(j);                      // replace a range
                }
                case 3 -> lines.add(line, lines.get(other));                                 // duplicate a line
                case 4 -> java.util.Collections.swap(lines, line, other);                    // swap two lines
                case 5 -> lines.set(line, " ".repeat((int) (to * 5)) + lines.get(line).stripLeading()); // re-indent
                default -> lines.remove(line);                                               // drop a line
            }
            return String.join("\n", lines);
        }
    }

    @Provide
    Arbitrary<Input> mutatedTutorial() {
        Arbitrary<Edit> edit = Combinators.combine(Arbitraries.integers().between(0, 6),
                Arbitraries.doubles().between(0, 1), Arbitraries.doubles().between(0, 1),
                Arbitraries.of(TOKENS)).as(Edit::new);
        return Combinators.combine(Arbitraries.of(tutorialFiles()), edit.list().ofMinSize(1).ofMaxSize(4),
                Arbitraries.of(true, false)).as((file, edits, tiny) -> {
                    String text = read(file);
                    for (Edit e : edits) {
                        text = e.apply(text);
                    }
                    return new Input(text.getBytes(StandardCharsets.UTF_8), tiny);
                });
    }

    @Property(tries = 300)
    void arbitraryBytesAreAcceptedOrRejectedWithAReason(@ForAll("rawBytes") Input input) throws IOException {
        acceptedOrRejectedWithAReason(input);
    }

    @Property(tries = 500)
    void yamlTokenSoupIsAcceptedOrRejectedWithAReason(@ForAll("tokenSoup") Input input) throws IOException {
        acceptedOrRejectedWithAReason(input);
    }

    @Property(tries = 500)
    void editedTutorialFilesAreAcceptedOrRejectedWithAReason(@ForAll("mutatedTutorial") Input input)
            throws IOException {
        acceptedOrRejectedWithAReason(input);
    }

    @Property(tries = 1)
    void theTutorialFilesLoadUnedited() {
        for (Path f : tutorialFiles()) {
            LoadResult r = ConfigLoader.load(List.of(new ConfigSource(f, Optional.empty())), LoadOptions.DEFAULTS);
            assertThat(r.ok()).as(f + "\n" + Fixtures.dump(r.diagnostics())).isTrue();
        }
    }

    private static void acceptedOrRejectedWithAReason(Input input) throws IOException {
        Path file = Files.createTempFile("fuzzed", ".yaml");
        try {
            Files.write(file, input.bytes());
            YamlLimits limits = input.tinyLimits() ? new YamlLimits(600, 40) : YamlLimits.DEFAULTS;
            LoadResult r = ConfigLoader.load(List.of(new ConfigSource(file, Optional.empty())),
                    new LoadOptions("default", Map.of(), limits));
            Statistics.collect(r.ok() ? "accepted" : r.errors().isEmpty() ? "no reason"
                    : "rejected: " + r.errors().getFirst().code());
            if (r.ok()) {
                assertThat(r.config()).isPresent();
                return;
            }
            assertThat(r.config()).isEmpty();
            assertThat(r.errors()).as("a rejection gives a reason").isNotEmpty();
            for (Diagnostic d : r.errors()) {
                assertThat(d.message()).as(d.format()).isNotBlank();
                assertThat(d.origin().source()).as(d.format()).isEqualTo(file.toString());
                assertThat(d.message().length()).as("echoed values are bounded")
                        .isLessThanOrEqualTo(2100);
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static List<Path> tutorialFiles() {
        try (Stream<Path> s = Files.list(TUTORIAL)) {
            return s.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** examples/tutorial of the repository; tests run in the module's folder. */
    private static Path tutorialDir() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("examples/tutorial"))) {
                return d.resolve("examples/tutorial");
            }
        }
        throw new IllegalStateException("examples/tutorial not found above " + Path.of("").toAbsolutePath());
    }
}
