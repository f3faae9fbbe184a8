package dev.tollgate.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.tollgate.config.gatewayapi.GatewayApiConversion;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Kind;
import dev.tollgate.core.model.KubernetesNames;
import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.model.Workload;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The loader as it was before it checked texts on several threads: one file after another on the caller's thread,
 * each resource converted and applied as it is read. Kept, in test sources only, as the oracle of
 * {@link ParallelLoadPropertiesTest}: the loader must give exactly its diagnostics and configuration.
 */
final class SerialLoadOracle {
    private static final ObjectMapper MAPPER = JsonMapper.builder().build();
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
    private final Map<Kind, List<Resource<?>>> resources = new EnumMap<>(Kind.class);
    private final Map<ResourceKey, Origin> seen = new HashMap<>();
    private final List<Workload> workloads = new ArrayList<>();
    private final MeshInputs mesh;
    private final GatewayApiReader gatewayApi = new GatewayApiReader(problems);
    /** Kubernetes objects read (the items of a List count, the List does not). */
    private int objects;

    private SerialLoadOracle(LoadOptions options) {
        this.options = options;
        this.mesh = new MeshInputs(options);
        for (Kind k : Kind.values()) {
            resources.put(k, new ArrayList<>());
        }
    }

    public static LoadResult load(List<ConfigSource> sources, LoadOptions options) {
        SerialLoadOracle loader = new SerialLoadOracle(options);
        if (sources.isEmpty() && options.meshOverrides().isEmpty()) {
            // with nothing to read every request would be decided by Istio's defaults alone: ALLOWED, silently.
            // --set alone is a configuration: the mesh's defaults with no resources, e.g. REGISTRY_ONLY blocking all
            loader.problems.about(Optional.empty()).error("no-config", new Origin("-f", 0, 0), "", "no configuration given: "
                    + "use -f FILE, -f FOLDER (-R for its subfolders) or -f - for standard input");
        }
        for (ConfigSource source : sources) {
            loader.source(source);
        }
        loader.noObjects(sources);
        return loader.result();
    }

    /**
     * Loads objects that are already parsed (the control plane's informers hand them over as maps) through exactly
     * the path files take: each is written out as JSON, which is YAML, and read back by the same reader, schema,
     * validation and conversion, so there is no second validator to drift from the first. Each object's diagnostics
     * carry its {@link ParsedObject#source} as their origin's source. Unlike files, no objects at all is no error: an
     * empty cluster is a configuration (Istio's defaults), not a forgotten {@code -f}.
     */
    public static LoadResult loadObjects(List<ParsedObject> objects, LoadOptions options) {
        SerialLoadOracle loader = new SerialLoadOracle(options);
        objects.forEach(loader::object);
        return loader.result();
    }

    /**
     * Files laid over objects already parsed (a live cluster's), as {@code istioctl analyze} combines them: a file's
     * object replaces the cluster's of the same group, kind, namespace and name (whatever the versions), every
     * other object of both counts, and everything goes through one load, so a name defined twice among the files
     * is still an error. With no objects this is {@link #load(List, LoadOptions)}.
     */
    public static LoadResult load(List<ConfigSource> sources, List<ParsedObject> base, LoadOptions options) {
        if (base.isEmpty()) {
            return load(sources, options);
        }
        Set<String> replaced = FileObjectNames.of(sources, options);
        SerialLoadOracle loader = new SerialLoadOracle(options);
        base.stream().filter(o -> !replaced.contains(FileObjectNames.of(o.fields()))).forEach(loader::object);
        sources.forEach(loader::source);
        loader.noObjects(sources);
        return loader.result();
    }

    private void object(ParsedObject object) {
        String json;
        try {
            json = MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(object.fields());
        } catch (IOException e) {
            problems.about(Optional.empty()).error("invalid-object", new Origin(object.source(), 0, 0), "",
                    "cannot read the object: " + e.getMessage());
            return;
        }
        text(object.source(), json, options.defaultNamespace());
    }

    /**
     * As {@code kubectl apply} ("no objects passed to apply"): sources that were all read but hold only comments
     * or empty documents are an error. One such file among others is fine, as it is to kubectl.
     */
    private void noObjects(List<ConfigSource> sources) {
        if (objects == 0 && !sources.isEmpty() && !problems.hasErrors()) {
            problems.about(Optional.empty()).error("no-objects", new Origin(sources.get(0).path().toString(), 0, 0), "", "no objects to load: "
                    + String.join(", ", sources.stream().map(s -> "-f " + s.path()).toList())
                    + (sources.size() == 1 ? " holds" : " hold") + " only comments or empty documents");
        }
    }

    private void source(ConfigSource source) {
        Path path = source.path();
        String namespace = source.namespace().orElse(options.defaultNamespace());
        Problems.Scoped p = problems.about(Optional.empty());
        if (!KubernetesNames.isLabel(namespace)) {
            p.error("invalid-namespace", new Origin(path.toString(), 0, 0), "", "namespace \"" + namespace + "\" "
                    + (source.namespace().isPresent() ? "in -f " + namespace + "=" + path : "given with -n")
                    + " is not a valid namespace name (DNS-1123 label)");
            return;
        }
        if (source.content().isPresent()) {
            ConfigFiles.text(ConfigSource.STDIN, source.content().get(), options.limits(), p)
                    .ifPresent(text -> text(ConfigSource.STDIN, text, namespace));
            return;
        }
        if (!Files.exists(path)) {
            p.error("missing-file", new Origin(path.toString(), 0, 0), "", "file or folder " + path + " does not exist");
            return;
        }
        if (Files.isDirectory(path)) {
            try {
                List<Path> files = ConfigFiles.filesOf(path, options.recursive());
                if (files.isEmpty()) {
                    boolean deeper = !options.recursive() && !ConfigFiles.filesOf(path, true).isEmpty();
                    p.error("empty-folder", new Origin(path.toString(), 0, 0), "", "folder " + path
                            + " holds no *.yaml, *.yml or *.json file" + (deeper
                            ? "; its subfolders do: give -R (--recursive) to read them, as with kubectl" : ""));
                }
                files.forEach(f -> file(f, namespace));
            } catch (IOException | UncheckedIOException e) {
                p.error("unreadable-file", new Origin(path.toString(), 0, 0), "", "cannot read folder " + path + ": " + e.getMessage());
            }
        } else {
            file(path, namespace);
        }
    }

    private void file(Path path, String namespace) {
        ConfigFiles.text(path, options.limits(), problems.about(Optional.empty()))
                .ifPresent(text -> text(path.toString(), text, namespace));
    }

    private void text(String source, String text, String namespace) {
        List<YamlReader.Document> docs;
        try {
            docs = YamlReader.read(source, text, options.limits());
        } catch (YamlReader.SyntaxError e) {
            problems.about(Optional.empty()).error(e.code(), e.origin(), "", e.getMessage());
            return;
        }
        DeserializerWarmUp.start(MAPPER, specClasses(docs));
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
            gatewayApi.read(doc, apiVersion, kind, namespace);
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
        Origin origin = resourceOrigin(doc);
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
                 "CronJob" -> WorkloadReader.read(kind, doc, ns, name, origin, p).ifPresent(workloads::add);
            case "ConfigMap" -> {
                if (name.equals("istio") && apiVersion.equals("v1")) {
                    mesh.configMap(doc, ns, origin, apiVersion, lines, p);
                } else {
                    skipped(kind, apiVersion, ns, name, origin, p);
                }
            }
            case "IstioOperator" -> {
                if (group.equals("install.istio.io")) {
                    doc.get("spec").flatMap(s -> s.get("meshConfig")).ifPresentOrElse(
                            mc -> mesh.operator(mc, origin, "IstioOperator " + ns + "/" + name),
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
        Origin origin = resourceOrigin(doc);
        if (p.errors() > 0) {
            return;
        }
        // As with 'kubectl apply -f', a later definition of the same object replaces the earlier one; unlike
        // kubectl, say so, since the replaced one may have been a policy the user meant to keep.
        Origin previous = seen.put(key, origin);
        if (previous != null) {
            p.warning("duplicate-resource", nameAt, key + " is defined again; this definition replaces the one at "
                    + previous + ", as 'kubectl apply' would");
            resources.get(kind).removeIf(r -> r.key().equals(key));
        }
        Object converted;
        try {
            converted = MAPPER.treeToValue(kind == Kind.NETWORK_POLICY || kind == Kind.SERVICE
                    ? SpecJson.toJsonWithInts(spec.node())
                    : SpecJson.toJson(spec.node()), IstioKinds.specClass(kind));
        } catch (IOException | IllegalArgumentException e) {
            p.error("invalid-field", spec, "cannot convert spec: " + e.getMessage());
            return;
        }
        if (kind == Kind.WORKLOAD_ENTRY) {
            Optional<String> unhealthy = WorkloadEntryRules.unhealthy(doc, annotations);
            if (unhealthy.isPresent()) {
                p.info("unhealthy-workload-entry", origin, "", key + " is no endpoint: health checks are enabled ("
                        + WorkloadEntryRules.HEALTH_CHECKS + ") and " + unhealthy.get() + ", so Istio sends it no traffic");
                return;
            }
        }
        resources.get(kind).add(new Resource<>(key, converted, labels, annotations, origin, origins));
    }

    /** Where a resource starts: its apiVersion line, as an editor would show it. */
    static Origin resourceOrigin(FieldNode doc) {
        return doc.get("apiVersion").map(FieldNode::origin).orElse(doc.origin());
    }

    private static Map<String, String> stringMap(Optional<FieldNode> node) {
        Map<String, String> out = new LinkedHashMap<>();
        node.ifPresent(n -> n.entries().forEach(e -> out.put(e.key(), e.text())));
        return out;
    }

    private LoadResult result() {
        Problems.Scoped global = problems.about(Optional.empty());
        MeshSettings settings = mesh.settings(global);
        SidecarRules.namespaceWide(resources.get(Kind.SIDECAR), problems);
        // after every file: routes name ServiceEntries and Gateways wherever they were defined
        GatewayApiConversion.Result converted = gatewayApi.convert(typed(Kind.SERVICE_ENTRY));
        resources.get(Kind.GATEWAY).addAll(converted.gateways());
        resources.get(Kind.VIRTUAL_SERVICE).addAll(converted.virtualServices());
        if (problems.hasErrors()) {
            return new LoadResult(Optional.empty(), problems.all());
        }
        ConfigSet set = new ConfigSet(typed(Kind.SERVICE_ENTRY), typed(Kind.SIDECAR), typed(Kind.GATEWAY),
                typed(Kind.VIRTUAL_SERVICE), typed(Kind.DESTINATION_RULE), typed(Kind.AUTHORIZATION_POLICY),
                workloads, typed(Kind.NETWORK_POLICY), settings, KubernetesServices.convert(typed(Kind.SERVICE)),
                typed(Kind.WORKLOAD_ENTRY));
        return new LoadResult(Optional.of(set), problems.all());
    }

    @SuppressWarnings("unchecked")
    private <S> List<Resource<S>> typed(Kind kind) {
        return (List<Resource<S>>) (List<?>) resources.get(kind);
    }
}
