package dev.tollgate.cli.matrix;

import dev.tollgate.core.snapshot.OutboundRequest;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The probe requests of one column: every combination of the values of its dimensions (method, path, each header
 * a rule reads). A full cross product, so that when an outcome depends on a dimension some two probes that differ in
 * it alone tell: the description of a "partly" cell rests on that.
 */
public final class RequestSpace {
    /** More combinations than this are cut, with a warning: the cell is then described from the probes asked. */
    public static final int MAX_PROBES = 512;

    /** One value of a dimension: what the probe sends ({@code null}: the header is absent) and how people read it. */
    public record Value(String sent, String label, boolean other) {
    }

    /** One thing a rule reads. The first value is the plain request's (GET, the other path, no header). */
    public record Dimension(String name, List<Value> values) {
        public Dimension {
            values = List.copyOf(values);
        }

        /** How a set of this dimension's values reads in a condition: "method GET, HEAD", "methods other than GET". */
        String phrase(Set<Value> set) {
            List<String> in = set.stream().filter(v -> !v.other()).map(Value::label).toList();
            List<String> out = values.stream().filter(v -> !v.other() && !set.contains(v)).map(Value::label).toList();
            boolean other = set.stream().anyMatch(Value::other);
            if (name.startsWith("header ")) {
                return String.join(" or ", set.stream().map(Value::label).toList());
            }
            if (other) {
                return out.isEmpty() ? "any " + name : name + " other than " + String.join(", ", out);
            }
            return name + " " + String.join(", ", in);
        }
    }

    /** One request of the space: the value index of each dimension, and the request itself. */
    public record Probe(int[] choice, OutboundRequest request) {
    }

    private final List<Dimension> dimensions;
    private final List<Probe> probes;
    private final boolean truncated;

    RequestSpace(List<Dimension> dimensions, List<Probe> probes, boolean truncated) {
        this.dimensions = List.copyOf(dimensions);
        this.probes = List.copyOf(probes);
        this.truncated = truncated;
    }

    /** The column's probes: one for TLS and TCP (the proxies see only SNI and port), a cross product for HTTP. */
    static RequestSpace of(MatrixColumn column, RequestLiterals literals, RequestFactory factory) {
        if (!column.http()) {
            return new RequestSpace(List.of(), List.of(new Probe(new int[0],
                    factory.request(column.url("/"), null, List.of()))), false);
        }
        List<Dimension> dims = literals.dimensions();
        List<Probe> out = new ArrayList<>();
        int[] choice = new int[dims.size()];
        boolean truncated = false;
        while (true) {
            if (out.size() == MAX_PROBES) {
                truncated = true;
                break;
            }
            out.add(probe(column, dims, choice.clone(), factory));
            int d = dims.size() - 1;
            while (d >= 0 && ++choice[d] == dims.get(d).values().size()) {
                choice[d] = 0;
                d--;
            }
            if (d < 0) {
                break;
            }
        }
        return new RequestSpace(dims, out, truncated);
    }

    private static Probe probe(MatrixColumn column, List<Dimension> dims, int[] choice, RequestFactory factory) {
        String method = "GET";
        String path = "/";
        List<String> headers = new ArrayList<>();
        for (int d = 0; d < dims.size(); d++) {
            Dimension dim = dims.get(d);
            Value v = dim.values().get(choice[d]);
            switch (dim.name()) {
                case "method" -> method = v.sent();
                case "path" -> path = v.sent();
                default -> {
                    if (v.sent() != null) {
                        headers.add(dim.name().substring("header ".length()) + ": " + v.sent());
                    }
                }
            }
        }
        return new Probe(choice, factory.request(column.url(path), method, headers));
    }

    public List<Dimension> dimensions() {
        return dimensions;
    }

    public List<Probe> probes() {
        return probes;
    }

    public boolean truncated() {
        return truncated;
    }

    /** The probe's request in words: "GET /api/x, x-team: a" (empty for a single-probe column). */
    public String describe(Probe p) {
        List<String> parts = new ArrayList<>();
        for (int d = 0; d < dimensions.size(); d++) {
            parts.add(dimensions.get(d).values().get(p.choice()[d]).label());
        }
        return String.join(", ", parts);
    }

    /** The method a probe sends, for diff's key: "-" for TLS and TCP, which carry none the proxies see. */
    public String method(Probe p) {
        for (int d = 0; d < dimensions.size(); d++) {
            if (dimensions.get(d).name().equals("method")) {
                return dimensions.get(d).values().get(p.choice()[d]).label();
            }
        }
        return "-";
    }

    /** The probe's values other than the method, in words, for diff. */
    public String conditionsBesidesMethod(Probe p) {
        List<String> parts = new ArrayList<>();
        for (int d = 0; d < dimensions.size(); d++) {
            if (!dimensions.get(d).name().equals("method")) {
                parts.add(dimensions.get(d).values().get(p.choice()[d]).label());
            }
        }
        return String.join(", ", parts);
    }

    /**
     * Which outcome comes under which condition, for probes whose outcomes differ. A dimension matters when two
     * probes that differ in it alone differ in outcome; each outcome is described over the dimensions that matter.
     *
     * @param keys each probe's outcome key, in probe order
     */
    <K> List<Group<K>> describe(List<K> keys) {
        List<Integer> relevant = new ArrayList<>();
        for (int d = 0; d < dimensions.size(); d++) {
            java.util.Map<String, K> seen = new java.util.HashMap<>();
            for (int i = 0; i < probes.size(); i++) {
                int[] c = probes.get(i).choice().clone();
                c[d] = -1;
                K prior = seen.putIfAbsent(java.util.Arrays.toString(c), keys.get(i));
                if (prior != null && !prior.equals(keys.get(i))) {
                    relevant.add(d);
                    break;
                }
            }
        }
        java.util.Map<K, List<Integer>> byKey = new java.util.LinkedHashMap<>();
        for (int i = 0; i < probes.size(); i++) {
            byKey.computeIfAbsent(keys.get(i), k -> new ArrayList<>()).add(i);
        }
        List<Group<K>> out = new ArrayList<>();
        for (var e : byKey.entrySet()) {
            out.add(new Group<>(e.getKey(), when(relevant, e.getValue())));
        }
        return out;
    }

    /** The condition under which an outcome comes, and its outcome key. */
    record Group<K>(K key, String when) {
    }

    private String when(List<Integer> relevant, List<Integer> probeIndexes) {
        if (relevant.size() == 1) {
            int d = relevant.get(0);
            Set<Value> set = new LinkedHashSet<>();
            probeIndexes.forEach(i -> set.add(dimensions.get(d).values().get(probes.get(i).choice()[d])));
            return dimensions.get(d).phrase(set);
        }
        Set<String> combos = new LinkedHashSet<>();
        for (int i : probeIndexes) {
            List<String> parts = new ArrayList<>();
            for (int d : relevant) {
                Dimension dim = dimensions.get(d);
                Value v = dim.values().get(probes.get(i).choice()[d]);
                parts.add(dim.name().startsWith("header ") ? v.label() : dim.phrase(Set.of(v)));
            }
            combos.add(String.join(" and ", parts));
        }
        return String.join("; or ", combos);
    }
}
