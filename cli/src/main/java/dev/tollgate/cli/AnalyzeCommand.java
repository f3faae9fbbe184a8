package dev.tollgate.cli;

import dev.tollgate.config.LoadResult;
import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import picocli.CommandLine.Command;
import picocli.CommandLine.IParameterConsumer;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Stack;
import java.util.concurrent.Callable;

@Command(name = "analyze", sortOptions = false, mixinStandardHelpOptions = true,
        headerHeading = "%n", header = "'istioctl analyze' for egress: find configuration that does not do what it seems to.",
        description = {
                "Reports, each with a code, a message and the file and line: AuthorizationPolicies that select no",
                "workload receiving egress traffic; ServiceEntries that let a host out directly, bypassing the",
                "gateway's policies; ALLOW rules that can never match on a TCP gateway port; routes to undefined",
                "subsets or gateways; Gateway servers with no route; DestinationRule SNIs that differ from the host;",
                "a namespace that sends traffic through the egress gateway without an egress NetworkPolicy among the",
                "files (TG0110: its pods can go around the gateway; 'tollgate netpol' prints one); a NetworkPolicy",
                "that lets application pods out directly (TG0111: an egress rule without 'to', or an ipBlock that,",
                "less its 'except', covers public addresses; the gateway's, DNS's and istiod's own policies may).",
                "",
                "The loader's messages (a resource defined twice, a mesh setting it ignores) come first, in the same",
                "line format as istioctl analyze's: Level [CODE] (Kind namespace/name file:line:column) message.",
                ""},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:no message at or above --failure-threshold (default Error, as istioctl analyze)",
                "2:usage or configuration error (with -o json or yaml, its messages are still printed as JSON or YAML)",
                "79:a message at or above --failure-threshold (as istioctl analyze)"},
        footerHeading = "%nExamples:%n",
        footer = {
                "  # the Istio egress tutorial, files given as 'istioctl analyze a.yaml b.yaml'",
                "  tollgate analyze default=examples/tutorial/sleep.yaml \\",
                "      istio-system=examples/tutorial/external-google-https.yaml",
                "",
                "  # in CI: fail on warnings too, and print only warnings and errors",
                "  tollgate analyze --failure-threshold Warning --output-threshold Warning \\",
                "      -f default=examples/tutorial/sleep.yaml \\",
                "      -f istio-system=examples/tutorial/external-google-https.yaml",
                "",
                "  # for a parser: the messages as YAML (or -o json), even when files do not load",
                "  tollgate analyze -o yaml default=examples/tutorial/sleep.yaml \\",
                "      istio-system=examples/tutorial/external-google-https.yaml"})
final class AnalyzeCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", arity = "0..*", parameterConsumer = FilesInOrder.class,
            description = "Files or folders to analyze, as -f takes them (NAMESPACE=PATH too), in the order given "
                    + "among the -f options, as 'istioctl analyze a.yaml b.yaml' takes them.")
    List<String> positional = new ArrayList<>();
    /** For each positional file, how many -f values came before it: a later file wins, so order matters. */
    private final List<Integer> positionalAfter = new ArrayList<>();

    @Option(names = {"-o", "--output"}, completionCandidates = OutputChoices.TextJsonYaml.class, paramLabel = "text|json|yaml", defaultValue = "text",
            description = "Output format: text (one line per message; istioctl's 'log' is accepted too), json or "
                    + "yaml: a list of messages, each with code, level, message, resource, field and origin "
                    + "(file:line:column).")
    String output = "text";

    @Option(names = "--failure-threshold", paramLabel = "Info|Warning|Error", defaultValue = "Error",
            converter = LevelConverter.class,
            description = "The level at which the exit status becomes 79 (default: ${DEFAULT-VALUE}, as istioctl "
                    + "analyze). --failure-threshold Warning fails on warnings too.")
    Diagnostic.Severity failureThreshold = Diagnostic.Severity.ERROR;

    @Option(names = "--output-threshold", paramLabel = "Info|Warning|Error", defaultValue = "Info",
            converter = LevelConverter.class,
            description = "The lowest level printed (default: ${DEFAULT-VALUE}). The exit status still counts "
                    + "every message, printed or not, as istioctl analyze's does.")
    Diagnostic.Severity outputThreshold = Diagnostic.Severity.INFO;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        OutputFormat format = OutputFormat.parse(output);
        mergePositionalFiles();
        LoadResult loaded = ConfigLoading.loadQuietly(config);
        List<Diagnostic> messages = new ArrayList<>(loaded.diagnostics());
        if (!loaded.ok()) {
            // structured output goes to stdout even now, so that a parser always reads its format; text stays on
            // stderr beside the error, as every other command prints a configuration that does not load
            Messages.print(format.structured() ? out : err, format, Messages.atLeast(messages, outputThreshold));
            throw ConfigLoading.failed(loaded);
        }
        messages.addAll(SnapshotCompiler.compile(loaded.config().orElseThrow()).analyze());
        List<Diagnostic> shown = Messages.atLeast(messages, outputThreshold);
        if (shown.isEmpty() && !format.structured()) {
            out.println("No validation issues found when analyzing " + describe() + ".");
        } else {
            Messages.print(out, format, shown);
        }
        out.flush();
        // as istioctl: the exit status counts every message, printed or not
        boolean fail = messages.stream().anyMatch(d -> d.atLeast(failureThreshold));
        return fail ? 79 : 0;
    }

    private String describe() {
        return config.files.isEmpty() ? "no files" : String.join(", ", config.files);
    }

    /**
     * Puts each positional file among the -f values where it stood. Picocli fills -f's list as it parses (replacing
     * its initial list at the first -f), so the count of -f values seen is taken when each positional arrives.
     */
    static final class FilesInOrder implements IParameterConsumer {
        @Override
        public void consumeParameters(Stack<String> args, ArgSpec argSpec, CommandSpec commandSpec) {
            AnalyzeCommand command = (AnalyzeCommand) commandSpec.userObject();
            command.positionalAfter.add(command.config.files.size());
            command.positional.add(args.pop());
        }
    }

    private void mergePositionalFiles() {
        List<String> merged = new ArrayList<>();
        int next = 0;
        for (int i = 0; i <= config.files.size(); i++) {
            while (next < positional.size() && positionalAfter.get(next) == i) {
                merged.add(positional.get(next++));
            }
            if (i < config.files.size()) {
                merged.add(config.files.get(i));
            }
        }
        config.files = merged;
    }

    /** istioctl's level names, in any case: Info, Warning, Error. */
    static final class LevelConverter implements ITypeConverter<Diagnostic.Severity> {
        @Override
        public Diagnostic.Severity convert(String value) {
            try {
                return Diagnostic.Severity.valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' is not a level; use Info, Warning or Error");
            }
        }
    }
}
