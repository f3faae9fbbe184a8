package dev.tollgate.cli.docs;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The documentation's shell sessions, run: every fenced block of every Markdown file that holds a prompt line
 * ({@code $ ...}) is run through the real command line in this process, as from the repository's top folder, and
 * what each command prints (standard error, then standard output) must be the lines under it.
 *
 * <ul>
 *   <li>{@code $ ./tollgate ARGS}, continued over lines ending in {@code \}; {@code | program} after it sends
 *       standard output to the pipe, so only standard error is compared; {@code $ echo $?} prints the exit status
 *       of the command before it.</li>
 *   <li>A line that is only {@code ...} stands for any number of lines, and {@code ...} inside a line for any text
 *       in that line.</li>
 *   <li>{@code <!-- doctest: skip REASON -->} on the line above the fence: the block is not run (it needs a cluster,
 *       root, a running proxy, environment variables...) and is reported as skipped with the reason. A block with a
 *       command this test cannot run and no such marker fails.</li>
 *   <li>Paths of the repository in the output are relative to the top folder, the temporary folder is
 *       {@code $TMPDIR}: nothing of this machine is compared.</li>
 * </ul>
 *
 * <p>Regenerate the outputs after changing what commands print (then read the diff: lines that still match stay as
 * written, elisions included; others are replaced by the real output):
 * <pre>
 * mvn -o -B -q test -pl cli -am -Dtest=DocCommandsTest -Dsurefire.failIfNoSpecifiedTests=false -Dtollgate.docs.update=true
 * </pre>
 */
class DocCommandsTest {

    static final String UPDATE = "tollgate.docs.update";
    private static final Path ROOT = Repository.root();

    @TestFactory
    @DisabledIfSystemProperty(named = UPDATE, matches = "true")
    Stream<DynamicTest> everyShownCommandPrintsWhatThePageSays() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path doc : Repository.markdownFiles()) {
            for (DocCommands.Block block : DocCommands.blocks(doc, lines(doc))) {
                tests.add(DynamicTest.dynamicTest(block.name(ROOT) + " " + block.commands().getFirst().text(),
                        () -> check(block)));
            }
        }
        return tests.stream();
    }

    @Test
    @DisabledIfSystemProperty(named = UPDATE, matches = "true")
    void theReadmeAndTheTutorialHaveSessionsThatRun() {
        for (String doc : List.of("README.md", "docs/tutorial.md")) {
            List<DocCommands.Block> blocks = DocCommands.blocks(ROOT.resolve(doc), lines(ROOT.resolve(doc)));
            assertThat(blocks).as(doc).anyMatch(b -> b.skipReason() == null);
        }
    }

    private static void check(DocCommands.Block block) {
        if (block.skipReason() != null) {
            assertThat(block.skipReason()).as(block.name(ROOT) + ": a skipped block says why").isNotEmpty();
            Assumptions.abort("not run: " + block.skipReason());
        }
        List<DocCommands.Output> outputs;
        try {
            outputs = DocCommands.run(ROOT, block);
        } catch (UnsupportedOperationException e) {
            throw new AssertionError(block.name(ROOT) + ": " + e.getMessage()
                    + "; mark the block <!-- doctest: skip REASON --> or run it some other way", e);
        }
        for (int k = 0; k < outputs.size(); k++) {
            DocCommands.Command c = block.commands().get(k);
            List<String> actual = outputs.get(k).lines();
            if (!DocCommands.matches(c.expected(), actual)) {
                assertThat(String.join("\n", actual))
                        .as("%s:%d $ %s (exit %d)%nregenerate with -D%s=true", ROOT.relativize(block.document()),
                                c.line() + 1, c.text(), outputs.get(k).exit(), UPDATE)
                        .isEqualTo(String.join("\n", c.expected()));
            }
        }
    }

    /** Rewrites, in place, every block whose output no longer matches. */
    @Test
    @EnabledIfSystemProperty(named = UPDATE, matches = "true")
    void update() throws IOException {
        for (Path doc : Repository.markdownFiles()) {
            List<String> lines = new ArrayList<>(lines(doc));
            List<DocCommands.Block> blocks = DocCommands.blocks(doc, lines);
            int changed = 0;
            // from the end, so that earlier blocks keep their line numbers
            for (DocCommands.Block block : blocks.reversed()) {
                if (block.skipReason() != null) {
                    continue;
                }
                List<DocCommands.Output> outputs = DocCommands.run(ROOT, block);
                for (int k = outputs.size() - 1; k >= 0; k--) {
                    DocCommands.Command c = block.commands().get(k);
                    List<String> merged = DocCommands.merge(c.expected(), outputs.get(k).lines());
                    if (!merged.equals(c.expected())) {
                        lines.subList(c.outputStart(), c.outputEnd()).clear();
                        lines.addAll(c.outputStart(), merged);
                        changed++;
                        List<String> literal = c.expected().stream().filter(e -> !DocCommands.isElision(e)).toList();
                        long dropped = literal.size() - literal.stream().filter(merged::contains).count();
                        System.out.println("doc-commands: updated " + ROOT.relativize(doc) + ":" + (c.line() + 1)
                                + " $ " + c.text() + (dropped == 0 ? ""
                                : " (" + dropped + " line(s) no longer printed: check what the elisions now hide)"));
                    }
                }
            }
            if (changed > 0) {
                Files.writeString(doc, String.join("\n", lines) + "\n");
            }
        }
    }

    // ---- the machinery itself

    @Test
    void elisionsStandForLinesAndForTextInALine() {
        List<String> actual = List.of("DENIED by x", "  reason: r", "  hop 1", "  hop 2", "end");
        assertThat(DocCommands.matches(List.of("DENIED by ...", "...", "end"), actual)).isTrue();
        assertThat(DocCommands.matches(List.of("DENIED by x", "  reason: r", "..."), actual)).isTrue();
        assertThat(DocCommands.matches(List.of("DENIED by x", "  reason: other", "..."), actual)).isFalse();
        assertThat(DocCommands.matches(List.of("DENIED by x", "..."), List.of("ALLOWED"))).isFalse();
        assertThat(DocCommands.matches(List.of("DENIED by x"), actual)).as("no elision, no extra lines").isFalse();
        assertThat(DocCommands.matches(List.of(), List.of())).isTrue();
    }

    @Test
    void updateKeepsWhatStillMatchesAndReplacesTheRest() {
        List<String> expected = List.of("first ...", "...", "gone", "last");
        List<String> actual = List.of("first line", "a", "b", "new", "last");
        List<String> merged = DocCommands.merge(expected, actual);
        assertThat(merged).containsExactly("first ...", "...", "last");
        assertThat(DocCommands.matches(merged, actual)).isTrue();
        List<String> plain = DocCommands.merge(List.of("one", "two"), List.of("one", "2", "three"));
        assertThat(plain).containsExactly("one", "2", "three");
    }

    @Test
    void onlyWhatNeedsNoShellIsRun() {
        assertThat(ShellWords.split("./tollgate check -f 'a b' \"c\" x\\ y | kubectl apply -f -"))
                .containsExactly("./tollgate", "check", "-f", "a b", "c", "x y", "|", "kubectl", "apply", "-f", "-");
        assertThat(ShellWords.split("./tollgate check --batch <examples/q.jsonl"))
                .containsExactly("./tollgate", "check", "--batch", "<", "examples/q.jsonl");
        for (String line : List.of("FOO=1 ./tollgate check", "./tollgate check $HOME", "./tollgate check > out",
                "./tollgate check --batch <<EOF", "./tollgate check --batch <(cat x)",
                "./tollgate check; echo", "./tollgate check -f examples/*.yaml", "./tollgate check \"$X\"",
                "./tollgate check 'unclosed")) {
            assertThatThrownBy(() -> ShellWords.split(line)).as(line).isInstanceOf(UnsupportedOperationException.class);
        }
    }

    @Test
    void blocksCommandsAndSkipMarkersAreFound() {
        List<String> page = List.of(
                "text",
                "<!-- doctest: skip needs a cluster -->",
                "```",
                "$ kubectl get pods",
                "```",
                "```",
                "$ ./tollgate check -f a \\",
                "    --from x/y http://h/",
                "ALLOWED",
                "...",
                "$ echo $?",
                "0",
                "```",
                "```",
                "no prompt here",
                "```");
        List<DocCommands.Block> blocks = DocCommands.blocks(Path.of("x.md"), page);
        assertThat(blocks).hasSize(2);
        assertThat(blocks.get(0).skipReason()).isEqualTo("needs a cluster");
        assertThat(blocks.get(1).skipReason()).isNull();
        assertThat(blocks.get(1).commands()).extracting(DocCommands.Command::text)
                .containsExactly("./tollgate check -f a --from x/y http://h/", "echo $?");
        assertThat(blocks.get(1).commands().getFirst().expected()).containsExactly("ALLOWED", "...");
    }

    @Test
    void repositoryPathsAreMadeAbsoluteAndTakenOutOfTheOutputAgain() {
        String abs = DocCommands.inRepository(ROOT, "istio-system=examples/tutorial/external-google.yaml");
        assertThat(abs).isEqualTo("istio-system=" + ROOT.resolve("examples/tutorial/external-google.yaml"));
        assertThat(DocCommands.inRepository(ROOT, "otherns/sleep")).isEqualTo("otherns/sleep");
        assertThat(DocCommands.inRepository(ROOT, "https://developers.google.com/"))
                .isEqualTo("https://developers.google.com/");
        assertThat(DocCommands.normalise(ROOT, "(" + ROOT.resolve("examples/tutorial/sleep.yaml") + ":7:1)  \n\n"))
                .containsExactly("(examples/tutorial/sleep.yaml:7:1)");
    }

    private static List<String> lines(Path doc) {
        try {
            return Files.readString(doc).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
