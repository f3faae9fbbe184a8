package dev.tollgate.cli.docs;

import dev.tollgate.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Users meet the scenario as "the Istio egress tutorial", described in docs/tutorial.md: never as a "seed", a name
 * from the project's making that means nothing to them, nor as a TUTORIAL file that the repository does not have.
 */
class ScenarioNameTest {

    static final String NAME = "the Istio egress tutorial";
    // spelled in pieces so that this file does not find itself
    private static final List<String> OLD_NAMES = List.of("seed" + " tutorial", "seed" + "'s", "seed" + " scenario");
    private static final String OLD_FILE = "TUTORIAL" + ".md";

    @Test
    void theTopLevelHelpAndTheDemoUseTheName() {
        assertThat(Main.capture("--help").out()).contains("run " + NAME + " end to end");
        assertThat(Main.capture("demo", "--help").out().replaceAll("\\s+", " "))
                .contains("Run " + NAME).contains("docs/tutorial.md");
    }

    @ParameterizedTest
    @ValueSource(strings = {"check", "explain", "analyze", "netpol", "capture-rules", "ca", "sidecar", "gateway", "demo",
            "stand-in"})
    void noHelpTextUsesAnOldName(String command) {
        String help = Main.capture("--help").out() + Main.capture(command, "--help").out();
        assertThat(help.toLowerCase(Locale.ROOT)).doesNotContain("seed");
        assertThat(help).doesNotContain(OLD_FILE);
    }

    @Test
    void noFileOfTheRepositoryUsesAnOldName() throws IOException {
        List<Path> files = Repository.gitFiles(".");
        assertThat(files).as("git ls-files (this test needs the repository's git metadata)").isNotNull();
        assertThat(files).contains(Repository.root().resolve("README.md"));
        List<String> found = new ArrayList<>();
        for (Path f : files) {
            String text;
            try {
                text = Files.readString(f);
            } catch (MalformedInputException binary) {
                continue;
            }
            String lower = text.toLowerCase(Locale.ROOT);
            for (String old : OLD_NAMES) {
                if (lower.contains(old)) {
                    found.add(Repository.root().relativize(f) + ": " + old);
                }
            }
            if (text.contains(OLD_FILE)) {
                found.add(Repository.root().relativize(f) + ": " + OLD_FILE);
            }
        }
        assertThat(found).isEmpty();
    }
}
