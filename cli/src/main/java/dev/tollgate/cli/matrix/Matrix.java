package dev.tollgate.cli.matrix;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.PolicyRef;
import dev.tollgate.core.model.Verdict;
import dev.tollgate.core.snapshot.CheckResult;
import dev.tollgate.core.snapshot.MeshSnapshot;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * Who can reach what: every row asks every column's probes of one compiled snapshot, with {@link MeshSnapshot#check},
 * the call {@code tollgate check} and the proxies make. A cell keeps only its outcome and deciding policy; the words
 * (reason, hops) are asked again, for one probe, when an output prints them, so a million cells cost a byte and a
 * reference each.
 */
public final class Matrix {

    /** Under which requests a partly cell comes to which outcome. */
    public record Condition(Outcome outcome, String when, String policy) {
    }

    /**
     * One cell, in words.
     *
     * @param base       check's answer for the column's plain request (the first probe: GET /, no extra headers)
     * @param conditions for a partly cell; empty otherwise
     */
    public record Cell(Outcome outcome, String policy, CheckResult base, List<Condition> conditions) {
    }

    /** What a probe came to, as far as a cell tells outcomes apart: the verdict, and for a denial the policy. */
    record Key(Verdict verdict, String policy) {
    }

    private final MeshSnapshot snapshot;
    private final List<MatrixRow> rows;
    private final List<MatrixColumn> columns;
    private final List<RequestSpace> spaces;
    private final byte[] outcomes;
    private final String[] policies;
    private final Map<Integer, List<Condition>> conditions = new ConcurrentHashMap<>();

    private Matrix(MeshSnapshot snapshot, List<MatrixRow> rows, List<MatrixColumn> columns, List<RequestSpace> spaces) {
        this.snapshot = snapshot;
        this.rows = List.copyOf(rows);
        this.columns = List.copyOf(columns);
        this.spaces = List.copyOf(spaces);
        this.outcomes = new byte[rows.size() * columns.size()];
        this.policies = new String[outcomes.length];
    }

    /** Each column's probes, from the literals of every configuration given (one, or diff's two). */
    public static List<RequestSpace> spaces(List<MatrixColumn> columns, List<ConfigSet> sets, RequestFactory factory,
                                            Consumer<String> warn) {
        List<RequestLiterals.Scope> scopes = sets.stream().map(RequestLiterals.Scope::of).toList();
        List<RequestSpace> out = new ArrayList<>();
        for (MatrixColumn c : columns) {
            RequestSpace s = RequestSpace.of(c, c.http() ? RequestLiterals.of(c.probeHost(), scopes)
                    : new RequestLiterals(), factory);
            if (s.truncated()) {
                warn.accept("warning: " + c.id() + ": the rules' literals make more than " + RequestSpace.MAX_PROBES
                        + " requests; only the first " + RequestSpace.MAX_PROBES + " were asked");
            }
            out.add(s);
        }
        return out;
    }

    public static Matrix build(MeshSnapshot snapshot, List<MatrixRow> rows, List<MatrixColumn> columns,
                               List<RequestSpace> spaces) {
        Matrix m = new Matrix(snapshot, rows, columns, spaces);
        Map<PolicyRef, String> names = new ConcurrentHashMap<>();
        // the snapshot is immutable and shared by the proxies' threads: rows can be asked in parallel
        IntStream.range(0, rows.size()).parallel().forEach(r -> m.fillRow(r, names));
        return m;
    }

    private void fillRow(int r, Map<PolicyRef, String> names) {
        var from = rows.get(r).workload();
        for (int c = 0; c < columns.size(); c++) {
            RequestSpace space = spaces.get(c);
            List<RequestSpace.Probe> probes = space.probes();
            int cell = r * columns.size() + c;
            CheckResult first = snapshot.check(from, probes.get(0).request());
            Key firstKey = key(first, names);
            List<Key> keys = null;
            for (int i = 1; i < probes.size(); i++) {
                Key k = key(snapshot.check(from, probes.get(i).request()), names);
                if (keys == null && !k.equals(firstKey)) {
                    keys = new ArrayList<>();
                    for (int j = 0; j < i; j++) {
                        keys.add(firstKey);
                    }
                }
                if (keys != null) {
                    keys.add(k);
                }
            }
            if (keys == null) {
                outcomes[cell] = (byte) Outcome.of(first.outcome()).ordinal();
                policies[cell] = first.policy().map(p -> name(p, names)).orElse(null);
            } else {
                outcomes[cell] = (byte) Outcome.PARTLY.ordinal();
                List<Condition> cs = new ArrayList<>();
                for (var g : space.describe(keys)) {
                    cs.add(new Condition(Outcome.of(g.key().verdict()), g.when(), g.key().policy()));
                }
                conditions.put(cell, List.copyOf(cs));
            }
        }
    }

    static Key key(CheckResult r, Map<PolicyRef, String> names) {
        return new Key(r.outcome(), r.outcome() == Verdict.DENIED ? r.policy().map(p -> name(p, names)).orElse(null)
                : null);
    }

    /** A policy as people name it: {@code namespace/name}. */
    static String name(PolicyRef p, Map<PolicyRef, String> names) {
        return names.computeIfAbsent(p, x -> x.namespace() + "/" + x.name());
    }

    public List<MatrixRow> rows() {
        return rows;
    }

    public List<MatrixColumn> columns() {
        return columns;
    }

    public List<RequestSpace> spaces() {
        return spaces;
    }

    public MeshSnapshot snapshot() {
        return snapshot;
    }

    public ConfigSet config() {
        return snapshot.config();
    }

    public Outcome outcome(int row, int column) {
        return Outcome.values()[outcomes[row * columns.size() + column]];
    }

    public Optional<String> policy(int row, int column) {
        return Optional.ofNullable(policies[row * columns.size() + column]);
    }

    public List<Condition> conditions(int row, int column) {
        return conditions.getOrDefault(row * columns.size() + column, List.of());
    }

    /** The cell in words: check is asked again for the plain request, for its reason and hops. */
    public Cell cell(int row, int column) {
        CheckResult base = snapshot.check(rows.get(row).workload(), spaces.get(column).probes().get(0).request());
        return new Cell(outcome(row, column), policy(row, column).orElse(null), base, conditions(row, column));
    }

    /** How many cells have each outcome. */
    public Map<Outcome, Integer> summary() {
        Map<Outcome, Integer> out = new EnumMap<>(Outcome.class);
        for (Outcome o : Outcome.values()) {
            out.put(o, 0);
        }
        for (byte b : outcomes) {
            out.merge(Outcome.values()[b], 1, Integer::sum);
        }
        return out;
    }
}
