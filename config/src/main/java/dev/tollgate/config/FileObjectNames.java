package dev.tollgate.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which objects a set of files defines, by group, kind, namespace and name (never version: an API server serves
 * one stored object under every version of its kind). Used to lay files over a cluster's objects as {@code istioctl
 * analyze} does, a file replacing the cluster's object of the same name. Unreadable files and YAML errors name
 * nothing here: the load that follows reads the same files and reports them, at their file and line.
 */
final class FileObjectNames {
    private FileObjectNames() {
    }

    static Set<String> of(List<ConfigSource> sources, LoadOptions options) {
        Set<String> out = new HashSet<>();
        Problems.Scoped ignored = new Problems().about(Optional.empty());
        for (ConfigSource source : sources) {
            String namespace = source.namespace().orElse(options.defaultNamespace());
            if (source.content().isPresent()) {
                ConfigFiles.text(ConfigSource.STDIN, source.content().get(), options.limits(), ignored)
                        .ifPresent(text -> names(ConfigSource.STDIN, text, namespace, options, out));
                continue;
            }
            List<Path> files;
            try {
                files = Files.isDirectory(source.path()) ? ConfigFiles.filesOf(source.path(), options.recursive())
                        : Files.exists(source.path()) ? List.of(source.path()) : List.of();
            } catch (IOException | RuntimeException e) {
                continue;
            }
            for (Path f : files) {
                ConfigFiles.text(f, options.limits(), ignored)
                        .ifPresent(text -> names(f.toString(), text, namespace, options, out));
            }
        }
        return out;
    }

    /** The name a cluster's object goes by, comparable with the files'. */
    static String of(Map<String, Object> fields) {
        Object metadata = fields.get("metadata");
        Map<?, ?> m = metadata instanceof Map<?, ?> map ? map : Map.of();
        return name(String.valueOf(fields.get("apiVersion")), String.valueOf(fields.get("kind")),
                m.get("namespace") == null ? "" : String.valueOf(m.get("namespace")), String.valueOf(m.get("name")));
    }

    private static void names(String source, String text, String namespace, LoadOptions options, Set<String> out) {
        try {
            for (YamlReader.Document doc : YamlReader.read(source, text, options.limits())) {
                document(FieldNode.root("", doc.root()), namespace, out);
            }
        } catch (YamlReader.SyntaxError e) {
            // reported by the load itself
        }
    }

    private static void document(FieldNode doc, String namespace, Set<String> out) {
        if (!(doc.node() instanceof YamlNode.MapNode)) {
            return;
        }
        String apiVersion = doc.string("apiVersion").orElse("");
        String kind = doc.string("kind").orElse("");
        if (kind.endsWith("List") && doc.has("items")) {
            doc.list("items").forEach(item -> document(item, namespace, out));
            return;
        }
        Optional<FieldNode> metadata = doc.get("metadata");
        String name = metadata.flatMap(m -> m.string("name")).orElse("");
        String ns = metadata.flatMap(m -> m.string("namespace")).orElse(namespace);
        out.add(name(apiVersion, kind, ns, name));
        // a cluster-scoped object (a Namespace) has no namespace in the cluster, whatever -n says for the file
        out.add(name(apiVersion, kind, "", name));
    }

    private static String name(String apiVersion, String kind, String namespace, String name) {
        String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        return group + "|" + kind + "|" + namespace + "|" + name;
    }
}
