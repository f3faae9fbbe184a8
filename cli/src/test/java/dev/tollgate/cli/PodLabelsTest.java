package dev.tollgate.cli;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The downward API's labels file: {@code key="value"} lines, values quoted as Go's strconv.Quote does. */
class PodLabelsTest {
    @Test
    void readsTheDownwardApisFormat() {
        assertThat(PodLabels.parse("""
                app="sleep"
                pod-template-hash="5d8f9c7b6"
                security.istio.io/tlsMode="istio"
                odd="a \\"quoted\\" \\\\ value"
                """, "labels")).containsExactly(Map.entry("app", "sleep"),
                Map.entry("pod-template-hash", "5d8f9c7b6"), Map.entry("security.istio.io/tlsMode", "istio"),
                Map.entry("odd", "a \"quoted\" \\ value"));
        assertThat(PodLabels.parse("", "labels")).isEmpty();
    }

    @Test
    void refusesWhatTheDownwardApiNeverWrites() {
        assertThatThrownBy(() -> PodLabels.parse("app=sleep\n", "f")).hasMessage("--labels-file f:1: the value must be quoted");
        assertThatThrownBy(() -> PodLabels.parse("app=\"x\"\n=\"y\"\n", "f")).hasMessage("--labels-file f:2: expected key=\"value\"");
        assertThatThrownBy(() -> PodLabels.parse("app=\"\\u0041\"", "f")).hasMessageContaining("unexpected escape \\u");
        assertThatThrownBy(() -> PodLabels.parse("app=\"x\\\"", "f")).hasMessageContaining("lone backslash");
    }
}
