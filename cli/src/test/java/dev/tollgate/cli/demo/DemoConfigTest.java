package dev.tollgate.cli.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class DemoConfigTest {

    private static Step step(String id) {
        return Scenario.tutorial().stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void writesOneFilePerNamespaceAndTheMeshFile(@TempDir Path dir) throws Exception {
        DemoConfig config = new DemoConfig(dir);
        config.apply(step("A3"));
        assertThat(Files.readString(config.namespaceFile("default"))).contains("name: external-developers-google-com").contains("exportTo");
        assertThat(Files.readString(config.namespaceFile("otherns"))).doesNotContain("kind:");
        assertThat(Files.readString(config.namespaceFile("istio-system"))).doesNotContain("kind:");
        assertThat(Files.readString(config.meshFile())).contains("mode: REGISTRY_ONLY");
    }

    @Test
    void rewritesOnlyWhatTheStepChanges(@TempDir Path dir) {
        DemoConfig config = new DemoConfig(dir);
        assertThat(config.apply(step("A2"))).hasSize(4);
        assertThat(config.apply(step("A3"))).containsExactly(config.namespaceFile("default"));
        assertThat(config.apply(step("A4"))).containsExactly(config.namespaceFile("otherns"));
        assertThat(config.apply(step("B0"))).containsExactlyInAnyOrder(config.namespaceFile("default"), config.namespaceFile("otherns"));
        assertThat(config.apply(step("B1"))).containsExactly(config.namespaceFile("istio-system"));
    }

    @Test
    void multiDocumentFilesKeepEveryFixture(@TempDir Path dir) throws Exception {
        DemoConfig config = new DemoConfig(dir);
        config.apply(step("B2"));
        String istioSystem = Files.readString(config.namespaceFile("istio-system"));
        assertThat(istioSystem).contains("name: istio-google-egressgateway").contains("name: istio-yahoo-egressgateway")
                .contains("name: allow-nothing");
        assertThat(Files.readString(config.namespaceFile("default"))).contains("external-allow-developers-google-com");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .as("no temporary files left").containsExactlyInAnyOrder("default.yaml", "otherns.yaml", "istio-system.yaml", "mesh.yaml");
        }
    }

    @Test
    void proxiesGetOneSourcePerNamespaceAndTheMeshFile(@TempDir Path dir) {
        DemoConfig config = new DemoConfig(dir);
        assertThat(config.sourceArguments()).containsExactly(
                "-f", "default=" + dir.resolve("default.yaml"), "-f", "otherns=" + dir.resolve("otherns.yaml"),
                "-f", "istio-system=" + dir.resolve("istio-system.yaml"), "-f", dir.resolve("mesh.yaml").toString());
        assertThat(config.sources()).extracting(s -> s.namespace().orElse("")).containsExactly("default", "otherns", "istio-system", "");
    }
}
