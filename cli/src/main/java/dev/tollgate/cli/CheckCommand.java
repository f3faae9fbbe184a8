package dev.tollgate.cli;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.CheckResult;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.OutboundRequest;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

@Command(name = "check", sortOptions = false, mixinStandardHelpOptions = true,
        headerHeading = "%n", header = "May this workload reach that URL? Answers like 'kubectl auth can-i'.",
        description = {
                "Evaluates the whole path with Istio's semantics: the workload's sidecar (registry, exportTo, Sidecar",
                "resources, outbound traffic policy, routing), then, when a VirtualService sends the host there, the",
                "egress gateway (Gateway server, AuthorizationPolicy as the gateway workload, route, TLS origination).",
                "The proxies call the very same code on every request.",
                ""},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:allowed", "1:denied (blocked by the sidecar, or denied/no route at the gateway)",
                "2:usage or configuration error"},
        footerHeading = "%nExamples:%n",
        footer = {
                "  # the tutorial's step B3: is default/sleep denied yahoo at the gateway?",
                "  tollgate check -f istio-system=external-yahoo.yaml -f istio-system=authz-policy-deny-yahoo.yaml \\",
                "      --set meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY --from default/sleep -I http://developer.yahoo.com/",
                "",
                "  # the same, for a machine",
                "  tollgate check -f config/ --from otherns/sleep -o json https://developers.google.com/"})
final class CheckCommand implements Callable<Integer> {
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
        MeshSnapshot snapshot = SnapshotCompiler.compile(set);
        CheckResult result = snapshot.check(from, outbound);
        if (json) {
            DecisionReport.printJson(out, DecisionReport.toJson(from, url, result));
        } else {
            DecisionReport.printText(out, from, url, result);
        }
        out.flush();
        return result.allowed() ? 0 : 1;
    }
}
