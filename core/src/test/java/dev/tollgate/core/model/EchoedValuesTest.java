package dev.tollgate.core.model;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Messages quote values from user files; a megabyte value must not become a megabyte message. */
class EchoedValuesTest {
    @Test
    void shortMessagesAndValuesAreUntouched() {
        String m = "invalid host \"" + "a".repeat(120) + "\": " + "word ".repeat(40);
        assertThat(EchoedValues.inMessage(m)).isEqualTo(m);
    }

    @Test
    void aLongQuotedValueIsCutAndTheRestOfTheMessageKept() {
        String m = "domain name \"" + "a".repeat(5000) + "\" invalid (label \"" + "a".repeat(63) + "\" invalid)";
        assertThat(EchoedValues.inMessage(m)).isEqualTo("domain name \"" + "a".repeat(120)
                + "… (4880 more characters)\" invalid (label \"" + "a".repeat(63) + "\" invalid)");
    }

    @Test
    void aLongUnquotedRunIsCutToo() {
        String m = "a document must be a Kubernetes object, got " + "b".repeat(300);
        assertThat(EchoedValues.inMessage(m)).isEqualTo("a document must be a Kubernetes object, got "
                + "b".repeat(120) + "… (180 more characters)");
    }

    @Test
    void aValueWithQuotesAndSpacesIsStillBoundedAsAWhole() {
        String m = "bad \"" + "x \" y ".repeat(100_000) + "\"";
        String out = EchoedValues.inMessage(m);
        assertThat(out.length()).isLessThan(EchoedValues.MAX_MESSAGE_CHARS + 40);
        assertThat(out).endsWith("more characters)");
    }

    @Test
    void aSurrogatePairIsNeverSplit() {
        String value = "a".repeat(119) + "😀" + "b".repeat(50);
        String cut = EchoedValues.abbreviate(value);
        assertThat(cut).isEqualTo("a".repeat(119) + "… (52 more characters)");
    }

    @Test
    void everyDiagnosticAbbreviatesItsMessage() {
        Diagnostic d = new Diagnostic(Diagnostic.Severity.ERROR, "invalid-field",
                "host \"" + "h".repeat(1_000_000) + "\" invalid", new Origin("f.yaml", 3, 4), Optional.empty(), "");
        assertThat(d.message()).isEqualTo("host \"" + "h".repeat(120) + "… (999880 more characters)\" invalid");
        assertThat(d.format()).isEqualTo("Error [invalid-field] (f.yaml:3:4) " + d.message());
    }
}
