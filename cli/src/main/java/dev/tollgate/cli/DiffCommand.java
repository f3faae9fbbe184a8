package dev.tollgate.cli;

import dev.tollgate.cli.matrix.DiffReport;
import dev.tollgate.cli.matrix.GitRevision;
import dev.tollgate.cli.matrix.Matrix;
import dev.tollgate.cli.matrix.MatrixColumn;
import dev.tollgate.cli.matrix.MatrixColumns;
import dev.tollgate.cli.matrix.MatrixDiff;
import dev.tollgate.cli.matrix.MatrixRow;
import dev.tollgate.cli.matrix.MatrixRows;
import dev.tollgate.cli.matrix.RequestSpace;
import dev.tollgate.cli.mentions.ConfigMentions;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.UnaryOperator;

@Command(name = "diff", sortOptions = false, mixinStandardHelpOptions = true,
        headerHeading = "%n", header = "Review a change: every request whose decision changes between two configurations.",
        description = {
                "Builds the matrix (see 'tollgate matrix') of both configurations over the union of their workloads,",
                "host:ports and requests (methods, paths, headers the rules name), asks every request of both with",
                "check's code, and lists each (workload, host, port, method) whose outcome changes, before -> after,",
                "with the resources that caused it: those on either side's deciding path that were added, removed or",
                "changed (file:line), else a changed mesh setting, else the changed resources that name the host.",
                "",
                "OLD and NEW are files or folders as -f takes them ([NAMESPACE=]PATH); --old and --new add more to",
                "each side, and -f, --set, -n and -R apply to both. With --git REV, each PATH is compared with itself",
                "as git has it at REV (read with git show; the working tree is not touched).",
                ""},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:no decision changes", "1:some decision changes (a pipeline can demand review)",
                "2:usage, configuration or git error"},
        footerHeading = "%nExamples:%n",
        footer = {
                "  # the tutorial's part A against part B (egress gateway and deny-google), as a PR comment",
                "  cd examples/tutorial",
                "  tollgate diff -f default=sleep.yaml -f otherns=sleep.yaml \\",
                "      --set meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY \\",
                "      --old default=serviceentry-google.yaml --new istio-system=external-google.yaml \\",
                "      --new istio-system=authz-deny-google.yaml -o markdown",
                "",
                "  # what this branch changes in mesh/, against main",
                "  tollgate diff --git main -R mesh/"})
final class DiffCommand implements Callable<Integer> {
    enum Format { text, json, markdown }

    @Mixin
    ConfigOptions config;

    @Mixin
    MatrixInputs inputs;

    @Option(names = "--old", paramLabel = "[NAMESPACE=]PATH", description = "More files of the old side. Repeatable.")
    List<String> old = new ArrayList<>();

    @Option(names = "--new", paramLabel = "[NAMESPACE=]PATH", description = "More files of the new side. Repeatable.")
    List<String> now = new ArrayList<>();

    @Option(names = "--git", paramLabel = "REV",
            description = "Compare each PATH with itself at git revision REV (a commit, branch or tag).")
    String git;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "text",
            description = "text (default), json, or markdown (a table to paste into a pull request).")
    Format output = Format.text;

    @Parameters(paramLabel = "PATH", arity = "0..*",
            description = {"OLD NEW; or, with --git, the PATHs to compare with their revision."})
    List<String> paths = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        inputs.validate();
        List<String> before = new ArrayList<>(old);
        List<String> after = new ArrayList<>(now);
        GitRevision revision = null;
        try {
            if (git != null) {
                if (paths.isEmpty()) {
                    throw new IllegalArgumentException("--git " + git + ": give the PATHs to compare");
                }
                revision = new GitRevision(git, repositoryOf(paths.get(0)));
                for (String p : paths) {
                    revision.copy(p, err::println).ifPresent(before::add);
                    after.add(p);
                }
            } else if (paths.size() == 2) {
                before.add(paths.get(0));
                after.add(paths.get(1));
            } else if (!paths.isEmpty() || before.isEmpty() && after.isEmpty()) {
                throw new IllegalArgumentException("expected OLD NEW (or --old/--new, or --git REV PATH...), got "
                        + paths.size() + " path" + (paths.size() == 1 ? "" : "s"));
            }
            GitRevision rev = revision;
            // the two sides load and compile on two cores; the new side's messages wait for the old side's, so
            // they print in the order they always did (and not at all when the old side fails). The options are
            // copied here, on one thread: the first copy reads a -f - once for both.
            ConfigOptions beforeOptions = config.withMoreFiles(before);
            ConfigOptions afterOptions = config.withMoreFiles(after);
            StringWriter afterErr = new StringWriter();
            CompletableFuture<MatrixDiff.Side> later = CompletableFuture.supplyAsync(
                    () -> side(afterOptions, new PrintWriter(afterErr, true), UnaryOperator.identity()));
            MatrixDiff.Side a = side(beforeOptions, err, rev == null ? UnaryOperator.identity() : rev::display);
            MatrixDiff.Side b = joined(later, afterErr, err);
            List<MatrixRow> rows = union(rows(a.snapshot().config()), rows(b.snapshot().config()), MatrixRow::id);
            rows.sort(Comparator.comparing(MatrixRow::id));
            List<MatrixColumn> columns = union(MatrixColumns.of(a.snapshot().config(), inputs.columns()),
                    MatrixColumns.of(b.snapshot().config(), inputs.columns()), MatrixColumn::id);
            columns.sort(Comparator.comparing(MatrixColumn::host).thenComparingInt(MatrixColumn::port));
            List<RequestSpace> spaces = Matrix.spaces(columns, List.of(a.snapshot().config(), b.snapshot().config()),
                    MatrixInputs.REQUESTS, err::println);
            MatrixDiff.Result result = MatrixDiff.diff(a, b, rows, columns, spaces);
            switch (output) {
                case text -> DiffReport.text(out, result);
                case json -> DiffReport.json(out, result);
                case markdown -> DiffReport.markdown(out, result);
            }
            err.flush();
            return result.changes().isEmpty() ? 0 : 1;
        } finally {
            if (revision != null) {
                revision.close();
            }
        }
    }

    /** Where to ask git: the first PATH's folder (the repository is the paths', not the shell's). */
    private static Path repositoryOf(String argument) {
        int eq = argument.indexOf('=');
        Path p = Path.of(eq > 0 && !argument.substring(0, eq).contains("/") ? argument.substring(eq + 1) : argument)
                .toAbsolutePath();
        while (p != null && !java.nio.file.Files.isDirectory(p)) {
            p = p.getParent();
        }
        return p == null ? Path.of("").toAbsolutePath() : p;
    }

    private List<MatrixRow> rows(ConfigSet set) {
        return MatrixRows.of(set, new ConfigMentions(set), inputs.workloads(set));
    }

    /** The new side, once loaded, with its messages printed; its error thrown as if loaded here. */
    private static MatrixDiff.Side joined(CompletableFuture<MatrixDiff.Side> side, StringWriter messages,
                                          PrintWriter err) {
        try {
            return side.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error x) {
                throw x;
            }
            throw e;
        } finally {
            err.print(messages);
            err.flush();
        }
    }

    /** One side: the shared -f files and this side's, loaded and compiled as every command does. */
    private static MatrixDiff.Side side(ConfigOptions options, PrintWriter err, UnaryOperator<String> display) {
        ConfigSet set = options.files.isEmpty() && options.set.isEmpty() && !options.kubernetes ? ConfigSet.EMPTY
                : ConfigLoading.load(options, err);
        return new MatrixDiff.Side(SnapshotCompiler.compile(set), display);
    }

    /** Both lists' items by id, the new side's where both have one (its labels or protocol are what will run). */
    private static <T> List<T> union(List<T> before, List<T> after, java.util.function.Function<T, String> id) {
        Map<String, T> out = new LinkedHashMap<>();
        after.forEach(t -> out.put(id.apply(t), t));
        before.forEach(t -> out.putIfAbsent(id.apply(t), t));
        return new ArrayList<>(out.values());
    }
}
