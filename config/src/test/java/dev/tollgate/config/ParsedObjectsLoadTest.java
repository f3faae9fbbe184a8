package dev.tollgate.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.model.Resource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Objects that arrive already parsed (the control plane's informers) take the files' very path: the same resources
 * come out, and an invalid object is refused with the same diagnostic, naming the object's source.
 */
class ParsedObjectsLoadTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Path TUTORIAL = Path.of("..", "examples", "tutorial");

    @Test
    void everyTutorialFixtureLoadsAsFromItsFile() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(TUTORIAL)) {
            files = s.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThan(10);
        for (Path file : files) {
            LoadResult fromFile = ConfigLoader.load(List.of(new ConfigSource(file, Optional.of("istio-system"))),
                    new LoadOptions("istio-system", Map.of()));
            LoadResult fromObjects = ConfigLoader.loadObjects(objects(file), new LoadOptions("istio-system", Map.of()));
            assertThat(fromObjects.ok()).as(file.toString()).isEqualTo(fromFile.ok());
            if (!fromFile.ok()) { continue; }
            assertThat(keysAndSpecs(fromObjects.config().orElseThrow())).as(file.toString())
                    .isEqualTo(keysAndSpecs(fromFile.config().orElseThrow()));
            assertThat(fromObjects.diagnostics().stream().map(Diagnostic::code).toList()).as(file.toString())
                    .isEqualTo(fromFile.diagnostics().stream().map(Diagnostic::code).toList());
        }
    }

    @Test
    void anInvalidObjectIsRefusedWithTheFilesDiagnosticAndItsSource() {
        String yaml = """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: broken, namespace: istio-system}
                spec:
                  action: DENY
                  rules:
                  - to:
                    - operation:
                        methods: ["GET"]
                        metods: ["HEAD"]
                """;
        LoadResult fromText = ConfigLoader.load(List.of(ConfigSource.stdin(yaml.getBytes(), Optional.empty())),
                LoadOptions.DEFAULTS);
        LoadResult fromObject = ConfigLoader.loadObjects(List.of(new ParsedObject("cluster:broken", map(yaml))),
                LoadOptions.DEFAULTS);

        assertThat(fromObject.ok()).isFalse();
        assertThat(fromObject.config()).isEmpty();
        assertThat(fromObject.errors()).extracting(Diagnostic::code)
                .isEqualTo(fromText.errors().stream().map(Diagnostic::code).toList()).isNotEmpty();
        assertThat(fromObject.errors()).allSatisfy(d -> assertThat(d.origin().source()).isEqualTo("cluster:broken"));
        assertThat(fromObject.errors().get(0).message()).isEqualTo(fromText.errors().get(0).message());
    }

    @Test
    void noObjectsIsAnEmptyConfigurationNotAnError() {
        LoadResult r = ConfigLoader.loadObjects(List.of(), LoadOptions.DEFAULTS);
        assertThat(r.ok()).isTrue();
        assertThat(r.config().orElseThrow().authorizationPolicies()).isEmpty();
    }

    private static List<ParsedObject> objects(Path file) throws IOException {
        List<ParsedObject> out = new ArrayList<>();
        try (var parser = YAML.getFactory().createParser(file.toFile())) {
            var it = YAML.readValues(parser, Object.class);
            int i = 0;
            while (it.hasNext()) {
                // an empty document (a trailing ---) is nothing, as for the file reader
                if (it.next() instanceof Map<?, ?> m) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> fields = (Map<String, Object>) m;
                    out.add(new ParsedObject(file + "#" + i++, fields));
                }
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(String yaml) {
        try {
            return YAML.readValue(yaml, Map.class);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Everything but the origins, which name the file in one case and the object in the other. */
    private static List<String> keysAndSpecs(ConfigSet set) {
        return Stream.of(set.serviceEntries(), set.sidecars(), set.gateways(), set.virtualServices(),
                        set.destinationRules(), set.authorizationPolicies())
                .flatMap(List::stream).map(ParsedObjectsLoadTest::describe).toList();
    }

    private static String describe(Resource<?> r) {
        return r.key() + " " + r.spec() + " " + r.labels() + " " + r.annotations() + " " + r.fields().keySet();
    }
}
