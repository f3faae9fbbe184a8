package dev.tollgate.cli;

import dev.tollgate.core.snapshot.CheckResult;
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
                "  cd examples/tutorial",
                "  tollgate check -f istio-system=external-yahoo.yaml -f istio-system=authz-deny-yahoo.yaml \\",
                "      --set meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY --from default/sleep -I \\",
                "      http://developer.yahoo.com/",
                "",
                "  # step A3, for a machine: the ServiceEntry is applied in default only",
                "  tollgate check -f default=serviceentry-google.yaml -f ../mesh/registry-only.yaml \\",
                "      --from otherns/sleep -o json https://developers.google.com/"})
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
        RequestOptions.Question q = request.prepare(config, spec.commandLine().getErr());
        CheckResult result = q.snapshot().check(q.from(), q.request());
        if (request.json()) {
            DecisionReport.printJson(out, DecisionReport.toJson(q.from(), q.url(), result));
        } else {
            DecisionReport.printText(out, q.from(), q.url(), result);
        }
        out.flush();
        return result.allowed() ? 0 : 1;
    }
}
