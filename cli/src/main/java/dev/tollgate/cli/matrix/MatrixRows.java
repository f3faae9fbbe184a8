package dev.tollgate.cli.matrix;

import dev.tollgate.cli.mentions.ConfigMentions;
import dev.tollgate.cli.mentions.ConfigMentions.Mention;
import dev.tollgate.cli.mentions.ConfigMentions.Via;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.EgressGatewayIdentity;
import dev.tollgate.core.model.LabelSelector;
import dev.tollgate.core.model.WorkloadRef;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The matrix's rows: every workload the configuration mentions, most specific first. A Deployment gives a row;
 * a principal gives one unless a Deployment already runs as it; a selector gives one unless a known workload in its
 * namespace carries its labels; a namespace gives {@code NS/default} unless a row lives there already. Egress gateway
 * workloads are not rows: they forward the rows' traffic, they are not its source. Nor is the mesh's root namespace
 * when it only holds configuration.
 */
public final class MatrixRows {
    private MatrixRows() {
    }

    /** A workload an egress Gateway selects, or one labelled as Istio's egress gateway. */
    static boolean gateway(ConfigSet set, Map<String, String> labels) {
        return EgressGatewayIdentity.labelled(labels) || set.gateways().stream().anyMatch(g ->
                g.spec().getSelector() != null && !g.spec().getSelector().isEmpty()
                        && LabelSelector.of(g.spec().getSelector()).matches(labels));
    }

    private static final class Draft {
        final WorkloadRef ref;
        final Set<String> why = new LinkedHashSet<>();

        Draft(WorkloadRef ref) {
            this.ref = ref;
        }
    }

    /** Rows for {@code set}, then {@code extra} ({@code --from}) when not there already; sorted by id. */
    public static List<MatrixRow> of(ConfigSet set, ConfigMentions mentions, List<WorkloadRef> extra) {
        Drafts drafts = new Drafts();
        List<Mention> all = mentions.mentions();
        for (Via via : Via.values()) {
            for (Mention m : all) {
                if (m.via() == via) {
                    place(set, drafts, m);
                }
            }
        }
        for (WorkloadRef w : extra) {
            drafts.find(w).orElseGet(() -> drafts.add(w));
        }
        return rows(drafts.all);
    }

    /** The rows so far, found by identity and by namespace (a mesh has thousands of mentions). */
    private static final class Drafts {
        final List<Draft> all = new ArrayList<>();
        final Map<WorkloadRef, Draft> byRef = new HashMap<>();
        final Map<String, List<Draft>> byNamespace = new HashMap<>();

        java.util.Optional<Draft> find(WorkloadRef ref) {
            return java.util.Optional.ofNullable(byRef.get(ref));
        }

        List<Draft> in(String namespace) {
            return byNamespace.getOrDefault(namespace, List.of());
        }

        Draft add(WorkloadRef ref) {
            Draft d = new Draft(ref);
            all.add(d);
            byRef.put(ref, d);
            byNamespace.computeIfAbsent(ref.namespace(), k -> new ArrayList<>()).add(d);
            return d;
        }
    }

    private static void place(ConfigSet set, Drafts drafts, Mention m) {
        String ns = m.namespace();
        switch (m.via()) {
            case WORKLOAD -> {
                if (gateway(set, m.labels())) {
                    return;
                }
                WorkloadRef ref = new WorkloadRef(ns, m.serviceAccount().orElseThrow(), m.labels());
                drafts.find(ref).orElseGet(() -> drafts.add(ref)).why.add(m.why());
            }
            case PRINCIPAL -> {
                String sa = m.serviceAccount().orElseThrow();
                List<Draft> same = drafts.in(ns).stream().filter(d -> d.ref.serviceAccount().equals(sa)).toList();
                if (same.isEmpty()) {
                    drafts.add(new WorkloadRef(ns, sa, Map.of())).why.add(m.why());
                } else {
                    same.forEach(d -> d.why.add(m.why()));
                }
            }
            case SELECTOR -> {
                if (gateway(set, m.labels())) {
                    return;
                }
                LabelSelector selector = LabelSelector.of(m.labels());
                boolean root = ns.equals(set.mesh().rootNamespace());
                List<Draft> matched = (root ? drafts.all : drafts.in(ns)).stream()
                        .filter(d -> selector.matches(d.ref.labels())).toList();
                if (matched.isEmpty()) {
                    drafts.add(new WorkloadRef(ns, "default", m.labels())).why.add(m.why());
                } else {
                    matched.forEach(d -> d.why.add(m.why()));
                }
            }
            case NAMESPACE, HOME -> {
                List<Draft> there = drafts.in(ns);
                if (!there.isEmpty()) {
                    there.forEach(d -> d.why.add(m.why()));
                } else if (m.via() == Via.NAMESPACE || !ns.equals(set.mesh().rootNamespace())) {
                    drafts.add(new WorkloadRef(ns, "default", Map.of())).why.add(m.why());
                }
            }
        }
    }

    private static List<MatrixRow> rows(List<Draft> drafts) {
        Map<String, Integer> count = new HashMap<>();
        drafts.forEach(d -> count.merge(d.ref.toString(), 1, Integer::sum));
        Map<String, MatrixRow> byId = new TreeMap<>();
        for (Draft d : drafts) {
            String id = d.ref.toString();
            if (count.get(id) > 1 && !d.ref.labels().isEmpty()) {
                id = id + new TreeMap<>(d.ref.labels()).toString();
            }
            byId.putIfAbsent(id, new MatrixRow(id, d.ref, List.copyOf(d.why)));
        }
        List<MatrixRow> out = new ArrayList<>(byId.values());
        out.sort(Comparator.comparing(MatrixRow::id));
        return out;
    }

    /** A row's labels as JSON prints them: sorted. */
    static Map<String, String> sortedLabels(WorkloadRef w) {
        return new LinkedHashMap<>(new TreeMap<>(w.labels()));
    }
}
