package dev.tollgate.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.UncheckedIOException;
import java.util.List;

/** The {@code tollgate} command. */
@Command(name = "tollgate", mixinStandardHelpOptions = true, version = "tollgate 0.1.0",
        description = {
                "Tollgate: an egress gateway that takes Istio's own YAML.",
                "",
                "It decides, and enforces, which workloads may reach which hosts outside the cluster, with the",
                "semantics of Istio's ServiceEntry, Sidecar, Gateway, VirtualService, DestinationRule and",
                "AuthorizationPolicy, and explains every decision.",
                ""},
        commandListHeading = "%nCommands:%n",
        footerHeading = "%nStart here:%n",
        footer = {
                "  tollgate demo                 run the Istio egress tutorial end to end, with real curl",
                "  tollgate check --help         ask whether a workload may reach a URL",
                "  tollgate explain --help       ask why"})
public final class Main implements Runnable {

    /** The subcommands, in the order the help lists them. */
    private static final List<Class<?>> COMMANDS = List.of(CheckCommand.class, ExplainCommand.class,
            AnalyzeCommand.class, PoliciesCommand.class, TestCommand.class, MatrixCommand.class, DiffCommand.class,
            ReplayCommand.class, LearnCommand.class, NetpolCommand.class, InjectCommand.class, CaptureRulesCommand.class,
            CaCommand.class, SidecarCommand.class, GatewayCommand.class, ControlCommand.class,
            dev.tollgate.cli.demo.DemoCommand.class, StandInCommand.class, CompletionCommand.class,
            CommandLine.HelpCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The commands that load configuration (-f), whose loader {@link #main} gives a head start. */
    private static final java.util.Set<String> LOAD_CONFIG = java.util.Set.of("check", "explain", "analyze",
            "policies", "test", "matrix", "diff", "replay", "netpol", "sidecar", "gateway");

    public static void main(String[] args) {
        warmUp(args);
        System.exit(run(args));
    }

    /**
     * For the commands that load configuration: the loader's set-up on the other core, while picocli builds and
     * parses the command (a fifth of check's start-up). The training runs of the start-up cache call it too, so its
     * classes and its lambda are in the cache (loading them from the jar was 15-40 ms of check's main thread).
     */
    static void warmUp(String... args) {
        if (args.length > 0 && LOAD_CONFIG.contains(args[0])) {
            dev.tollgate.config.ConfigWarmUp.start();
        }
    }

    static int run(String... args) {
        return commandLine(args).execute(args);
    }

    /**
     * Runs one command in this process with its output captured, for callers that run many (the lab asks
     * {@code check} and {@code netpol} dozens of times; a JVM each would cost seconds apiece).
     */
    public static dev.tollgate.cli.lab.InProcessCli.Result capture(String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        CommandLine cl = commandLine(args);
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        int exit = cl.execute(args);
        return new dev.tollgate.cli.lab.InProcessCli.Result(exit, out.toString(), err.toString());
    }

    /** Every subcommand: for help, and for callers that run several commands. */
    static CommandLine commandLine() {
        return commandLine(COMMANDS);
    }

    /**
     * For one run: only the subcommand that {@code args} name, when they name one. Picocli reflects over every option
     * of every command it is given (each annotation type a proxy class made at run time, which the JVM's start-up
     * cache cannot hold), so building the eight other commands was a third of {@code check}'s start-up. Anything else (no arguments, help,
     * a mistyped command that deserves a suggestion) gets them all.
     */
    static CommandLine commandLine(String... args) {
        if (args.length > 0) {
            for (Class<?> command : COMMANDS) {
                if (command != CommandLine.HelpCommand.class
                        && command.getAnnotation(Command.class).name().equals(args[0])) {
                    return commandLine(List.of(command));
                }
            }
        }
        return commandLine();
    }

    private static CommandLine commandLine(List<Class<?>> commands) {
        CommandLine cl = new CommandLine(new Main());
        for (Class<?> command : commands) {
            // the demo's lab runs check and netpol in this process, through this command line
            if (command == dev.tollgate.cli.demo.DemoCommand.class) {
                cl.addSubcommand(new dev.tollgate.cli.demo.DemoCommand(Main::capture));
            } else {
                cl.addSubcommand(command);
            }
        }
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            String name = commandLine.getCommandSpec().qualifiedName();
            if (e instanceof ConfigLoading.ConfigurationError || e instanceof IllegalArgumentException
                    || e instanceof UncheckedIOException) {
                commandLine.getErr().println(name + ": " + e.getMessage());
            } else {
                commandLine.getErr().println(name + ": internal error: " + e);
                e.printStackTrace(commandLine.getErr());
            }
            commandLine.getErr().flush();
            return 2;
        });
        cl.setExitCodeExceptionMapper(e -> 2);
        cl.setParameterExceptionHandler(Main::usageError);
        HelpLayout.apply(cl);
        return cl;
    }

    /**
     * A usage mistake gets one line naming it and where help is, as kubectl and git answer; picocli's default printed
     * the whole help after it, which buried the line that mattered.
     */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        String name = cl.getCommandSpec().qualifiedName();
        String what = e instanceof CommandLine.MissingParameterException missing ? missing(missing) : e.getMessage();
        cl.getErr().println(name + ": " + what + "; see '" + name + " --help'");
        CommandLine.UnmatchedArgumentException.printSuggestions(e, cl.getErr());
        cl.getErr().flush();
        return 2;
    }

    /** "missing URL", "missing --from=NAMESPACE/SERVICEACCOUNT": the argument as the help names it. */
    private static String missing(CommandLine.MissingParameterException e) {
        List<String> names = new java.util.ArrayList<>();
        for (CommandLine.Model.ArgSpec a : e.getMissing()) {
            names.add(a instanceof CommandLine.Model.OptionSpec o ? o.longestName() + "=" + o.paramLabel()
                    : a.paramLabel());
        }
        return "missing " + String.join(", ", names);
    }

    /**
     * Descriptions are written as short source lines; picocli would wrap each line on its own and leave ragged
     * text, so consecutive lines are joined into paragraphs first. Indented lines (lists, examples) stay as written.
     */
    static String[] paragraphs(String[] lines) {
        java.util.List<String> out = new java.util.ArrayList<>();
        StringBuilder paragraph = new StringBuilder();
        for (String line : lines) {
            boolean keep = line.isBlank() || Character.isWhitespace(line.charAt(0));
            if (keep) {
                if (!paragraph.isEmpty()) {
                    out.add(paragraph.toString());
                    paragraph.setLength(0);
                }
                out.add(line);
            } else {
                paragraph.append(paragraph.isEmpty() ? "" : " ").append(line.strip());
            }
        }
        if (!paragraph.isEmpty()) {
            out.add(paragraph.toString());
        }
        return out.toArray(String[]::new);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
