package dev.tollgate.config;

import dev.tollgate.core.model.Visibility;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Rules shared by several kinds: exportTo, workload selectors, label maps. */
final class CommonRules {
    private CommonRules() {
    }

    /**
     * exportTo by the one rule, {@link Visibility#problems} (Istio's validateExportTo), each problem reported at the
     * entry it concerns or at the list.
     */
    static void exportTo(FieldNode spec, String namespace, Visibility.Owner owner, Problems.Scoped p) {
        List<FieldNode> entries = spec.list("exportTo");
        if (entries.isEmpty()) {
            return;
        }
        List<String> values = entries.stream().map(FieldNode::text).toList();
        for (Visibility.Problem problem : Visibility.problems(values, namespace, owner)) {
            FieldNode at = problem.entry() >= 0 ? entries.get(problem.entry()) : spec.get("exportTo").orElseThrow();
            p.error("invalid-field", at, problem.message());
        }
    }

    /** A workload selector's labels: no empty keys, no wildcards, valid label syntax; warn when empty. */
    static void selectorLabels(FieldNode selector, String labelsField, Problems.Scoped p) {
        List<FieldNode> labels = selector.get(labelsField).map(FieldNode::entries).orElse(List.of());
        if (labels.isEmpty()) {
            p.warning("empty-selector", selector, "workload selector specified without labels: "
                    + "it selects every workload of the namespace");
        }
        labelMap(labels, p);
    }

    static void labelMap(List<FieldNode> labels, Problems.Scoped p) {
        for (FieldNode label : labels) {
            String k = label.key();
            String v = label.text();
            if (k.isEmpty()) {
                p.error("invalid-field", label, "empty key is not supported in selector");
            } else if (k.contains("*") || v.contains("*")) {
                p.error("invalid-field", label, "wildcard is not supported in selector: \"" + k + "=" + v + "\"");
            } else {
                IstioNames.label(k, v).ifPresent(m -> p.error("invalid-field", label, m));
            }
        }
    }

    /** Fields that hold a google.protobuf.Duration (fabric8 types them as strings). */
    private static final Set<String> DURATIONS = Set.of("timeout", "perTryTimeout", "connectTimeout", "idleTimeout",
            "maxConnectionDuration", "interval", "baseEjectionTime", "fixedDelay", "exponentialDelay", "maxAge",
            "time", "warmupDurationSecs");
    private static final java.util.regex.Pattern DURATION =
            java.util.regex.Pattern.compile("(?:\\d+(?:\\.\\d+)?(?:ns|us|µs|ms|s|m|h))+");

    /**
     * Every duration in {@code node}: Go duration syntax ("10s", "1.5s", "100ms"), at least 1ms, to ms precision
     * (Istio's ValidateDuration).
     */
    static void durations(FieldNode node, Problems.Scoped p) {
        for (FieldNode field : node.entries()) {
            if (DURATIONS.contains(field.key()) && field.node() instanceof YamlNode.Scalar s
                    && s.type() == YamlNode.Scalar.Type.STRING) {
                duration(field, p);
            } else if (field.node() instanceof YamlNode.MapNode) {
                durations(field, p);
            } else if (field.node() instanceof YamlNode.ListNode) {
                field.items().forEach(item -> durations(item, p));
            }
        }
    }

    private static void duration(FieldNode at, Problems.Scoped p) {
        String v = at.text();
        if (!DURATION.matcher(v).matches()) {
            p.error("invalid-field", at, "invalid duration \"" + v + "\" (e.g. 10s, 1.5s, 100ms)");
            return;
        }
        java.math.BigDecimal nanos = java.math.BigDecimal.ZERO;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)").matcher(v);
        while (m.find()) {
            long unit = switch (m.group(2)) {
                case "ns" -> 1L;
                case "us", "µs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> 3_600_000_000_000L;
            };
            nanos = nanos.add(new java.math.BigDecimal(m.group(1)).multiply(java.math.BigDecimal.valueOf(unit)));
        }
        if (nanos.compareTo(java.math.BigDecimal.valueOf(1_000_000L)) < 0) {
            p.error("invalid-field", at, "duration \"" + v + "\" must be at least 1ms");
        } else if (nanos.remainder(java.math.BigDecimal.valueOf(1_000_000L)).signum() != 0) {
            p.error("invalid-field", at, "duration \"" + v + "\": only durations to ms precision are supported");
        }
    }

    static void port(FieldNode at, Problems.Scoped p) {
        try {
            IstioNames.port(Long.parseLong(at.text())).ifPresent(m -> p.error("invalid-field", at, m));
        } catch (NumberFormatException e) {
            p.error("invalid-field", at, "port \"" + at.text() + "\" is not a number");
        }
    }
}
