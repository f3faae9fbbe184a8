package dev.tollgate.config;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Rules shared by several kinds: exportTo, workload selectors, label maps. */
final class CommonRules {
    private CommonRules() {
    }

    /**
     * Istio's validateExportTo: no duplicates ({@code .} counts as the own namespace), {@code *} alone,
     * {@code ~} alone and only on a ServiceEntry, every other entry a namespace name.
     */
    static void exportTo(FieldNode spec, String namespace, boolean isServiceEntry, Problems.Scoped p) {
        List<FieldNode> entries = spec.list("exportTo");
        if (entries.isEmpty()) {
            return;
        }
        Set<String> seen = new HashSet<>();
        boolean any = false;
        boolean none = false;
        for (FieldNode entry : entries) {
            String e = entry.text();
            String key = e.equals(".") ? namespace : e;
            if (!seen.add(key)) {
                p.error("invalid-field", entry, e.equals(key) ? "duplicate entries in exportTo for entry " + e
                        : "duplicate entries in exportTo: . and current namespace " + namespace);
                continue;
            }
            if (e.equals("*")) {
                any = true;
            } else if (e.equals("~")) {
                none = true;
                if (!isServiceEntry) {
                    p.error("invalid-field", entry, "exportTo ~ (none) is only allowed on a ServiceEntry");
                }
            } else if (!e.equals(".") && !IstioNames.isKubernetesLabel(e)) {
                p.error("invalid-field", entry, "exportTo entry \"" + e
                        + "\" is invalid: only ., *, ~ or a namespace name (DNS-1123 label) is allowed");
            }
        }
        FieldNode field = spec.get("exportTo").orElseThrow();
        if (any && entries.size() > 1) {
            p.error("invalid-field", field, "cannot have both public (*) and non-public exportTo values for a resource");
        }
        if (none && entries.size() > 1) {
            p.error("invalid-field", field, "cannot export service entry to no one (~) and someone");
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

    static void port(FieldNode at, Problems.Scoped p) {
        try {
            IstioNames.port(Long.parseLong(at.text())).ifPresent(m -> p.error("invalid-field", at, m));
        } catch (NumberFormatException e) {
            p.error("invalid-field", at, "port \"" + at.text() + "\" is not a number");
        }
    }
}
