package dev.tollgate.cli;

import dev.tollgate.cli.docs.Repository;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The examples in the help texts' footers run as written: each {@code tollgate ...} line (with its {@code \}
 * continuations, after the footer's {@code cd DIR}) of a one-shot command is run from the repository's top folder and
 * must not end in a usage or configuration error (exit 2). Proxies, the demo and {@code ca} are long-running or write
 * files, so only the commands that answer and exit are run.
 */
class HelpExamplesTest {

    private static final Set<String> ONE_SHOT = Set.of("check", "explain", "analyze", "netpol", "capture-rules", "replay");
    private static final Path ROOT = Repository.root();

    record Example(String command, Path dir, List<String> words) {
    }

    static List<Example> examples() {
        List<Example> out = new ArrayList<>();
        CommandLine top = Main.commandLine();
        List<CommandLine> all = new ArrayList<>(List.of(top));
        all.addAll(top.getSubcommands().values());
        for (CommandLine cl : all) {
            Path dir = ROOT;
            String[] footer = cl.getCommandSpec().usageMessage().footer();
            for (int i = 0; i < footer.length; i++) {
                String line = footer[i].strip();
                if (line.startsWith("cd ")) {
                    dir = ROOT.resolve(line.substring(3).strip());
                } else if (line.startsWith("tollgate ")) {
                    StringBuilder text = new StringBuilder(line);
                    while (text.toString().endsWith("\\") && i + 1 < footer.length) {
                        text.setLength(text.length() - 1);
                        text.append(' ').append(footer[++i].strip());
                    }
                    String command = text.toString().replaceFirst("\\|.*", "").strip();
                    List<String> words = List.of(command.split("\\s+"));
                    out.add(new Example(cl.getCommandName() + ": " + command, dir, words.subList(1, words.size())));
                }
            }
        }
        return out;
    }

    @Test
    void theHelpTextsHaveExamplesOfTheOneShotCommands() {
        assertThat(examples()).extracting(e -> e.words().getFirst())
                .contains("check", "explain", "netpol", "capture-rules");
    }

    @TestFactory
    Stream<DynamicTest> everyExampleOfAOneShotCommandRuns() {
        return examples().stream().filter(e -> ONE_SHOT.contains(e.words().getFirst()) || e.words().contains("--help"))
                .map(e -> DynamicTest.dynamicTest(e.command(), () -> {
                    String[] args = e.words().stream().map(w -> inDir(e.dir(), w)).toArray(String[]::new);
                    dev.tollgate.cli.lab.InProcessCli.Result r = Main.capture(args);
                    assertThat(r.exit()).as("%s%n%s%s", e.command(), r.err(), r.out()).isNotEqualTo(2);
                    assertThat(r.out() + r.err()).as(e.command()).isNotBlank();
                }));
    }

    /** FILE or NAMESPACE=FILE, relative to the folder the example changed to, made absolute. */
    private static String inDir(Path dir, String word) {
        if (word.startsWith("-") || word.contains("://")) {
            return word;
        }
        int eq = word.indexOf('=');
        String file = eq < 0 ? word : word.substring(eq + 1);
        Path p = dir.resolve(file).normalize();
        return !file.isEmpty() && Files.isRegularFile(p) ? word.substring(0, eq + 1) + p : word;
    }
}
