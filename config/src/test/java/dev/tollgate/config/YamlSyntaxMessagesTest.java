package dev.tollgate.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 10, section 4: a YAML syntax error keeps SnakeYAML's problem text ("expected &lt;block end&gt;, but found
 * '-'"), at the problem's line and column, not only its context ("while parsing a block mapping").
 */
class YamlSyntaxMessagesTest {
    @TempDir
    Path dir;

    @Test
    void aListItemAtTheIndentOfAMappingSaysExpectedBlockEnd() {
        Path file = Fixtures.write(dir, "bad.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: x
                spec:
                  resolution: DNS
                  - hosts: [a.example.com]
                """);
        assertThat(Fixtures.load(file).errors()).singleElement().satisfies(d -> assertThat(d.format()).isEqualTo(
                "Error [yaml-syntax] (" + file + ":7:3) invalid YAML: expected <block end>, but found '-' (while parsing a "
                        + "block mapping at line 6, column 3)"));
    }

    @Test
    void aTabInTheIndentSaysItCannotStartAToken() {
        Path file = Fixtures.write(dir, "tab.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: a\n");
        assertThat(Fixtures.load(file).errors()).singleElement().satisfies(d -> assertThat(d.format()).isEqualTo(
                "Error [yaml-syntax] (" + file + ":4:1) invalid YAML: found character '\\t(TAB)' that cannot start any "
                        + "token. (Do not use \\t(TAB) for indentation) (while scanning for the next token)"));
    }

    @Test
    void anUnclosedFlowSequenceSaysWhereItBegan() {
        Path file = Fixtures.write(dir, "flow.yaml", "apiVersion: v1\nkind: ServiceEntry\nspec:\n  hosts: [a, b\n"
                + "  ports: 1\n");
        assertThat(Fixtures.load(file).errors()).singleElement().satisfies(d -> {
            assertThat(d.code()).isEqualTo("yaml-syntax");
            assertThat(d.message()).startsWith("invalid YAML: expected ',' or ']', but got ")
                    .endsWith("(while parsing a flow sequence at line 4, column 10)");
            assertThat(d.origin().line()).isEqualTo(5);
        });
    }

    @Test
    void anErrorInTheMeshConfigEmbeddedInTheIstioConfigMapIsAtItsLineInTheFile() {
        Path file = Fixtures.write(dir, "cm.yaml", """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: istio
                  namespace: istio-system
                data:
                  mesh: |-
                    outboundTrafficPolicy:
                      mode: REGISTRY_ONLY
                    - x
                """);
        assertThat(Fixtures.load(file).errors()).singleElement().satisfies(d -> {
            assertThat(d.message()).startsWith("invalid YAML: expected <block end>, but found '-'");
            assertThat(d.origin().source()).isEqualTo(file.toString());
            assertThat(d.origin().line()).isEqualTo(10);
        });
    }
}
