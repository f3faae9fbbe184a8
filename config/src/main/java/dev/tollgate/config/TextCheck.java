package dev.tollgate.config;

import dev.tollgate.core.model.Kind;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.ResourceKey;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The part of a load that one text decides alone: its YAML, each document's kind, schema and Istio validation, and
 * the conversion to its spec class, which are most of a load's time. Texts are checked on all cores at once, each by
 * its own {@code TextCheck} and into its own {@link CheckedText}; nothing here reads or writes what another text
 * gives, so what depends on that waits as a {@link CheckedText.Step} for {@link ConfigLoader} to play back in order.
 */
final class TextCheck {
    private static final Set<String> TOP_LEVEL = Set.of("apiVersion", "kind", "metadata", "spec", "status");
    /** Every kind of Istio's API groups; one not listed is a typo (kubectl: "no matches for kind"). */
    private static final Map<String, Set<String>> ISTIO_GROUPS = Map.of(
            "networking.istio.io", Set.of("ServiceEntry", "Sidecar", "Gateway", "VirtualService", "DestinationRule",
                    "EnvoyFilter", "WorkloadEntry", "WorkloadGroup", "ProxyConfig"),
            "security.istio.io", Set.of("AuthorizationPolicy", "PeerAuthentication", "RequestAuthentication"),
            "telemetry.istio.io", Set.of("Telemetry"),
            "extensions.istio.io", Set.of("WasmPlugin"),
            "install.istio.io", Set.of("IstioOperator"));

    private final LoadOptions options;
    private final Problems problems = new Problems();
    private final List<CheckedText.Deferred> deferred = new ArrayList<>();
    private int objects;

    private TextCheck(LoadOptions options) {
        this.options = options;
    }

    /** A file on disk: read within the size limit as UTF-8, then checked. */
    static CheckedText file(java.nio.file.Path path, String namespace, LoadOptions options) {
        TextCheck check = new TextCheck(options);
        ConfigFiles.text(path, options.limits(), check.problems.about(Optional.empty()))
                .ifPresent(text -> check.text(path.toString(), text, namespace));
        return check.done();
    }

    /** Standard input's bytes, under the same limit and UTF-8 check as a file. */
    static CheckedText bytes(String source, byte[] bytes, String namespace, LoadOptions options) {
        TextCheck check = new TextCheck(options);
        ConfigFiles.text(source, bytes, options.limits(), check.problems.about(Optional.empty()))
                .ifPresent(text -> check.text(source, text, namespace));
        return check.done();
    }

    /** Text that needs no reading (an object written out as JSON). */
    static CheckedText text(String source, String text, String namespace, LoadOptions options) {
        TextCheck check = new TextCheck(options);
        check.text(source, text, namespace);
        return check.done();
    }

    private CheckedText done() {
        return new CheckedText(problems.all(), deferred, objects);
    }

    private void defer(CheckedText.Step step) {
        deferred.add(new CheckedText.Deferred(problems.size(), step));
    }

    private void text(String source, String text, String namespace) {
        List<YamlReader.Document> docs;
        try {
            docs = YamlReader.read(source, text, options.limits());
        } catch (YamlReader.SyntaxError e) {
            problems.about(Optional.empty()).error(e.code(), e.origin(), "", e.getMessage());
            return;
        }
        DeserializerWarmUp.start(ConfigLoader.MAPPER, specClasses(docs));
        String[] lines = text.split("\n", -1);
        for (YamlReader.Document doc : docs) {
            document(FieldNode.root("", doc.root()), namespace, lines);
        }
    }

    /** The spec classes of the Istio (and Kubernetes) kinds that documents name at their top, in order. */
    private static List<Class<?>> specClasses(List<YamlReader.Document> docs) {
        List<Class<?>> classes = new ArrayList<>();
        for (YamlReader.Document doc : docs) {
            if (doc.root() instanceof YamlNode.MapNode) {
                FieldNode root = FieldNode.root("", doc.root());
                String apiVersion = root.string("apiVersion").orElse("");
                String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
                IstioKinds.byName(root.string("kind").orElse(""))
                        .filter(k -> IstioKinds.isThisKind(k, group))
                        .ifPresent(k -> classes.add(IstioKinds.specClass(k)));
            }
        }
        return classes;
    }

    private void document(FieldNode doc, String namespace, String[] lines) {
        Problems.Scoped p = problems.about(Optional.empty());
        if (!(doc.node() instanceof YamlNode.MapNode)) {
            p.error("wrong-type", doc, "a document must be a Kubernetes object, got " + YamlNode.describe(doc.node()));
            return;
        }
        String apiVersion = doc.string("apiVersion").orElse("");
        String kind = doc.string("kind").orElse("");
        if (apiVersion.isEmpty() || kind.isEmpty()) {
            p.error("missing-field", doc, "a document needs apiVersion and kind");
            return;
        }
        if (kind.endsWith("List") && doc.has("items")) {
            for (FieldNode item : doc.list("items")) {
                document(item.withPath(""), namespace, lines);
            }
            return;
        }
        objects++;
        String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        if (group.equals(GatewayApiReader.GROUP)) {
            defer(new CheckedText.GatewayApiObject(doc, apiVersion, kind, namespace));
            return;
        }
        Optional<Kind> istio = IstioKinds.byName(kind);
        if (istio.isPresent() && IstioKinds.isThisKind(istio.get(), group)) {
            Set<String> versions = IstioKinds.apiVersions(istio.get());
            if (!versions.contains(apiVersion)) {
                // never skip a kind Tollgate enforces: a policy under a mistyped apiVersion must not vanish
                p.error("unknown-api-version", doc.get("apiVersion").orElseThrow(), "unsupported apiVersion "
                        + apiVersion + " for " + kind + "; supported: " + versions.stream().sorted().toList());
                return;
            }
            istioResource(istio.get(), doc, namespace);
            return;
        }
        Set<String> groupKinds = ISTIO_GROUPS.get(group);
        if (groupKinds != null && !groupKinds.contains(kind)) {
            p.error("unknown-kind", doc.get("kind").orElseThrow(), "unknown kind " + kind + " in " + group
                    + SchemaChecker.suggestion(kind, groupKinds));
            return;
        }
        Origin origin = ConfigLoader.resourceOrigin(doc);
        String name = doc.get("metadata").flatMap(m -> m.string("name")).orElse("");
        String ns = doc.get("metadata").flatMap(m -> m.string("namespace")).orElse(namespace);
        Optional<String> effect = UnmodelledKinds.effect(apiVersion, kind, doc);
        if (effect.isPresent()) {
            p.warning("unmodelled-kind", origin, "", UnmodelledKinds.message(kind, ns, name, effect.get()));
            return;
        }
        switch (kind) {
            case "Namespace", "ServiceAccount" -> {
                if (name.isEmpty()) {
                    p.error("missing-field", doc.get("metadata").orElse(doc), kind + " needs metadata.name");
                }
            }
            case "Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController",
                 "CronJob" -> WorkloadReader.read(kind, doc, ns, name, origin, p)
                    .ifPresent(w -> defer(new CheckedText.WorkloadFound(w)));
            case "ConfigMap" -> {
                if (name.equals("istio") && apiVersion.equals("v1")) {
                    defer(new CheckedText.MeshConfigMap(doc, ns, origin, apiVersion, lines));
                } else {
                    skipped(kind, apiVersion, ns, name, origin, p);
                }
            }
            case "IstioOperator" -> {
                if (group.equals("install.istio.io")) {
                    doc.get("spec").flatMap(s -> s.get("meshConfig")).ifPresentOrElse(
                            mc -> defer(new CheckedText.MeshOperator(mc, origin, "IstioOperator " + ns + "/" + name)),
                            () -> p.info("no-mesh-config", origin, "", "IstioOperator " + name
                                    + " has no spec.meshConfig; nothing to read"));
                } else {
                    skipped(kind, apiVersion, ns, name, origin, p);
                }
            }
            default -> skipped(kind, apiVersion, ns, name, origin, p);
        }
    }

    private static void skipped(String kind, String apiVersion, String ns, String name, Origin origin,
                                Problems.Scoped p) {
        p.info("skipped-kind", origin, "", "skipped kind " + kind + " " + apiVersion + " " + ns + "/" + name
                + " (not used by Tollgate)");
    }

    private void istioResource(Kind kind, FieldNode doc, String defaultNamespace) {
        Optional<FieldNode> metadata = doc.get("metadata");
        String name = metadata.flatMap(m -> m.string("name")).orElse("");
        String namespace = metadata.flatMap(m -> m.string("namespace")).orElse(defaultNamespace);
        ResourceKey key = new ResourceKey(kind, namespace, name.isEmpty() ? "<unnamed>" : name);
        Problems.Scoped p = problems.about(Optional.of(key));
        Map<String, Origin> origins = new LinkedHashMap<>();

        for (FieldNode field : doc.entries()) {
            if (!TOP_LEVEL.contains(field.key())) {
                p.error("unknown-field", field, "unknown field \"" + field.key() + "\" in " + kind.kubernetesName()
                        + SchemaChecker.suggestion(field.key(), TOP_LEVEL));
            }
        }
        if (metadata.isEmpty()) {
            p.error("missing-field", doc, "metadata.name is required");
            return;
        }
        if (!SchemaChecker.check(metadata.get(), MetadataRules.metadataShape(), p, origins)) {
            return;
        }
        FieldNode nameAt = metadata.get().get("name").orElse(metadata.get());
        MetadataRules.nameAndNamespace(kind, name, nameAt, namespace, metadata.get(), p);
        Map<String, String> labels = stringMap(metadata.get().get("labels"));
        Map<String, String> annotations = stringMap(metadata.get().get("annotations"));

        FieldNode spec = doc.get("spec").orElseGet(() -> new FieldNode("spec", doc.origin(),
                new YamlNode.MapNode(doc.origin(), Map.of())));
        if (!SchemaChecker.check(spec, SpecSchema.of(IstioKinds.specClass(kind)), p, origins)) {
            return;
        }
        if (p.errors() == 0) {
            MetadataRules.dryRunAnnotation(kind, spec, annotations, metadata.get(), p);
            if (kind == Kind.SERVICE) {
                ServiceRules.exportToAnnotation(metadata.get(), namespace, p);
            }
            IstioKinds.validate(kind, spec, namespace, p);
            if (kind == Kind.WORKLOAD_ENTRY) {
                // its metadata labels choose the ServiceEntries it serves, as its spec labels do
                WorkloadEntryRules.labels(metadata.get().get("labels"), p);
            }
        }
        Origin origin = ConfigLoader.resourceOrigin(doc);
        if (p.errors() > 0) {
            return;
        }
        // converted here, on this text's core; whether it replaces an earlier definition is the loader's to say
        Object converted = null;
        String conversionError = null;
        try {
            converted = ConfigLoader.MAPPER.treeToValue(kind == Kind.NETWORK_POLICY || kind == Kind.SERVICE
                    ? SpecJson.toJsonWithInts(spec.node())
                    : SpecJson.toJson(spec.node()), IstioKinds.specClass(kind));
        } catch (IOException | IllegalArgumentException e) {
            conversionError = "cannot convert spec: " + e.getMessage();
        }
        Optional<String> unhealthy = converted != null && kind == Kind.WORKLOAD_ENTRY
                ? WorkloadEntryRules.unhealthy(doc, annotations) : Optional.empty();
        defer(new CheckedText.IstioObject(key, origin, nameAt.origin(), nameAt.path(), Optional.ofNullable(converted),
                conversionError, spec.origin(), spec.path(), unhealthy, labels, annotations, origins));
    }

    private static Map<String, String> stringMap(Optional<FieldNode> node) {
        Map<String, String> out = new LinkedHashMap<>();
        node.ifPresent(n -> n.entries().forEach(e -> out.put(e.key(), e.text())));
        return out;
    }
}
