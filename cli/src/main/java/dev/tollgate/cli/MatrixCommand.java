package dev.tollgate.cli;

import dev.tollgate.cli.matrix.Matrix;
import dev.tollgate.cli.matrix.MatrixColumn;
import dev.tollgate.cli.matrix.MatrixColumns;
import dev.tollgate.cli.matrix.MatrixCsv;
import dev.tollgate.cli.matrix.MatrixHtml;
import dev.tollgate.cli.matrix.MatrixJson;
import dev.tollgate.cli.matrix.MatrixRow;
import dev.tollgate.cli.matrix.MatrixRows;
import dev.tollgate.cli.matrix.MatrixText;
import dev.tollgate.cli.matrix.RequestSpace;
import dev.tollgate.cli.mentions.ConfigMentions;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "matrix", sortOptions = false, mixinStandardHelpOptions = true,
        headerHeading = "%n", header = "Who can reach what: every workload against every external host and port.",
        description = {
                "Rows: every workload the configuration mentions (Deployments, principals, workload selectors,",
                "namespaces) and --from. Columns: every host and port a ServiceEntry or Gateway declares, and --to.",
                "Each cell is what 'tollgate check' answers (the same compiled snapshot, the same decision code as",
                "the proxies): allowed, blocked by the sidecar, denied at the gateway (with the policy), or no-route.",
                "",
                "When a rule reads the method, path or headers of an HTTP request, the cell asks one request per",
                "combination of the values the rules name (each plus one value none of them names); when their",
                "answers differ the cell is 'partly' and says which outcome comes under which condition.",
                ""},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:the matrix was printed", "2:usage or configuration error"},
        footerHeading = "%nExamples:%n",
        footer = {
                "  # the tutorial's step B3: who reaches google and yahoo through the egress gateway",
                "  cd examples/tutorial",
                "  tollgate matrix -f istio-system=external-google.yaml -f istio-system=external-yahoo.yaml \\",
                "      -f istio-system=authz-deny-google.yaml -f istio-system=authz-deny-yahoo.yaml \\",
                "      -f default=sleep.yaml -f otherns=sleep.yaml \\",
                "      --set meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY",
                "",
                "  # the same as CSV for a spreadsheet, or JSON with each cell's reason and hops",
                "  tollgate matrix -f mesh/ -R -o csv > egress.csv",
                "  tollgate matrix -f mesh/ -R -o html > egress.html    # open it in a browser",
                "  tollgate matrix -f mesh/ -R --from payments/api --to https://api.stripe.com/ -o json"})
final class MatrixCommand implements Callable<Integer> {
    /** The -o values; html is the json, streamed into a page whose own script draws the grid. */
    enum Format { text, csv, json, html }

    @Mixin
    ConfigOptions config;

    @Mixin
    MatrixInputs inputs;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "text",
            description = {"text (an aligned table, default), csv (one line per cell), json, or html: one",
                    "self-contained page (no network, works from file://) with a coloured grid, a glyph per",
                    "outcome for colour-blind readers, filters, and each cell's explanation on hover and click."})
    Format output = Format.text;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        inputs.validate();
        ConfigSet set = ConfigLoading.load(config, err);
        MeshSnapshot snapshot = SnapshotCompiler.compile(set);
        List<MatrixRow> rows = MatrixRows.of(set, new ConfigMentions(set), inputs.workloads(set));
        List<MatrixColumn> columns = MatrixColumns.of(set, inputs.columns());
        List<RequestSpace> spaces = Matrix.spaces(columns, List.of(set), MatrixInputs.REQUESTS, err::println);
        Matrix m = Matrix.build(snapshot, rows, columns, spaces);
        switch (output) {
            case text -> MatrixText.write(out, m);
            case csv -> MatrixCsv.write(out, m);
            case json -> MatrixJson.write(out, m);
            case html -> MatrixHtml.write(w -> MatrixJson.write(w, m), out);
        }
        out.flush();
        err.flush();
        return 0;
    }
}
