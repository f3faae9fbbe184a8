package dev.tollgate.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Kind;
import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.model.Workload;
import io.fabric8.istio.api.api.networking.v1alpha3.DestinationRule;
import io.fabric8.istio.api.api.networking.v1alpha3.Gateway;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry;
import io.fabric8.istio.api.api.networking.v1alpha3.Sidecar;
import io.fabric8.istio.api.api.networking.v1alpha3.VirtualService;
import io.fabric8.istio.api.api.security.v1beta1.AuthorizationPolicy;
import io.fabric8.kubernetes.api.model.ObjectMeta;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Loads Istio configuration the way {@code kubectl apply -f} takes it: files and folders (recursively, *.yaml,
 * *.yml, *.json), multi-document YAML and {@code List} kinds. Every resource is checked against the strict schema and
 * Istio's validation on its YAML nodes, keeping the file, line and column of each field; only then is it converted
 * to its fabric8 spec class. Any error makes the whole result empty: nothing invalid is ever partially loaded.
 */
public final class ConfigLoader {
    private static final ObjectMapper MAPPER = JsonMapper.builder().build();
    private static final Set<String> NETWORKING_VERSIONS = Set.of("networking.istio.io/v1alpha3",
            "networking.istio.io/v1beta1", "networking.istio.io/v1");
    private static final Set<String> SECURITY_VERSIONS = Set.of("security.istio.io/v1beta1", "security.istio.io/v1");
    private static final Set<String> TOP_LEVEL = Set.of("apiVersion", "kind", "metadata", "spec", "status");
    private static final String DRY_RUN = "istio.io/dry-run";
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
    private final List<PendingConfigMap> configMaps = new ArrayList<>();
    private final List<MeshInput> operators = new ArrayList<>();

    private record MeshInput(FieldNode meshConfig, Origin origin, String what) {
    }

    /**
     * A ConfigMap named istio, read only once the root namespace is known: istiod reads the one in its own
     * namespace, so one elsewhere is an ordinary ConfigMap.
     */
    private record PendingConfigMap(String namespace, Origin origin, String apiVersion,
                                    java.util.function.Supplier<Optional<MeshInput>> read) {
    }

    private ConfigLoader(LoadOptions options) {
        this.options = options;
        for (Kind k : Kind.values()) {
            resources.put(k, new ArrayList<>());
        }
    }

    public static LoadResult load(List<ConfigSource> sources, LoadOptions options) {
        ConfigLoader loader = new ConfigLoader(options);
        for (ConfigSource source : sources) {
            loader.source(source);
        }
        return loader.result();
    }

    private void source(ConfigSource source) {
        Path path = source.path();
        String namespace = source.namespace().orElse(options.defaultNamespace());
        Problems.Scoped p = problems.about(Optional.empty());
        if (!IstioNames.isKubernetesLabel(namespace)) {
            p.error("invalid-namespace", new Origin(path.toString(), 0, 0), "", "namespace \"" + namespace + "\" "
                    + (source.namespace().isPresent() ? "in -f " + namespace + "=" + path : "given with -n")
                    + " is not a valid namespace name (DNS-1123 label)");
            return;
        }
        if (!Files.exists(path)) {
            p.error("missing-file", new Origin(path.toString(), 0, 0), "", "file or folder " + path + " does not exist");
            return;
        }
        if (Files.isDirectory(path)) {
            try {
                List<Path> files = filesOf(path);
                if (files.isEmpty()) {
                    p.info("empty-folder", new Origin(path.toString(), 0, 0), "", "folder " + path
                            + " holds no *.yaml, *.yml or *.json file");
                }
                files.forEach(f -> file(f, namespace));
            } catch (IOException | UncheckedIOException e) {
                p.error("unreadable-file", new Origin(path.toString(), 0, 0), "", "cannot read folder " + path + ": " + e.getMessage());
            }
        } else {
            file(path, namespace);
        }
    }

    /**
     * The *.yaml, *.yml and *.json files under {@code dir}, recursively, in name order. Hidden entries (a name
     * starting with '.') are skipped: a mounted Kubernetes ConfigMap holds each file twice, once behind the
     * {@code ..data} link and once in a hidden timestamped folder.
     */
    static List<Path> filesOf(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(f -> !hidden(dir.relativize(f))).filter(Files::isRegularFile)
                    .filter(ConfigLoader::isConfigFile).sorted().toList();
        }
    }

    private static boolean hidden(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    static boolean isConfigFile(Path p) {
        String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json");
    }

    private void file(Path path, String namespace) {
        String source = path.toString();
        Optional<String> read = text(path);
        if (read.isEmpty()) {
            return;
        }
        String text = read.get();
        List<YamlReader.Document> docs;
        try {
            docs = YamlReader.read(source, text, options.limits());
        } catch (YamlReader.SyntaxError e) {
            problems.about(Optional.empty()).error(e.code(), e.origin(), "", e.getMessage());
            return;
        }
        String[] lines = text.split("\n", -1);
        for (YamlReader.Document doc : docs) {
            document(FieldNode.root("", doc.root()), namespace, lines);
        }
    }

    /**
     * The file as text, or empty after an error that names the file: too large (checked before reading, and again
     * while reading, in case it grows in between) or not UTF-8 (the byte and its offset, not the decoder's
     * "Input length = 1").
     */
    private Optional<String> text(Path path) {
        Problems.Scoped p = problems.about(Optional.empty());
        Origin at = new Origin(path.toString(), 0, 0);
        long max = options.limits().maxFileBytes();
        byte[] bytes;
        try (InputStream in = Files.newInputStream(path)) {
            long size = Files.size(path);
            bytes = size > max ? null : in.readNBytes((int) max + 1);
            if (bytes == null || bytes.length > max) {
                p.error("file-too-large", at, "", path + " is " + (bytes == null ? size + " bytes" : "more than "
                        + max + " bytes") + ", larger than the limit of " + YamlLimits.describe(max)
                        + " per file (--max-config-file-size); Kubernetes stores an object in at most 1.5 MiB");
                return Optional.empty();
            }
        } catch (IOException e) {
            p.error("unreadable-file", at, "", "cannot read " + path + ": " + e.getMessage());
            return Optional.empty();
        }
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = utf8.decode(in, out, true);
        if (!r.isError()) {
            r = utf8.flush(out);
        }
        if (r.isError()) {
            int offset = in.position();
            int line = 1;
            int lineStart = 0;
            for (int i = 0; i < offset; i++) {
                if (bytes[i] == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            p.error("not-utf8", new Origin(path.toString(), line, offset - lineStart + 1), "", String.format(
                    "%s is not UTF-8 text (byte 0x%02X at offset %d, line %d); YAML files must be UTF-8", path,
                    bytes[offset] & 0xff, offset, line));
            return Optional.empty();
        }
        return Optional.of(out.flip().toString());
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
        String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        Optional<Kind> istio = istioKind(kind);
        boolean gatewayApi = istio.isPresent() && group.equals("gateway.networking.k8s.io");
        if (istio.isPresent() && !gatewayApi) {
            Set<String> versions = istio.get() == Kind.AUTHORIZATION_POLICY ? SECURITY_VERSIONS : NETWORKING_VERSIONS;
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
                    configMaps.add(new PendingConfigMap(ns, origin, apiVersion, () -> meshConfigMap(doc, lines, p)));
                } else {
                    skipped(kind, apiVersion, ns, name, origin, p);
                }
            }
            case "IstioOperator" -> {
                if (group.equals("install.istio.io")) {
                    doc.get("spec").flatMap(s -> s.get("meshConfig")).ifPresentOrElse(
                            mc -> operators.add(new MeshInput(mc, origin, "IstioOperator " + ns + "/" + name)),
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

    private static Optional<Kind> istioKind(String kind) {
        for (Kind k : Kind.values()) {
            if (k.kubernetesName().equals(kind)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }

    /** The istio ConfigMap's data.mesh holds YAML in a string; its origins are mapped back into the file. */
    private Optional<MeshInput> meshConfigMap(FieldNode doc, String[] lines, Problems.Scoped p) {
        Optional<FieldNode> mesh = doc.get("data").flatMap(d -> d.get("mesh"));
        if (mesh.isEmpty()) {
            p.info("no-mesh-config", resourceOrigin(doc), "", "ConfigMap istio has no data.mesh; nothing to read");
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
        java.util.function.UnaryOperator<Origin> relocate = block
                ? o -> new Origin(at.source(), startLine + o.line(), o.column() + offsetIndent)
                : o -> at;
        try {
            YamlNode tree = YamlReader.readEmbedded(at.source(), s.text(), relocate, options.limits());
            if (tree == null) {
                return Optional.empty();
            }
            return Optional.of(new MeshInput(new FieldNode("data.mesh", value.origin(), tree), resourceOrigin(doc),
                    "ConfigMap istio"));
        } catch (YamlReader.SyntaxError e) {
            p.error(e.code(), e.origin(), "data.mesh", e.getMessage());
            return Optional.empty();
        }
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
        if (!SchemaChecker.check(metadata.get(), SpecSchema.of(ObjectMeta.class), p, origins)) {
            return;
        }
        FieldNode nameAt = metadata.get().get("name").orElse(metadata.get());
        if (name.isEmpty()) {
            p.error("missing-field", nameAt, "metadata.name is required");
        } else if (kind == Kind.GATEWAY ? !IstioNames.isKubernetesLabel(name) : !IstioNames.isKubernetesSubdomain(name)) {
            p.error("invalid-name", nameAt, "invalid " + kind.kubernetesName() + " name \"" + name + "\": must be a "
                    + (kind == Kind.GATEWAY ? "DNS-1123 label (lower case, no dots)" : "DNS-1123 subdomain (lower case)"));
        }
        if (!IstioNames.isKubernetesLabel(namespace)) {
            p.error("invalid-namespace", metadata.get().get("namespace").orElse(metadata.get()),
                    "invalid namespace \"" + namespace + "\": must be a DNS-1123 label");
        }
        Map<String, String> labels = stringMap(metadata.get().get("labels"));
        Map<String, String> annotations = stringMap(metadata.get().get("annotations"));

        FieldNode spec = doc.get("spec").orElseGet(() -> new FieldNode("spec", doc.origin(),
                new YamlNode.MapNode(doc.origin(), Map.of())));
        if (!SchemaChecker.check(spec, SpecSchema.of(specClass(kind)), p, origins)) {
            return;
        }
        if (p.errors() == 0) {
            validate(kind, spec, namespace, annotations, metadata.get(), p);
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
            converted = MAPPER.treeToValue(toJson(spec.node()), specClass(kind));
        } catch (IOException | IllegalArgumentException e) {
            p.error("invalid-field", spec, "cannot convert spec: " + e.getMessage());
            return;
        }
        resources.get(kind).add(new Resource<>(key, converted, labels, annotations, origin, origins));
    }

    private static void validate(Kind kind, FieldNode spec, String namespace, Map<String, String> annotations,
                                 FieldNode metadata, Problems.Scoped p) {
        if (annotations.containsKey(DRY_RUN)) {
            FieldNode at = metadata.get("annotations").flatMap(a -> a.get(DRY_RUN)).orElse(metadata);
            String value = annotations.get(DRY_RUN);
            String action = spec.string("action").orElse("ALLOW");
            if (kind != Kind.AUTHORIZATION_POLICY) {
                p.error("invalid-field", at, "unsupported annotation " + DRY_RUN + " (only AuthorizationPolicy supports it)");
            } else if (!action.equals("ALLOW") && !action.equals("DENY")) {
                p.error("invalid-field", at, "the annotation " + DRY_RUN + " currently only supports action "
                        + "ALLOW/DENY, found action " + action);
            } else if (!Set.of("1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False")
                    .contains(value)) {
                p.error("invalid-field", at, "annotation " + DRY_RUN + " has invalid value \"" + value
                        + "\" (expected true or false)");
            }
        }
        switch (kind) {
            case AUTHORIZATION_POLICY -> AuthorizationPolicyRules.validate(spec, p);
            case SERVICE_ENTRY -> ServiceEntryRules.validate(spec, namespace, p);
            case GATEWAY -> GatewayRules.validate(spec, p);
            case VIRTUAL_SERVICE -> VirtualServiceRules.validate(spec, namespace, p);
            case DESTINATION_RULE -> DestinationRuleRules.validate(spec, namespace, p);
            case SIDECAR -> SidecarRules.validate(spec, p);
        }
    }

    static Class<?> specClass(Kind kind) {
        return switch (kind) {
            case SERVICE_ENTRY -> ServiceEntry.class;
            case SIDECAR -> Sidecar.class;
            case GATEWAY -> Gateway.class;
            case VIRTUAL_SERVICE -> VirtualService.class;
            case DESTINATION_RULE -> DestinationRule.class;
            case AUTHORIZATION_POLICY -> AuthorizationPolicy.class;
        };
    }

    /** Where a resource starts: its apiVersion line, as an editor would show it. */
    private static Origin resourceOrigin(FieldNode doc) {
        return doc.get("apiVersion").map(FieldNode::origin).orElse(doc.origin());
    }

    private static Map<String, String> stringMap(Optional<FieldNode> node) {
        Map<String, String> out = new LinkedHashMap<>();
        node.ifPresent(n -> n.entries().forEach(e -> out.put(e.key(), e.text())));
        return out;
    }

    /** Nodes to Jackson's tree for fabric8; fields whose value is null are absent, as protobuf reads them. */
    private static JsonNode toJson(YamlNode node) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (node) {
            case YamlNode.MapNode m -> {
                ObjectNode o = f.objectNode();
                m.fields().forEach((k, v) -> {
                    if (!(v.value() instanceof YamlNode.Scalar s && s.isNull())) {
                        o.set(k, toJson(v.value()));
                    }
                });
                yield o;
            }
            case YamlNode.ListNode l -> {
                ArrayNode a = f.arrayNode();
                l.items().forEach(i -> a.add(toJson(i)));
                yield a;
            }
            case YamlNode.Scalar s -> switch (s.type()) {
                case STRING -> f.textNode(s.text());
                case INTEGER -> f.numberNode(new BigInteger(s.text()));
                case FLOAT -> f.numberNode(Double.parseDouble(s.text()));
                case BOOLEAN -> f.booleanNode(Boolean.parseBoolean(s.text()));
                case NULL -> f.nullNode();
            };
        };
    }

    private LoadResult result() {
        Problems.Scoped global = problems.about(Optional.empty());
        Optional<MeshInput> operator = oneMeshInput(operators, "IstioOperator", global);
        Set<String> istiodNamespaces = new java.util.TreeSet<>(List.of(MeshSettings.DEFAULTS.rootNamespace(),
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
        MeshConfigReader mesh = new MeshConfigReader(global);
        oneMeshInput(read, "ConfigMap istio", global).ifPresent(in -> mesh.apply(in.meshConfig(), in.what()));
        operator.ifPresent(in -> mesh.apply(in.meshConfig(), in.what()));
        options.meshOverrides().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> mesh.applyOverride(e.getKey(), e.getValue()));
        MeshSettings settings = mesh.settings();
        namespaceWideSidecars();
        if (problems.hasErrors()) {
            return new LoadResult(Optional.empty(), problems.all());
        }
        ConfigSet set = new ConfigSet(typed(Kind.SERVICE_ENTRY), typed(Kind.SIDECAR), typed(Kind.GATEWAY),
                typed(Kind.VIRTUAL_SERVICE), typed(Kind.DESTINATION_RULE), typed(Kind.AUTHORIZATION_POLICY),
                workloads, settings);
        return new LoadResult(Optional.of(set), problems.all());
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

    /** Istio's Sidecar docs: only one Sidecar without a workloadSelector per namespace; a second one is undefined. */
    private void namespaceWideSidecars() {
        Map<String, Resource<?>> byNamespace = new HashMap<>();
        for (Resource<?> r : resources.get(Kind.SIDECAR)) {
            if (((Sidecar) r.spec()).getWorkloadSelector() != null) {
                continue;
            }
            Resource<?> first = byNamespace.putIfAbsent(r.namespace(), r);
            if (first != null) {
                problems.about(Optional.of(r.key())).error("invalid-field", r.origin(), "spec",
                        "namespace " + r.namespace() + " already has a Sidecar without workloadSelector ("
                                + first.name() + " at " + first.origin() + "); Istio's behaviour with two is undefined");
            }
        }
    }

    @SuppressWarnings("unchecked")
    private <S> List<Resource<S>> typed(Kind kind) {
        return (List<Resource<S>>) (List<?>) resources.get(kind);
    }
}
