package dev.tollgate.core.routing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Values keyed by host pattern (exact or "*.suffix"), looked up by a concrete host in a number of map probes equal
 * to its label count, never by scanning all patterns. Insertion order is kept per pattern.
 */
final class HostIndex<T> {
    private final Map<String, List<T>> byPattern = new HashMap<>();

    void add(String pattern, T value) {
        byPattern.computeIfAbsent(pattern, k -> new ArrayList<>()).add(value);
    }

    /** Every value whose pattern matches {@code host}, grouped most specific pattern first. */
    List<Hit<T>> lookup(String host) {
        List<Hit<T>> out = new ArrayList<>();
        for (String pattern : RouteHosts.candidatePatterns(host)) {
            List<T> values = byPattern.get(pattern);
            if (values != null) {
                for (T v : values) {
                    out.add(new Hit<>(pattern, v));
                }
            }
        }
        return out;
    }

    record Hit<T>(String pattern, T value) {
    }
}
