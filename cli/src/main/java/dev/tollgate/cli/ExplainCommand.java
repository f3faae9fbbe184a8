package dev.tollgate.cli;

import dev.tollgate.core.snapshot.Explanation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

@Command(name = "explain", sortOptions = false, mixinStandardHelpOptions = true,
        headerHeading = "%n", header = "Why is this request allowed or denied? Every resource considered, and why it did or didn't apply.",
        description = {
                "Takes the same arguments as 'check' and prints its verdict, then each ServiceEntry, Sidecar,",
                "VirtualService, DestinationRule, Gateway and AuthorizationPolicy that was looked at: whether it",
                "applied, and the exact reason (namespace, exportTo, selector, which rule or condition failed).",
                ""},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:allowed", "1:denied", "2:usage or configuration error"},
        footerHeading = "%nExample:%n",
        footer = {
                "  # the tutorial's B2 step: why does allow-google not let default/sleep through?",
                "  cd examples/tutorial",
                "  tollgate explain -f istio-system=external-google.yaml -f ../mesh/registry-only.yaml \\",
                "      -f authz-allow-nothing.yaml -f authz-allow-google.yaml \\",
                "      --from default/sleep -I http://developers.google.com/"})
final class ExplainCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;
    @Option(names = "--from", required = true, paramLabel = RequestOptions.FROM_LABEL,
            description = {RequestOptions.FROM_TEXT_1, RequestOptions.FROM_TEXT_2})
    String from;
    @Mixin
    RequestOptions request;
    @Parameters(index = "0", paramLabel = "URL",
            description = {RequestOptions.URL_TEXT_1, RequestOptions.URL_TEXT_2, RequestOptions.URL_TEXT_3})
    String url;
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        request.from = from;
        request.url = url;
        RequestOptions.Question q = request.prepare(config, spec.commandLine().getErr());
        Explanation explanation = q.snapshot().explain(q.from(), q.request());
        if (request.json()) {
            DecisionReport.printJson(out, DecisionReport.toJson(q.from(), q.url(), explanation));
        } else {
            DecisionReport.printExplanation(out, q.from(), q.url(), explanation);
        }
        out.flush();
        return explanation.result().allowed() ? 0 : 1;
    }
}
