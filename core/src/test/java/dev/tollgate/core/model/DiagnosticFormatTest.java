package dev.tollgate.core.model;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The one line format of every message, istioctl analyze's: {@code Level [CODE] (Kind ns/name file:line) message},
 * e.g. istioctl's {@code Error [IST0101] (VirtualService default/foo file.yaml:12) Referenced host not found: "bar"}.
 */
class DiagnosticFormatTest {
    private static final ResourceKey VS = new ResourceKey(Kind.VIRTUAL_SERVICE, "default", "foo");

    @Test
    void aResourceAndItsFileAndLineShareTheParentheses() {
        Diagnostic d = new Diagnostic(Diagnostic.Severity.ERROR, "TG0105", "Referenced host not found: \"bar\"",
                new Origin("file.yaml", 12, 3), Optional.of(VS), "");
        assertThat(d.format()).isEqualTo("Error [TG0105] (VirtualService default/foo file.yaml:12:3) "
                + "Referenced host not found: \"bar\"");
    }

    @Test
    void aFieldPathComesAfterTheParentheses() {
        Diagnostic d = new Diagnostic(Diagnostic.Severity.WARNING, "unknown-field", "unknown field \"principal\"",
                new Origin("a.yaml", 11, 9), Optional.of(VS), "spec.http[0].route");
        assertThat(d.format()).isEqualTo("Warning [unknown-field] (VirtualService default/foo a.yaml:11:9) "
                + "spec.http[0].route: unknown field \"principal\"");
    }

    @Test
    void aMessageAboutNoResourceKeepsItsFile() {
        Diagnostic line = new Diagnostic(Diagnostic.Severity.ERROR, "yaml-syntax", "expected <block end>",
                new Origin("b.yaml", 4, 1), Optional.empty(), "");
        assertThat(line.format()).isEqualTo("Error [yaml-syntax] (b.yaml:4:1) expected <block end>");
        Diagnostic file = new Diagnostic(Diagnostic.Severity.ERROR, "file-too-large", "too large",
                new Origin("big.yaml", 0, 0), Optional.empty(), "");
        assertThat(file.format()).isEqualTo("Error [file-too-large] (big.yaml) too large");
    }

    @Test
    void aMessageWithNeitherHasNoParentheses() {
        Diagnostic d = new Diagnostic(Diagnostic.Severity.INFO, "note", "nothing to say", Origin.UNKNOWN,
                Optional.empty(), "");
        assertThat(d.format()).isEqualTo("Info [note] nothing to say");
        assertThat(d.where()).isEmpty();
    }

    @Test
    void levelsCompareAsIstioctlsThresholds() {
        Diagnostic warning = new Diagnostic(Diagnostic.Severity.WARNING, "x", "m", Origin.UNKNOWN, Optional.empty(), "");
        assertThat(warning.atLeast(Diagnostic.Severity.INFO)).isTrue();
        assertThat(warning.atLeast(Diagnostic.Severity.WARNING)).isTrue();
        assertThat(warning.atLeast(Diagnostic.Severity.ERROR)).isFalse();
        assertThat(warning.level()).isEqualTo("Warning");
    }
}
