package dev.tollgate.core.routing;

import dev.tollgate.core.model.net.HostName;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Values keyed by host pattern (exact or "*.suffix"), looked up by a concrete host in a number of map probes equal
 * to its label count, never by scanning all patterns. Insertion order is kept per pattern.
 */
final class HostIndex<T> {
    private final Map<String, List<T>> byPattern = new HashMap<>();
    /**
     * The lengths of the suffixes (after the "*") of the wildcard patterns held: a host's "*.suffix" candidate is
     * built and probed only when some pattern has that length, so most lookups allocate no candidate names.
     */
    private final BitSet wildcardSuffixLengths = new BitSet();

    void add(String pattern, T value) {
        byPattern.computeIfAbsent(pattern, k -> new ArrayList<>()).add(value);
        if (HostName.isWildcard(pattern) && pattern.length() > 1) {
            wildcardSuffixLengths.set(pattern.length() - 1);
        }
    }

    /**
     * Every value whose pattern matches {@code host}, grouped most specific pattern first: the patterns of
     * {@link RouteHosts#candidatePatterns}, in that order.
     */
    List<Hit<T>> lookup(String host) {
        List<Hit<T>> out = new ArrayList<>();
        addAll(out, host);
        for (int i = host.indexOf('.'); i >= 0; i = host.indexOf('.', i + 1)) {
            if (wildcardSuffixLengths.get(host.length() - i)) {
                addAll(out, "*" + host.substring(i));
            }
        }
        addAll(out, "*");
        return out;
    }

    /** The values added under exactly {@code pattern}, in insertion order. */
    List<T> exact(String pattern) {
        return byPattern.getOrDefault(pattern, List.of());
    }

    /**
     * The wildcard patterns held whose suffix (after the "*") ends {@code text}, longest first; "*" last. Any suffix,
     * not only at a dot: Istio's MostSpecificHostMatch compares strings.
     */
    List<String> wildcardsEnding(String text) {
        List<String> out = new ArrayList<>();
        for (int n = wildcardSuffixLengths.previousSetBit(text.length()); n > 0;
             n = wildcardSuffixLengths.previousSetBit(n - 1)) {
            String w = "*" + text.substring(text.length() - n);
            if (byPattern.containsKey(w)) {
                out.add(w);
            }
        }
        if (byPattern.containsKey("*")) {
            out.add("*");
        }
        return out;
    }

    private void addAll(List<Hit<T>> out, String pattern) {
        List<T> values = byPattern.get(pattern);
        if (values != null) {
            for (T v : values) {
                out.add(new Hit<>(pattern, v));
            }
        }
    }

    record Hit<T>(String pattern, T value) {
    }
}
