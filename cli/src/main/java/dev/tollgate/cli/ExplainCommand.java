package dev.tollgate.cli;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.Explanation;
import dev.tollgate.core.snapshot.OutboundRequest;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
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
                "  tollgate explain -f istio-system=external-google.yaml -f istio-system=authz-policy-allow-nothing.yaml \\",
                "      -f authz-policy-allow-google.yaml --from default/sleep -I http://developers.google.com/"})
final class ExplainCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;
    @Mixin
    RequestOptions request;
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean json = request.json();
        TargetUrl url = request.target();
        OutboundRequest outbound = request.request(url);
        request.ignoredOptions(url).forEach(err::println);
        ConfigSet set = ConfigLoading.load(config, err);
        WorkloadRef from = request.workload(set);
        Explanation explanation = SnapshotCompiler.compile(set).explain(from, outbound);
        if (json) {
            DecisionReport.printJson(out, DecisionReport.toJson(from, url, explanation));
        } else {
            DecisionReport.printExplanation(out, from, url, explanation);
        }
        out.flush();
        return explanation.result().allowed() ? 0 : 1;
    }
}
