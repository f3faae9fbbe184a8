package dev.tollgate.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tollgate} command. */
@Command(name = "tollgate", mixinStandardHelpOptions = true, version = "tollgate 0.1.0",
        description = {
                "Tollgate: an egress gateway that takes Istio's own YAML.",
                "",
                "Decide and enforce which workloads may reach which external hosts, with Istio's semantics,",
                "and explain every decision."
        },
        subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        return new CommandLine(new Main()).setExitCodeExceptionMapper(e -> 2).execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
