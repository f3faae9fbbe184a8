package dev.tollgate.cli;

import dev.tollgate.config.ConfigSource;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.snapshot.CheckResult;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import picocli.CommandLine.Command;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "check", sortOptions = false, mixinStandardHelpOptions = true,
        headerHeading = "%n", header = "May this workload reach that URL? Answers like 'kubectl auth can-i'.",
        description = {
                "Evaluates the whole path with Istio's semantics: the workload's sidecar (registry, exportTo, Sidecar",
                "resources, outbound traffic policy, routing), then, when a VirtualService sends the host there, the",
                "egress gateway (Gateway server, AuthorizationPolicy as the gateway workload, route, TLS origination).",
                "The proxies call the very same code on every request.",
                "",
                "--from and URL are required, except with --batch: then each line of standard input is one",
                "question, a JSON object with the keys of an EgressTest case (see 'tollgate test --help'):",
                "",
                "  {\"from\": \"default/sleep\", \"url\": \"http://developers.google.com/\", \"method\": \"HEAD\",",
                "   \"headers\": {\"x-team\": \"a\"}, \"labels\": {\"app\": \"sleep\"}}",
                "",
                "url is required; from may be left out when --from gives a default (--labels then apply too).",
                "Each line gets one line of output, in order: -o json's object on one line, or, for a line that",
                "is not a request, {\"line\": N, \"error\": \"...\"}, and the batch goes on. Blank lines get no",
                "answer. The configuration is loaded and compiled once; answers are written as soon as no more",
                "input is waiting, so a co-process can write a line and read its answer.",
                ""},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:allowed; with --batch: every line was answered (allowed or not)",
                "1:denied (blocked by the sidecar, or denied/no route at the gateway)",
                "2:usage or configuration error; with --batch: also when a line was not a request (after the",
                "  whole input was answered)"},
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
                "      --from otherns/sleep -o json https://developers.google.com/",
                "",
                "  # many questions, one process: default/sleep unless a line says otherwise",
                "  printf '%s\\n' '{\"url\": \"https://developers.google.com/\"}' \\",
                "      '{\"from\": \"otherns/sleep\", \"url\": \"https://developers.google.com/\"}' | tollgate check \\",
                "      --batch -f default=serviceentry-google.yaml -f ../mesh/registry-only.yaml --from default/sleep"})
final class CheckCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;
    @Option(names = "--from", paramLabel = RequestOptions.FROM_LABEL,
            description = {RequestOptions.FROM_TEXT_1, RequestOptions.FROM_TEXT_2,
                    "With --batch: the workload of the lines that name none."})
    String from;
    @Mixin
    RequestOptions request;
    @Option(names = "--batch",
            description = {"Read one JSON request per line from standard input and write one JSON answer per line",
                    "(see above)."})
    boolean batch;
    @Parameters(index = "0", arity = "0..1", paramLabel = "URL",
            description = {RequestOptions.URL_TEXT_1, RequestOptions.URL_TEXT_2, RequestOptions.URL_TEXT_3})
    String url;
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        request.from = from;
        request.url = url;
        if (batch) {
            return batch();
        }
        // required unless --batch: the same one-line usage error picocli gives explain
        List<ArgSpec> missing = new ArrayList<>();
        if (from == null) {
            missing.add(spec.findOption("--from"));
        }
        if (url == null) {
            missing.add(spec.positionalParameters().get(0));
        }
        if (!missing.isEmpty()) {
            throw new MissingParameterException(spec.commandLine(), missing, "missing");
        }
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

    private int batch() throws IOException {
        List<String> not = BatchCheck.notWithBatch(request, url);
        if (!not.isEmpty()) {
            throw new ParameterException(spec.commandLine(), String.join(", ", not) + " with --batch: each line "
                    + "gives its own url, method and headers");
        }
        if (spec.commandLine().getParseResult().hasMatchedOption("-o") && !request.json()) {
            throw new ParameterException(spec.commandLine(), "-o " + request.output + " with --batch: it answers "
                    + "in JSON, one object per line");
        }
        if (config.files.stream().anyMatch(ConfigSource::isStdin)) {
            throw new ParameterException(spec.commandLine(), "-f - with --batch: standard input holds the requests");
        }
        if (from != null) {
            request.fromSlash(); // a usage error now, not on every line
        }
        ConfigSet set = ConfigLoading.load(config, spec.commandLine().getErr());
        MeshSnapshot snapshot = SnapshotCompiler.compile(set);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8), 1 << 16);
        return new BatchCheck(snapshot, RequestOptions.workloadsByServiceAccount(set), request,
                spec.commandLine().getOut(), spec.commandLine().getErr()).run(in);
    }
}
