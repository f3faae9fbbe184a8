package dev.tollgate.cli;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.EgressGatewayIdentity;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.AppliedConfig;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code tollgate policies}: what applies to one workload, from the files (istioctl x authz check's view). */
@Command(name = "policies", sortOptions = false, mixinStandardHelpOptions = true,
        headerHeading = "%n", header = "List every resource that applies to a workload, with its file and line.",
        description = {
                "The view 'istioctl x authz check' gives of a live Envoy, made from configuration: for a workload's",
                "sidecar (--from), the Sidecar that applies to it, the ServiceEntries in its registry (exportTo and the",
                "Sidecar's egress hosts), the mesh VirtualServices it imports with the routes that apply at sidecars,",
                "the DestinationRules looked up for its services, and the AuthorizationPolicies that select it.",
                "For the egress gateway (--gateway): the Gateway servers that select it, the VirtualServices bound to",
                "those Gateways, the ServiceEntries and DestinationRules it sees, and the AuthorizationPolicies that",
                "select it, which decide what leaves the mesh. Each comes with the rule by which it applies.",
                ""},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:listed", "2:usage or configuration error"},
        footerHeading = "%nExamples:%n",
        footer = {
                "  # the Istio egress tutorial, part B: what applies to the sleep pod of default",
                "  tollgate policies --from default/sleep \\",
                "      -f default=examples/tutorial/sleep.yaml \\",
                "      -f istio-system=examples/tutorial/external-google.yaml \\",
                "      -f examples/mesh/registry-only.yaml",
                "",
                "  # ... and to the egress gateway: its Gateway servers, routes and policies",
                "  tollgate policies --gateway \\",
                "      -f istio-system=examples/tutorial/external-google.yaml \\",
                "      -f examples/tutorial/authz-allow-nothing.yaml \\",
                "      -f examples/tutorial/authz-allow-google.yaml",
                "",
                "  # a pod's labels when the files declare no Deployment for it, as JSON",
                "  tollgate policies --from otherns/sleep --labels app=sleep -o json \\",
                "      -f istio-system=examples/tutorial/external-google.yaml"})
final class PoliciesCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;
    @Spec
    CommandSpec spec;

    @Option(names = "--from", paramLabel = "NAMESPACE/SERVICEACCOUNT",
            description = "The workload, e.g. default/sleep. Its labels come from --labels, or from a Deployment or "
                    + "Pod with that service account in the files. With --gateway: the gateway workload (default: "
                    + EgressGatewayIdentity.NAMESPACE + "/" + EgressGatewayIdentity.SERVICE_ACCOUNT + ").")
    String from;

    @Option(names = "--labels", paramLabel = "k=v[,k=v...]", split = ",",
            description = "The workload's pod labels (Sidecar workloadSelector, policy selectors; with --gateway the "
                    + "gateway's labels, which Gateway selectors match; default " + EgressGatewayIdentity.LABELS_TEXT + ").")
    Map<String, String> labels;

    @Option(names = "--gateway", description = "List what applies to the egress gateway workload rather than to a sidecar.")
    boolean gateway;

    @Option(names = {"-o", "--output"}, completionCandidates = OutputChoices.TextJsonYaml.class, paramLabel = "text|json|yaml", defaultValue = "text",
            description = "Output format: text (a table), json or yaml.")
    String output = "text";

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        OutputFormat format = OutputFormat.parse(output);
        if (from == null && !gateway) {
            throw new IllegalArgumentException("give --from NAMESPACE/SERVICEACCOUNT (a sidecar) or --gateway");
        }
        ConfigSet set = ConfigLoading.load(config, spec.commandLine().getErr());
        MeshSnapshot snapshot = SnapshotCompiler.compile(set);
        WorkloadRef workload = workload(set);
        AppliedConfig applied = gateway ? snapshot.appliedToGateway(workload) : snapshot.appliedTo(workload);
        if (format.structured()) {
            format.print(out, toMap(applied));
        } else {
            printText(out, applied);
        }
        out.flush();
        return 0;
    }

    private WorkloadRef workload(ConfigSet set) {
        if (from == null) {
            return new WorkloadRef(EgressGatewayIdentity.NAMESPACE, EgressGatewayIdentity.SERVICE_ACCOUNT,
                    labels == null ? EgressGatewayIdentity.LABELS : labels);
        }
        RequestOptions named = new RequestOptions();
        named.from = from;
        named.labels = labels;
        return named.workload(set);
    }

    private static String proxy(AppliedConfig a) {
        return a.gateway() ? "gateway" : "sidecar";
    }

    private static String labelText(WorkloadRef w) {
        return w.labels().isEmpty() ? "none" : String.join(",", new TreeMap<>(w.labels()).entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).toList());
    }

    static void printText(PrintWriter out, AppliedConfig a) {
        WorkloadRef w = a.workload();
        out.println("The " + proxy(a) + " of " + w.namespace() + "/" + w.serviceAccount() + " (labels " + labelText(w)
                + "): " + a.resources().size() + (a.resources().size() == 1 ? " resource applies" : " resources apply"));
        if (a.resources().isEmpty()) {
            return;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"KIND", "NAMESPACE/NAME", "ORIGIN"});
        for (AppliedConfig.Applied r : a.resources()) {
            rows.add(new String[] {r.resource().kind().kubernetesName(),
                    r.resource().namespace() + "/" + r.resource().name(), origin(r.origin())});
        }
        int kind = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0) + 2;
        int name = rows.stream().mapToInt(r -> r[1].length()).max().orElse(0) + 2;
        out.println();
        for (int i = 0; i < rows.size(); i++) {
            String[] row = rows.get(i);
            out.println(pad(row[0], kind) + pad(row[1], name) + row[2]);
            if (i == 0) {
                continue;
            }
            AppliedConfig.Applied r = a.resources().get(i - 1);
            String indent = " ".repeat(kind);
            out.println(indent + r.why());
            for (String part : r.parts()) {
                out.println(indent + "  " + part);
            }
        }
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(Math.max(1, width - s.length()));
    }

    private static String origin(Origin o) {
        return o.equals(Origin.UNKNOWN) ? "-" : o.toString();
    }

    static Map<String, Object> toMap(AppliedConfig a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workload", a.workload().namespace() + "/" + a.workload().serviceAccount());
        m.put("proxy", proxy(a));
        m.put("labels", new TreeMap<>(a.workload().labels()));
        List<Map<String, Object>> rs = new ArrayList<>();
        for (AppliedConfig.Applied r : a.resources()) {
            Map<String, Object> rm = new LinkedHashMap<>();
            rm.put("kind", r.resource().kind().kubernetesName());
            rm.put("namespace", r.resource().namespace());
            rm.put("name", r.resource().name());
            rm.put("origin", r.origin().equals(Origin.UNKNOWN) ? null : r.origin().toString());
            rm.put("why", r.why());
            rm.put("parts", r.parts());
            rs.add(rm);
        }
        m.put("resources", rs);
        return m;
    }
}
