package dev.tollgate.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tollgate completion} in the shells themselves: the script is sourced into a real bash and a real zsh (the
 * latter through its bash-completion layer, as a user's ~/.zshrc would), and the completion function is called the
 * way each shell's completion system calls it. bash filters the candidates by the word typed; zsh's compgen returns
 * them all and leaves matching to zsh, so for zsh the test asserts what is offered, not what is filtered out.
 */
class CompletionTest {
    private static Path dir;

    @BeforeAll
    static void writeScript() throws IOException {
        dir = Files.createTempDirectory("tollgate-completion");
        CliRun r = CliRun.of("completion", "bash");
        assertThat(r.exitCode()).as(r.err()).isZero();
        Files.writeString(dir.resolve("tollgate.sh"), r.out());
    }

    @AfterAll
    static void removeScript() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bash", "zsh"})
    void commandsAndOptionsComplete(String shell) throws Exception {
        assertThat(complete(shell, "tollgate", "ch")).contains("check");
        assertThat(complete(shell, "tollgate", "check", "--fr")).contains("--from");
        assertThat(complete(shell, "tollgate", "explain", "--")).contains("--from", "--output", "--filename");
        if (shell.equals("bash")) {
            assertThat(complete(shell, "tollgate", "ch")).containsExactly("check");
            assertThat(complete(shell, "tollgate", "check", "--fr")).containsExactly("--from");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"bash", "zsh"})
    void everyFixedSetOfValuesIsOffered(String shell) throws Exception {
        assertThat(complete(shell, "tollgate", "check", "-o", "")).containsExactlyInAnyOrder("text", "json");
        assertThat(complete(shell, "tollgate", "explain", "--output", "")).containsExactlyInAnyOrder("text", "json");
        assertThat(complete(shell, "tollgate", "analyze", "-o", "")).containsExactlyInAnyOrder("text", "json", "yaml");
        assertThat(complete(shell, "tollgate", "policies", "-o", "")).containsExactlyInAnyOrder("text", "json",
                "yaml");
        assertThat(complete(shell, "tollgate", "netpol", "-o", "")).containsExactlyInAnyOrder("yaml", "nftables");
        assertThat(complete(shell, "tollgate", "demo", "-o", "")).containsExactlyInAnyOrder("text", "json");
    }

    /** The candidates the shell's completion function leaves in COMPREPLY for the words typed so far. */
    private static List<String> complete(String shell, String... words) throws Exception {
        requireShell(shell);
        StringBuilder quoted = new StringBuilder();
        for (String w : words) {
            quoted.append(" '").append(w.replace("'", "'\\''")).append('\'');
        }
        String probe = dir.resolve("probe-" + shell + ".sh").toString();
        // zsh runs bash completion functions under `emulate sh` (0-based arrays), as bashcompinit's compgen does
        Files.writeString(Path.of(probe), """
                source '%s' 2>/dev/null
                probe() {
                  %s
                  COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
                  _complete_tollgate 2>/dev/null
                  printf '%%s\\n' "${COMPREPLY[@]}"
                }
                probe%s
                """.formatted(dir.resolve("tollgate.sh"), shell.equals("zsh") ? "emulate -L sh" : ":", quoted));
        List<String> command = shell.equals("zsh") ? List.of("zsh", "-f", probe) : List.of("bash", "--norc", probe);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("%s finished", shell).isTrue();
        assertThat(p.exitValue()).as("%s: %s", shell, out).isZero();
        List<String> candidates = new ArrayList<>();
        out.lines().filter(l -> !l.isBlank()).forEach(candidates::add);
        return candidates;
    }

    private static void requireShell(String shell) throws Exception {
        boolean present;
        try {
            present = new ProcessBuilder(shell, "-c", "exit 0").start().waitFor() == 0;
        } catch (IOException e) {
            present = false;
        }
        if (!present && (System.getenv("CI") != null || System.getenv("TOLLGATE_LAB_REQUIRED") != null)) {
            throw new AssertionError(shell + " is not installed; .ci/run installs it");
        }
        Assumptions.assumeTrue(present, shell + " is not installed (apt-get install " + shell + "): not tested here");
    }
}
