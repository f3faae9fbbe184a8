package dev.tollgate.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.google.common.util.concurrent.Uninterruptibles;
import dev.tollgate.config.gatewayapi.GatewayApiConversion;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Diagnostic;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * Loads Istio configuration the way {@code kubectl apply -f} takes it: files and folders (recursively, *.yaml,
 * *.yml, *.json), multi-document YAML and {@code List} kinds. Every resource is checked against the strict schema and
 * Istio's validation on its YAML nodes, keeping the file, line and column of each field; only then is it converted
 * to its fabric8 spec class. Any error makes the whole result empty: nothing invalid is ever partially loaded.
 * <p>
 * Each text (file, standard input, object) is read, checked and converted on its own ({@link TextCheck}), on all
 * cores; what depends on the other texts is then applied text by text in the order of the sources, so the result
 * and the diagnostics (their order too) are those of reading the files one after another.
 */
public final class ConfigLoader {
    static final ObjectMapper MAPPER = JsonMapper.builder().build();

    private final LoadOptions options;
    private final int threads;
    private final Problems problems = new Problems();
    private final Map<Kind, List<Resource<?>>> resources = new EnumMap<>(Kind.class);
    private final Map<ResourceKey, Origin> seen = new HashMap<>();
    private final List<Workload> workloads = new ArrayList<>();
    private final MeshInputs mesh;
    private final GatewayApiReader gatewayApi = new GatewayApiReader(problems);
    /** The texts of this load in the order a serial read meets them; {@link #checkAll()} checks and applies them. */
    private final List<Text> texts = new ArrayList<>();
    /** Kubernetes objects read (the items of a List count, the List does not). */
    private int objects;

    /** One text of the load: checked already (what listing the sources said), or to be checked on some core. */
    private record Text(CheckedText checked, Supplier<CheckedText> check) {
    }

    private ConfigLoader(LoadOptions options, int threads) {
        this.options = options;
        this.threads = threads;
        this.mesh = new MeshInputs(options);
        for (Kind k : Kind.values()) {
            resources.put(k, new ArrayList<>());
        }
    }

    private ConfigLoader(LoadOptions options) {
        this(options, Runtime.getRuntime().availableProcessors());
    }

    public static LoadResult load(List<ConfigSource> sources, LoadOptions options) {
        return load(sources, options, Runtime.getRuntime().availableProcessors());
    }

    /** As {@link #load(List, LoadOptions)}, checking the texts on at most {@code threads} threads (1: this one). */
    static LoadResult load(List<ConfigSource> sources, LoadOptions options, int threads) {
        ConfigLoader loader = new ConfigLoader(options, threads);
        if (sources.isEmpty() && options.meshOverrides().isEmpty()) {
            // with nothing to read every request would be decided by Istio's defaults alone: ALLOWED, silently.
            // --set alone is a configuration: the mesh's defaults with no resources, e.g. REGISTRY_ONLY blocking all
            loader.problems.about(Optional.empty()).error("no-config", new Origin("-f", 0, 0), "", "no configuration given: "
                    + "use -f FILE, -f FOLDER (-R for its subfolders) or -f - for standard input");
        }
        for (ConfigSource source : sources) {
            loader.source(source);
        }
        loader.checkAll();
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
        ConfigLoader loader = new ConfigLoader(options);
        objects.forEach(loader::object);
        loader.checkAll();
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
        ConfigLoader loader = new ConfigLoader(options);
        base.stream().filter(o -> !replaced.contains(FileObjectNames.of(o.fields()))).forEach(loader::object);
        sources.forEach(loader::source);
        loader.checkAll();
        loader.noObjects(sources);
        return loader.result();
    }

    private void object(ParsedObject object) {
        texts.add(new Text(null, () -> {
            String json;
            try {
                json = MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(object.fields());
            } catch (IOException e) {
                Problems p = new Problems();
                p.about(Optional.empty()).error("invalid-object", new Origin(object.source(), 0, 0), "",
                        "cannot read the object: " + e.getMessage());
                return CheckedText.of(p);
            }
            return TextCheck.text(object.source(), json, options.defaultNamespace(), options);
        }));
    }

    /**
     * Checks every text, on as many threads as there are cores when there is more than one text, and applies each
     * in the order of {@link #texts}: the load's resources and diagnostics are those of checking one text after
     * another on this thread, whichever text's check ends first.
     */
    private void checkAll() {
        long toCheck = texts.stream().filter(t -> t.checked() == null).count();
        if (toCheck < 2 || threads < 2) {
            texts.forEach(t -> apply(t.checked() != null ? t.checked() : t.check().get()));
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool((int) Math.min(threads, toCheck),
                Thread.ofPlatform().daemon().name("tollgate-config-check-", 0).factory());
        try {
            List<Future<CheckedText>> checks = new ArrayList<>();
            for (Text t : texts) {
                checks.add(t.checked() != null ? CompletableFuture.completedFuture(t.checked())
                        : pool.submit(t.check()::get));
            }
            for (Future<CheckedText> check : checks) {
                apply(Uninterruptibles.getUninterruptibly(check));
            }
        } catch (ExecutionException e) {
            // what a check threw, as the serial load would have thrown it (the first in order, not in time)
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** One text's diagnostics and steps, in the place they had in the text. */
    private void apply(CheckedText text) {
        List<Diagnostic> diagnostics = text.diagnostics();
        int next = 0;
        for (CheckedText.Deferred d : text.deferred()) {
            while (next < d.after()) {
                problems.add(diagnostics.get(next++));
            }
            switch (d.step()) {
                case CheckedText.IstioObject o -> istioResource(o);
                case CheckedText.GatewayApiObject g -> gatewayApi.read(g.doc(), g.apiVersion(), g.kind(), g.namespace());
                case CheckedText.WorkloadFound w -> workloads.add(w.workload());
                case CheckedText.MeshConfigMap c -> mesh.configMap(c.doc(), c.namespace(), c.origin(), c.apiVersion(),
                        c.lines(), problems.about(Optional.empty()));
                case CheckedText.MeshOperator m -> mesh.operator(m.meshConfig(), m.origin(), m.what());
            }
        }
        while (next < diagnostics.size()) {
            problems.add(diagnostics.get(next++));
        }
        objects += text.objects();
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

    /**
     * Lists a source's texts in order. What listing it says (a bad namespace, a missing file, an empty folder) comes
     * before any of its texts, as one more text already checked.
     */
    private void source(ConfigSource source) {
        Path path = source.path();
        String namespace = source.namespace().orElse(options.defaultNamespace());
        Problems listing = new Problems();
        Problems.Scoped p = listing.about(Optional.empty());
        if (!KubernetesNames.isLabel(namespace)) {
            p.error("invalid-namespace", new Origin(path.toString(), 0, 0), "", "namespace \"" + namespace + "\" "
                    + (source.namespace().isPresent() ? "in -f " + namespace + "=" + path : "given with -n")
                    + " is not a valid namespace name (DNS-1123 label)");
            said(listing);
            return;
        }
        if (source.content().isPresent()) {
            byte[] bytes = source.content().get();
            texts.add(new Text(null, () -> TextCheck.bytes(ConfigSource.STDIN, bytes, namespace, options)));
            return;
        }
        if (!Files.exists(path)) {
            p.error("missing-file", new Origin(path.toString(), 0, 0), "", "file or folder " + path + " does not exist");
            said(listing);
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
                    said(listing);
                }
                files.forEach(f -> file(f, namespace));
            } catch (IOException | UncheckedIOException e) {
                p.error("unreadable-file", new Origin(path.toString(), 0, 0), "", "cannot read folder " + path + ": " + e.getMessage());
                said(listing);
            }
        } else {
            file(path, namespace);
        }
    }

    private void said(Problems listing) {
        texts.add(new Text(CheckedText.of(listing), null));
    }

    private void file(Path path, String namespace) {
        texts.add(new Text(null, () -> TextCheck.file(path, namespace, options)));
    }

    private void istioResource(CheckedText.IstioObject o) {
        ResourceKey key = o.key();
        Problems.Scoped p = problems.about(Optional.of(key));
        // As with 'kubectl apply -f', a later definition of the same object replaces the earlier one; unlike
        // kubectl, say so, since the replaced one may have been a policy the user meant to keep.
        Origin previous = seen.put(key, o.origin());
        if (previous != null) {
            p.warning("duplicate-resource", o.nameOrigin(), o.namePath(), key + " is defined again; this definition "
                    + "replaces the one at " + previous + ", as 'kubectl apply' would");
            resources.get(key.kind()).removeIf(r -> r.key().equals(key));
        }
        if (o.conversionError() != null) {
            p.error("invalid-field", o.specOrigin(), o.specPath(), o.conversionError());
            return;
        }
        if (o.unhealthy().isPresent()) {
            p.info("unhealthy-workload-entry", o.origin(), "", key + " is no endpoint: health checks are enabled ("
                    + WorkloadEntryRules.HEALTH_CHECKS + ") and " + o.unhealthy().get() + ", so Istio sends it no traffic");
            return;
        }
        resources.get(key.kind()).add(new Resource<>(key, o.converted().orElse(null), o.labels(), o.annotations(),
                o.origin(), o.fields()));
    }

    /** Where a resource starts: its apiVersion line, as an editor would show it. */
    static Origin resourceOrigin(FieldNode doc) {
        return doc.get("apiVersion").map(FieldNode::origin).orElse(doc.origin());
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
