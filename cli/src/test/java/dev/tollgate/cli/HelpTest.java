package dev.tollgate.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Every command teaches through --help: exit 0, a usage line, and an example or a description. */
class HelpTest {
    @ParameterizedTest
    @ValueSource(strings = {"check", "explain", "analyze", "policies", "test", "matrix", "diff", "replay", "learn",
            "netpol", "inject", "capture-rules", "ca", "sidecar",
            "gateway", "control", "demo", "stand-in", "completion"})
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
                .contains("sidecar").contains("gateway").contains("control");
    }

    @ParameterizedTest
    @ValueSource(strings = {"bogus", "--bogus"})
    void unknownCommandsAndOptionsAreUsageErrors(String arg) {
        CliRun r = CliRun.of(arg);
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isNotEmpty();
    }

    /** Every command's help, the top level's included, as a user asks for it. */
    static java.util.stream.Stream<String> everyHelp() {
        java.util.List<String> out = new java.util.ArrayList<>();
        out.add("");
        collect(ALL, "", out);
        return out.stream();
    }

    private static void collect(picocli.CommandLine cl, String prefix, java.util.List<String> out) {
        for (var e : cl.getSubcommands().entrySet()) {
            String path = (prefix + " " + e.getKey()).strip();
            if (!e.getKey().equals("help")) {
                out.add(path);
                collect(e.getValue(), path, out);
            }
        }
    }

    /** The command line every help test renders from: built once, as building it costs a second or more. */
    private static final picocli.CommandLine ALL = Main.commandLine();

    private static picocli.CommandLine command(String path) {
        picocli.CommandLine cl = ALL;
        for (String part : path.isEmpty() ? new String[0] : path.split(" ")) {
            cl = cl.getSubcommands().get(part);
        }
        return cl;
    }

    /** What {@code tollgate PATH --help} prints (the same renderer; {@link #everyCommandHasHelp} runs it for real). */
    private static CliRun help(String path) {
        java.io.StringWriter out = new java.io.StringWriter();
        command(path).usage(new java.io.PrintWriter(out, true));
        return new CliRun(0, out.toString(), "");
    }

    /** Issue 10: help was wrapped inside words ("spiffe:" / "//...", "e." / "g.") and inside examples. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("everyHelp")
    void helpFitsItsWidthAndNeverCutsAWord(String command) {
        CliRun r = help(command);
        assertThat(r.exitCode()).as(r.err()).isZero();
        for (String line : r.out().lines().toList()) {
            assertThat(line.length()).as("line of 'tollgate %s --help': %s", command, line)
                    .isLessThanOrEqualTo(HelpLayout.WIDTH);
        }
        picocli.CommandLine cl = command(command);
        // every word of every text the help shows comes out whole: picocli's own wrapping cut after '.', ':' or
        // '/' inside a word ("spiffe:" / "//<trust-domain>", "e." / "g.", "meshConfig." / "KEY=VALUE")
        java.util.List<String> texts = new java.util.ArrayList<>();
        var usage = cl.getCommandSpec().usageMessage();
        texts.addAll(java.util.List.of(usage.header()));
        texts.addAll(java.util.List.of(usage.description()));
        cl.getCommandSpec().options().stream().filter(o -> !o.hidden())
                .forEach(o -> texts.addAll(java.util.List.of(o.description())));
        cl.getCommandSpec().positionalParameters().forEach(p -> texts.addAll(java.util.List.of(p.description())));
        cl.getSubcommands().values().forEach(sub -> {
            String[] header = sub.getCommandSpec().usageMessage().header();
            if (header.length > 0) {
                texts.add(header[0]);
            }
        });
        for (String text : texts) {
            for (String word : text.replace("%n", " ").split("\\s+")) {
                if (!word.isEmpty() && !word.contains("${")) {
                    assertThat(r.out()).as("'tollgate %s --help' shows the word whole", command).contains(word);
                }
            }
        }
        // the examples print exactly as written: each footer line appears whole
        for (String footer : usage.footer()) {
            assertThat(r.out()).as("footer line of %s", command).contains(footer.replace("%n", "\n"));
        }
    }

    /** Issue 10: help names only commands that exist. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("everyHelp")
    void helpNamesOnlyCommandsThatExist(String command) {
        java.util.Set<String> commands = ALL.getSubcommands().keySet();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\btollgate ([a-z][a-z-]*)").matcher(help(command).out());
        while (m.find()) {
            assertThat(commands).as("'tollgate %s --help' names 'tollgate %s'", command, m.group(1))
                    .contains(m.group(1));
        }
    }

    /** Issue 10: a missing argument is one line naming it and --help, not the whole help. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "check --from default/sleep        | tollgate check: missing URL; see 'tollgate check --help'",
            "check http://developers.google.com/ | tollgate check: missing --from=NAMESPACE/SERVICEACCOUNT; see 'tollgate check --help'",
            "explain                           | tollgate explain: missing --from=NAMESPACE/SERVICEACCOUNT, URL; see 'tollgate explain --help'",
            "completion                        | tollgate completion: missing SHELL; see 'tollgate completion --help'",
            "check --from default/sleep --bogus http://a/ | tollgate check: Unknown option: '--bogus'; see 'tollgate check --help'"})
    void aMissingArgumentIsOneLine(String args, String line) {
        CliRun r = CliRun.of(args.split(" "));
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines().toList()).containsExactly(line);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bash", "zsh"})
    void completionIsAValidScriptThatNamesEveryCommand(String shell) throws Exception {
        CliRun r = CliRun.of("completion", shell);
        assertThat(r.exitCode()).as(r.err()).isZero();
        for (String command : Main.commandLine().getSubcommands().keySet()) {
            assertThat(r.out()).as("completion names %s", command).contains(command);
        }
        java.nio.file.Path script = java.nio.file.Files.createTempFile("tollgate-completion", ".sh");
        try {
            java.nio.file.Files.writeString(script, r.out());
            Process p = new ProcessBuilder("bash", "-n", script.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor()).as("bash -n: %s", out).isZero();
        } finally {
            java.nio.file.Files.delete(script);
        }
    }

    @org.junit.jupiter.api.Test
    void completionRejectsAnotherShell() {
        CliRun r = CliRun.of("completion", "fish");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().lines().count()).isEqualTo(1);
    }
}
