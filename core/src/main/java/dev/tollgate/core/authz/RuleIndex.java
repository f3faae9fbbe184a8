package dev.tollgate.core.authz;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rules of one action for one protocol, indexed by the SNI they require, so that a decision looks only at the
 * rules that can match the connection's SNI instead of at all of them (a gateway with one policy per external host,
 * each with {@code when: connection.sni = <host>}, has thousands).
 *
 * <p>A rule goes into the SNI buckets only when it cannot match unless the SNI equals one of a few exact values: a
 * top-level (ANDed) {@code connection.sni} field whose values are all exact, case-sensitive strings. Everything
 * else (prefix/suffix/{@code *} values, {@code notValues}, SNI inside a from/to alternative, no SNI condition) stays
 * in the general list. Candidates are evaluated in the original order (rule id, Envoy's order), so the first match,
 * hence the deciding rule and its reason, is exactly that of the linear scan over all rules.
 */
final class RuleIndex {
    private static final int[] NONE = new int[0];

    private final Applicable.Entry[] entries;
    private final boolean tcp;
    private final Map<String, int[]> bySni;
    private final int[] general;

    private RuleIndex(Applicable.Entry[] entries, boolean tcp, Map<String, int[]> bySni, int[] general) {
        this.entries = entries;
        this.tcp = tcp;
        this.bySni = bySni;
        this.general = general;
    }

    /** {@code entries} in evaluation order; rules skipped for this protocol (no tree) are left out: they never match. */
    static RuleIndex of(Applicable.Entry[] entries, boolean tcp) {
        Map<String, List<Integer>> buckets = new HashMap<>();
        List<Integer> general = new ArrayList<>();
        for (int i = 0; i < entries.length; i++) {
            Matcher m = tcp ? entries[i].tcp() : entries[i].http();
            if (m == null) {
                continue;
            }
            Set<String> snis = requiredSni(m);
            if (snis == null) {
                general.add(i);
            } else {
                for (String s : snis) {
                    buckets.computeIfAbsent(s, k -> new ArrayList<>()).add(i);
                }
            }
        }
        Map<String, int[]> frozen = new HashMap<>();
        buckets.forEach((k, v) -> frozen.put(k, ints(v)));
        return new RuleIndex(entries, tcp, Map.copyOf(frozen), ints(general));
    }

    /** The first matching entry in the original order, or null. */
    Applicable.Entry first(AuthzRequest r) {
        int[] bucket = bySni.isEmpty() ? NONE : bySni.getOrDefault(Attr.SNI.read(r, null), NONE);
        int[] general = this.general;
        int b = 0;
        int g = 0;
        while (b < bucket.length || g < general.length) {
            int i;
            if (g == general.length || (b < bucket.length && bucket[b] < general[g])) {
                i = bucket[b++];
            } else {
                i = general[g++];
            }
            Applicable.Entry e = entries[i];
            if (e.matches(r, tcp)) {
                return e;
            }
        }
        return null;
    }

    /**
     * The SNI values one of which the rule requires, or null when it has no such requirement. Only a top-level
     * conjunct qualifies: within an AND, every part must match, so an exact SNI field there is necessary.
     */
    static Set<String> requiredSni(Matcher tree) {
        List<Matcher> parts = tree instanceof Matcher.And and ? and.all() : List.of(tree);
        for (Matcher part : parts) {
            Set<String> values = exactSni(part);
            if (values != null) {
                return values;
            }
        }
        return null;
    }

    private static Set<String> exactSni(Matcher part) {
        if (!(part instanceof Matcher.Field f) || f.attr() != Attr.SNI) {
            return null;
        }
        List<Matcher> leaves = f.body() instanceof Matcher.Or or ? or.any() : List.of(f.body());
        Set<String> out = new LinkedHashSet<>();
        for (Matcher leaf : leaves) {
            if (!(leaf instanceof Matcher.Str s) || s.attr() != Attr.SNI || s.match().kind() != StringMatch.Kind.EXACT
                    || s.match().ignoreCase()) {
                return null;
            }
            out.add(s.match().value());
        }
        return out.isEmpty() ? null : out;
    }

    private static int[] ints(List<Integer> list) {
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i);
        }
        return out;
    }
}
