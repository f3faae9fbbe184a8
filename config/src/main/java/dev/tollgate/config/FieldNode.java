package dev.tollgate.config;

import dev.tollgate.core.model.Origin;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A YAML node together with its field path ({@code spec.rules[0].from}) and the origin an error about it points at
 * (the key for a field, the item for a list element). Validation reads these, never fabric8 objects, because only
 * the nodes tell an absent list from an empty one. A field whose value is null counts as absent.
 */
record FieldNode(String path, Origin origin, YamlNode node, String key) {

    FieldNode(String path, Origin origin, YamlNode node) {
        this(path, origin, node, lastSegment(path));
    }

    private static String lastSegment(String path) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? path : path.substring(dot + 1);
    }

    static FieldNode root(String path, YamlNode node) {
        return new FieldNode(path, node.origin(), node);
    }

    Optional<FieldNode> get(String name) {
        if (node instanceof YamlNode.MapNode map) {
            YamlNode.Field f = map.fields().get(name);
            if (f != null && !(f.value() instanceof YamlNode.Scalar s && s.isNull())) {
                return Optional.of(new FieldNode(child(path, name), f.keyOrigin(), f.value(), name));
            }
        }
        return Optional.empty();
    }

    boolean has(String name) {
        return get(name).isPresent();
    }

    /** The elements of this list (empty when this is not a list). */
    List<FieldNode> items() {
        List<FieldNode> out = new ArrayList<>();
        if (node instanceof YamlNode.ListNode list) {
            for (int i = 0; i < list.items().size(); i++) {
                YamlNode item = list.items().get(i);
                out.add(new FieldNode(path + "[" + i + "]", item.origin(), item));
            }
        }
        return out;
    }

    /** The entries of this map, each as a field named by its key. */
    List<FieldNode> entries() {
        List<FieldNode> out = new ArrayList<>();
        if (node instanceof YamlNode.MapNode map) {
            for (Map.Entry<String, YamlNode.Field> e : map.fields().entrySet()) {
                out.add(new FieldNode(child(path, e.getKey()), e.getValue().keyOrigin(), e.getValue().value(),
                        e.getKey()));
            }
        }
        return out;
    }

    List<FieldNode> list(String name) {
        return get(name).map(FieldNode::items).orElse(List.of());
    }

    /** Present and an empty list: {@code from: []}, as opposed to absent. */
    boolean isEmptyList(String name) {
        return get(name).map(f -> f.node() instanceof YamlNode.ListNode l && l.items().isEmpty()).orElse(false);
    }

    boolean isEmptyMap() {
        return node instanceof YamlNode.MapNode m && m.fields().values().stream()
                .allMatch(f -> f.value() instanceof YamlNode.Scalar s && s.isNull());
    }

    String text() {
        return node instanceof YamlNode.Scalar s ? s.text() : "";
    }

    Optional<String> string(String name) {
        return get(name).map(FieldNode::text);
    }

    /** The integer at {@code name}, or 0 when absent, as protobuf reads it. */
    long number(String name) {
        return get(name).map(f -> {
            try {
                return Long.parseLong(f.text());
            } catch (NumberFormatException e) {
                return Long.MIN_VALUE;
            }
        }).orElse(0L);
    }

    List<String> strings(String name) {
        return list(name).stream().map(FieldNode::text).toList();
    }

    static String child(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    /** The same node under another path (a List item read as a document of its own). */
    FieldNode withPath(String newPath) {
        return new FieldNode(newPath, origin, node, key);
    }
}
