package dev.tollgate.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Every command teaches through --help: exit 0, a usage line, and an example or a description. */
class HelpTest {
    @ParameterizedTest
    @ValueSource(strings = {"check", "explain", "analyze", "policies", "netpol", "capture-rules", "ca", "sidecar", "gateway", "demo", "stand-in"})
    void everyCommandHasHelp(String command) {
        CliRun r = CliRun.of(command, "--help");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("Usage: tollgate " + command);
        assertThat(r.out().lines().count()).isGreaterThan(8);
    }

    @org.junit.jupiter.api.Test
    void sidecarHelpDocumentsCapture() {
        CliRun r = CliRun.of("sidecar", "--help");
        assertThat(r.out()).contains("--capture=PORT").contains("SO_ORIGINAL_DST").contains("redirect")
                .contains("curl exit 35").contains("502");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "help"})
    void topLevelHelpListsTheCommands(String arg) {
        CliRun r = CliRun.of(arg);
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("check").contains("explain").contains("analyze").contains("policies").contains("demo")
                .contains("sidecar").contains("gateway");
    }

    @ParameterizedTest
    @ValueSource(strings = {"bogus", "--bogus"})
    void unknownCommandsAndOptionsAreUsageErrors(String arg) {
        CliRun r = CliRun.of(arg);
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isNotEmpty();
    }
}
