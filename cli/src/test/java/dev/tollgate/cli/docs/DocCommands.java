package dev.tollgate.cli.docs;

import dev.tollgate.cli.Main;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shell sessions of a Markdown document ({@code $ ./tollgate ...} and the output under it), parsed, run in this
 * process through {@link Main#capture} and compared. The rules are in {@code DocCommandsTest}.
 */
final class DocCommands {

    static final String ELISION = "...";
    private static final String PROMPT = "$ ";
    private static final Pattern FENCE = Pattern.compile("^(`{3,}|~{3,})");
    private static final Pattern SKIP = Pattern.compile("^<!--\\s*doctest:\\s*skip\\b(.*?)-->\\s*$");

    /** One command of a block: where its text and its expected output are (0-based line indexes, end exclusive). */
    record Command(String text, int line, int outputStart, int outputEnd, List<String> expected) {
    }

    /** A fenced block that holds at least one prompt line; {@code skipReason} is null when it is to be run. */
    record Block(Path document, int line, String skipReason, List<Command> commands) {
        String name(Path root) {
            return root.relativize(document) + ":" + (line + 1);
        }
    }

    /** What one command printed, as the document shows it. */
    record Output(int exit, List<String> lines) {
    }

    private DocCommands() {
    }

    static List<Block> blocks(Path document, List<String> lines) {
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher open = FENCE.matcher(lines.get(i));
            if (!open.find()) {
                continue;
            }
            int end = i + 1;
            while (end < lines.size() && !lines.get(end).strip().startsWith(open.group(1))) {
                end++;
            }
            List<Command> commands = commands(lines, i + 1, end);
            if (!commands.isEmpty()) {
                blocks.add(new Block(document, i, skipReason(lines, i), commands));
            }
            i = end;
        }
        return blocks;
    }

    /** The reason of a {@code <!-- doctest: skip REASON -->} right above the fence; "" when it gives none. */
    private static String skipReason(List<String> lines, int fence) {
        int above = fence - 1;
        while (above >= 0 && lines.get(above).isBlank()) {
            above--;
        }
        if (above < 0) {
            return null;
        }
        Matcher m = SKIP.matcher(lines.get(above).strip());
        return m.matches() ? m.group(1).strip() : null;
    }

    private static List<Command> commands(List<String> lines, int from, int to) {
        List<Command> commands = new ArrayList<>();
        int i = from;
        while (i < to && !lines.get(i).startsWith(PROMPT)) {
            i++;
        }
        while (i < to) {
            int start = i;
            StringBuilder text = new StringBuilder(lines.get(i).substring(PROMPT.length()));
            while (text.toString().endsWith("\\") && i + 1 < to) {
                text.setLength(text.length() - 1);
                text.append(' ').append(lines.get(++i).strip());
            }
            int outStart = ++i;
            while (i < to && !lines.get(i).startsWith(PROMPT)) {
                i++;
            }
            commands.add(new Command(text.toString().strip().replaceAll("\\s+", " "), start, outStart, i,
                    List.copyOf(lines.subList(outStart, i))));
        }
        return commands;
    }

    /**
     * Runs a block's commands in order. Supported: {@code ./tollgate ARGS}, optionally with standard input from a
     * file of the repository ({@code < FILE}), optionally piped into another program (whose part is not run: the pipe
     * takes standard output, so only standard error is shown), and {@code echo $?}. Anything else is an
     * {@link UnsupportedOperationException} naming the command.
     */
    static List<Output> run(Path root, Block block) {
        List<Output> outputs = new ArrayList<>();
        int lastExit = 0;
        for (Command c : block.commands()) {
            if (c.text().equals("echo $?")) {
                outputs.add(new Output(0, List.of(Integer.toString(lastExit))));
                continue;
            }
            List<String> words = ShellWords.split(c.text());
            int pipe = words.indexOf("|");
            List<String> command = new ArrayList<>(pipe < 0 ? words : words.subList(0, pipe));
            boolean emptyPipe = pipe >= 0 && pipe == words.size() - 1;
            int redirect = command.indexOf("<");
            Path input = null;
            if (redirect >= 0 && redirect == command.size() - 2) {
                input = root.resolve(command.get(redirect + 1));
                command = command.subList(0, redirect);
            }
            if (command.isEmpty() || !command.getFirst().equals("./tollgate") || emptyPipe || command.contains("<")
                    || (input != null && !Files.isRegularFile(input))) {
                throw new UnsupportedOperationException("cannot run '" + c.text() + "'");
            }
            String[] args = command.subList(1, command.size()).stream().map(a -> inRepository(root, a))
                    .toArray(String[]::new);
            dev.tollgate.cli.lab.InProcessCli.Result r = withStdin(input, () -> Main.capture(args));
            lastExit = r.exit();
            String shown = pipe < 0 ? r.err() + r.out() : r.err();
            outputs.add(new Output(r.exit(), normalise(root, shown)));
        }
        return outputs;
    }

    /** Runs {@code call} with standard input read from {@code file} (when given), as the shell's {@code <} would. */
    private static dev.tollgate.cli.lab.InProcessCli.Result withStdin(Path file,
            java.util.function.Supplier<dev.tollgate.cli.lab.InProcessCli.Result> call) {
        if (file == null) {
            return call.get();
        }
        java.io.InputStream saved = System.in;
        try (java.io.InputStream in = Files.newInputStream(file)) {
            System.setIn(in);
            return call.get();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            System.setIn(saved);
        }
    }

    /**
     * The commands are written to run from the repository's top folder, and the tests run in a module's folder: an
     * argument that names a file of the repository ({@code PATH} or {@code NAMESPACE=PATH}) is made absolute.
     */
    static String inRepository(Path root, String arg) {
        if (arg.startsWith("-") || arg.contains("://") || !arg.contains("/")) {
            return arg;
        }
        int eq = arg.indexOf('=');
        if (eq > 0 && Files.exists(root.resolve(arg.substring(eq + 1)))) {
            return arg.substring(0, eq + 1) + root.resolve(arg.substring(eq + 1));
        }
        return Files.exists(root.resolve(arg)) ? root.resolve(arg).toString() : arg;
    }

    /** Output as a user at the top folder would see it: the absolute paths made relative again, no trailing blanks. */
    static List<String> normalise(Path root, String output) {
        String text = output.replace(root + "/", "").replace(root.toString(), ".");
        String tmp = System.getProperty("java.io.tmpdir").replaceAll("/+$", "");
        if (!tmp.isEmpty()) {
            text = text.replace(tmp + "/", "$TMPDIR/");
        }
        List<String> lines = new ArrayList<>(text.lines().map(DocCommands::stripEnd).toList());
        while (!lines.isEmpty() && lines.getLast().isEmpty()) {
            lines.removeLast();
        }
        return lines;
    }

    static String stripEnd(String s) {
        return s.replaceAll("\\s+$", "");
    }

    // ---- comparing, with "..." for what the page leaves out

    static boolean isElision(String expected) {
        return expected.strip().equals(ELISION);
    }

    /** One expected line against one actual line: equal, or equal outside the parts that "..." stands for. */
    static boolean lineMatches(String expected, String actual) {
        String e = stripEnd(expected);
        if (!e.contains(ELISION)) {
            return e.equals(actual);
        }
        StringBuilder regex = new StringBuilder();
        String[] parts = e.split(Pattern.quote(ELISION), -1);
        for (int k = 0; k < parts.length; k++) {
            regex.append(k == 0 ? "" : ".*?").append(Pattern.quote(parts[k]));
        }
        return actual.matches(regex.toString());
    }

    /** Whether the expected lines, with their elisions, describe the actual lines. */
    static boolean matches(List<String> expected, List<String> actual) {
        return cost(expected, actual)[0][0] == 0;
    }

    /**
     * The expected lines brought up to date: lines that still match are kept as written (elisions included),
     * lines that no longer appear are dropped, new lines are inserted where they come. The result always matches.
     */
    static List<String> merge(List<String> expected, List<String> actual) {
        int[][] cost = cost(expected, actual);
        List<String> out = new ArrayList<>();
        int i = 0;
        int j = 0;
        int m = expected.size();
        int n = actual.size();
        while (i < m || j < n) {
            if (i < m && isElision(expected.get(i))) {
                if (j < n && cost[i][j + 1] == cost[i][j]) {
                    j++;
                } else {
                    out.add(expected.get(i++));
                }
            } else if (i < m && j < n && lineMatches(expected.get(i), actual.get(j))
                    && cost[i + 1][j + 1] == cost[i][j]) {
                out.add(expected.get(i++));
                j++;
            } else if (j < n && cost[i][j + 1] + 1 == cost[i][j]) {
                out.add(actual.get(j++));
            } else {
                i++;
            }
        }
        return out;
    }

    /** cost[i][j]: the fewest dropped or inserted lines that make expected[i..] describe actual[j..]. */
    private static int[][] cost(List<String> expected, List<String> actual) {
        int m = expected.size();
        int n = actual.size();
        int[][] cost = new int[m + 1][n + 1];
        for (int i = m; i >= 0; i--) {
            for (int j = n; j >= 0; j--) {
                if (i == m) {
                    cost[i][j] = n - j;
                } else if (isElision(expected.get(i))) {
                    cost[i][j] = Math.min(cost[i + 1][j], j < n ? cost[i][j + 1] : Integer.MAX_VALUE);
                } else {
                    int best = cost[i + 1][j] + 1;
                    if (j < n) {
                        best = Math.min(best, cost[i][j + 1] + 1);
                        if (lineMatches(expected.get(i), actual.get(j))) {
                            best = Math.min(best, cost[i + 1][j + 1]);
                        }
                    }
                    cost[i][j] = best;
                }
            }
        }
        return cost;
    }
}
