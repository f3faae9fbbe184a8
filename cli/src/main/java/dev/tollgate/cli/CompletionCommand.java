package dev.tollgate.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

@Command(name = "completion", mixinStandardHelpOptions = true,
        headerHeading = "%n", header = "Print a shell completion script for tollgate (bash or zsh).",
        description = {
                "Completes the commands, their options and option values that have a fixed set (such as -o). The",
                "script is picocli's: zsh runs it through its bash completion compatibility, which the script",
                "turns on itself.",
                ""},
        footerHeading = "%nExamples:%n",
        footer = {
                "  source <(tollgate completion bash)        # this bash session",
                "  tollgate completion bash > /etc/bash_completion.d/tollgate",
                "  source <(tollgate completion zsh)         # this zsh session (add it to ~/.zshrc to keep it)"})
final class CompletionCommand implements Callable<Integer> {
    enum Shell { bash, zsh }

    @Parameters(paramLabel = "SHELL", description = "bash or zsh")
    Shell shell;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        // every command, whatever this run was built with: a run builds only the command it names
        String script = AutoComplete.bash("tollgate", Main.commandLine());
        spec.commandLine().getOut().print(script);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
