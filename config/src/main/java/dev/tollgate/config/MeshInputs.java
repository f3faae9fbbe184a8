package dev.tollgate.config;

import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.Origin;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Where the mesh settings come from, as istiod reads them: the ConfigMap {@code istio} in the root namespace, an
 * IstioOperator's {@code spec.meshConfig}, then {@code --set}; more than one of a source is ambiguous, an error.
 */
final class MeshInputs {
    private final LoadOptions options;
    private final List<PendingConfigMap> configMaps = new ArrayList<>();
    private final List<MeshInput> operators = new ArrayList<>();

    private record MeshInput(FieldNode meshConfig, Origin origin, String what) {
    }

    /**
     * A ConfigMap named istio, read only once the root namespace is known: istiod reads the one in its own
     * namespace, so one elsewhere is an ordinary ConfigMap.
     */
    private record PendingConfigMap(String namespace, Origin origin, String apiVersion,
                                    Supplier<Optional<MeshInput>> read) {
    }

    MeshInputs(LoadOptions options) {
        this.options = options;
    }

    void configMap(FieldNode doc, String namespace, Origin origin, String apiVersion, String[] lines, Problems.Scoped p) {
        configMaps.add(new PendingConfigMap(namespace, origin, apiVersion, () -> read(doc, lines, p)));
    }

    void operator(FieldNode meshConfig, Origin origin, String what) {
        operators.add(new MeshInput(meshConfig, origin, what));
    }

    MeshSettings settings(Problems.Scoped global) {
        Optional<MeshInput> operator = oneMeshInput(operators, "IstioOperator", global);
        Set<String> istiodNamespaces = new TreeSet<>(List.of(MeshSettings.DEFAULTS.rootNamespace(),
                rootNamespaceWithoutConfigMap(operator)));
        List<MeshInput> read = new ArrayList<>();
        for (PendingConfigMap cm : configMaps) {
            if (istiodNamespaces.contains(cm.namespace())) {
                cm.read().get().ifPresent(read::add);
            } else {
                global.info("skipped-kind", cm.origin(), "", "skipped kind ConfigMap " + cm.apiVersion() + " "
                        + cm.namespace() + "/istio (not used by Tollgate: istiod reads the mesh config only from the "
                        + "ConfigMap istio in its own namespace, " + String.join(" or ", istiodNamespaces) + ")");
            }
        }
        MeshConfigReader reader = new MeshConfigReader(global);
        oneMeshInput(read, "ConfigMap istio", global).ifPresent(in -> reader.apply(in.meshConfig(), in.what()));
        operator.ifPresent(in -> reader.apply(in.meshConfig(), in.what()));
        options.meshOverrides().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> reader.applyOverride(e.getKey(), e.getValue()));
        return reader.settings();
    }

    /** The istio ConfigMap's data.mesh holds YAML in a string; its origins are mapped back into the file. */
    private Optional<MeshInput> read(FieldNode doc, String[] lines, Problems.Scoped p) {
        Optional<FieldNode> mesh = doc.get("data").flatMap(d -> d.get("mesh"));
        if (mesh.isEmpty()) {
            p.info("no-mesh-config", ConfigLoader.resourceOrigin(doc), "", "ConfigMap istio has no data.mesh; nothing to read");
            return Optional.empty();
        }
        FieldNode value = mesh.get();
        if (!(value.node() instanceof YamlNode.Scalar s) || s.type() != YamlNode.Scalar.Type.STRING) {
            p.error("wrong-type", value, "data.mesh must be a string holding YAML");
            return Optional.empty();
        }
        Origin at = value.node().origin();
        int startLine = at.line();
        int indent = 0;
        String first = at.line() >= 1 && at.line() <= lines.length ? lines[at.line() - 1] : "";
        String afterKey = at.column() - 1 < first.length() ? first.substring(Math.max(0, at.column() - 1)).strip() : "";
        boolean block = afterKey.startsWith("|") || afterKey.startsWith(">");
        if (block) {
            for (int i = at.line(); i < lines.length; i++) {
                if (!lines[i].isBlank()) {
                    indent = lines[i].length() - lines[i].stripLeading().length();
                    break;
                }
            }
        }
        final int offsetIndent = indent;
        UnaryOperator<Origin> relocate = block
                ? o -> new Origin(at.source(), startLine + o.line(), o.column() + offsetIndent)
                : o -> at;
        try {
            YamlNode tree = YamlReader.readEmbedded(at.source(), s.text(), relocate, options.limits());
            if (tree == null) {
                return Optional.empty();
            }
            return Optional.of(new MeshInput(new FieldNode("data.mesh", value.origin(), tree), ConfigLoader.resourceOrigin(doc),
                    "ConfigMap istio"));
        } catch (YamlReader.SyntaxError e) {
            p.error(e.code(), e.origin(), "data.mesh", e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * The root namespace as the IstioOperator and --set give it (istiod runs there when it is not istio-system);
     * diagnostics of this pass are dropped, the real pass reports them.
     */
    private String rootNamespaceWithoutConfigMap(Optional<MeshInput> operator) {
        MeshConfigReader pre = new MeshConfigReader(new Problems().about(Optional.empty()));
        operator.ifPresent(in -> pre.apply(in.meshConfig(), in.what()));
        options.meshOverrides().forEach(pre::applyOverride);
        return pre.settings().rootNamespace();
    }

    private static Optional<MeshInput> oneMeshInput(List<MeshInput> inputs, String what, Problems.Scoped p) {
        if (inputs.size() > 1) {
            for (MeshInput extra : inputs.subList(1, inputs.size())) {
                p.error("duplicate-resource", extra.origin(), "", "more than one " + what + " (first at "
                        + inputs.get(0).origin() + "): which one holds the mesh settings is ambiguous");
            }
            return Optional.empty();
        }
        return inputs.stream().findFirst();
    }
}
