package dev.tollgate.config;

import dev.tollgate.config.SpecSchema.ListShape;
import dev.tollgate.config.SpecSchema.MapShape;
import dev.tollgate.config.SpecSchema.ObjectShape;
import dev.tollgate.config.SpecSchema.ScalarShape;
import dev.tollgate.config.SpecSchema.Shape;
import dev.tollgate.core.model.Origin;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Strict schema validation, as {@code kubectl --validate=strict}: an unknown field anywhere is an error (a typo such
 * as {@code principal:} must never silently drop a constraint), and so is a value of the wrong type. It also records
 * the origin of every field path it visits.
 */
final class SchemaChecker {
    private final Problems.Scoped problems;
    private final Map<String, Origin> origins;

    private SchemaChecker(Problems.Scoped problems, Map<String, Origin> origins) {
        this.problems = problems;
        this.origins = origins;
    }

    /** Checks {@code node} against {@code shape}; returns whether it conforms. */
    static boolean check(FieldNode node, Shape shape, Problems.Scoped problems, Map<String, Origin> origins) {
        int before = problems.errors();
        new SchemaChecker(problems, origins).visit(node, shape);
        return problems.errors() == before;
    }

    private void visit(FieldNode at, Shape shape) {
        origins.putIfAbsent(at.path(), at.origin());
        switch (shape) {
            case ObjectShape object -> object(at, object);
            case ListShape list -> {
                if (!(at.node() instanceof YamlNode.ListNode)) {
                    wrongType(at, "a list");
                    return;
                }
                for (FieldNode item : at.items()) {
                    if (item.node() instanceof YamlNode.Scalar s && s.isNull()) {
                        problems.error("wrong-type", item, "list element must not be null");
                    } else {
                        visit(item, list.item());
                    }
                }
            }
            case MapShape map -> {
                if (!(at.node() instanceof YamlNode.MapNode)) {
                    wrongType(at, "an object (map)");
                    return;
                }
                for (FieldNode entry : at.entries()) {
                    if (entry.node() instanceof YamlNode.Scalar s && s.isNull()) {
                        problems.error("wrong-type", entry, "map value must not be null");
                    } else {
                        visit(entry, map.value());
                    }
                }
            }
            case ScalarShape scalar -> scalar(at, scalar);
            case SpecSchema.AnyValue any -> {
            }
        }
    }

    private void object(FieldNode at, ObjectShape object) {
        if (!(at.node() instanceof YamlNode.MapNode)) {
            wrongType(at, "an object");
            return;
        }
        for (FieldNode field : at.entries()) {
            String name = field.key();
            Shape shape = object.properties().get(name);
            if (shape == null) {
                problems.error("unknown-field", field, "unknown field \"" + name + "\" in " + object.typeName
                        + suggestion(name, object.properties().keySet()));
                continue;
            }
            if (field.node() instanceof YamlNode.Scalar s && s.isNull()) {
                origins.putIfAbsent(field.path(), field.origin());
                continue;
            }
            visit(field, shape);
        }
        for (List<Set<String>> group : object.oneOfGroups()) {
            List<String> set = new ArrayList<>();
            for (Set<String> alternative : group) {
                alternative.stream().filter(at::has).forEach(set::add);
            }
            if (set.size() > 1) {
                FieldNode second = at.get(set.get(1)).orElse(at);
                problems.error("invalid-field", second, "only one of " + String.join(", ", set)
                        + " may be set (they are alternatives)");
            }
        }
    }

    private void scalar(FieldNode at, ScalarShape shape) {
        if (!(at.node() instanceof YamlNode.Scalar s)) {
            wrongType(at, expected(shape));
            return;
        }
        boolean ok = switch (shape.kind()) {
            case STRING -> s.type() == YamlNode.Scalar.Type.STRING;
            case INTEGER -> s.type() == YamlNode.Scalar.Type.INTEGER && fitsLong(s.text());
            case NUMBER -> s.type() == YamlNode.Scalar.Type.INTEGER || s.type() == YamlNode.Scalar.Type.FLOAT;
            case BOOLEAN -> s.type() == YamlNode.Scalar.Type.BOOLEAN;
            case INT_OR_STRING -> s.type() == YamlNode.Scalar.Type.INTEGER || s.type() == YamlNode.Scalar.Type.STRING;
            case ENUM -> s.type() == YamlNode.Scalar.Type.STRING && shape.enumValues().contains(s.text());
            case ANY -> true;
        };
        if (!ok) {
            if (shape.kind() == SpecSchema.ScalarKind.ENUM && s.type() == YamlNode.Scalar.Type.STRING) {
                problems.error("invalid-field", at, "unsupported value \"" + s.text() + "\", must be one of "
                        + shape.enumValues().stream().sorted().toList());
            } else {
                wrongType(at, expected(shape));
            }
        }
    }

    private void wrongType(FieldNode at, String expected) {
        String got = YamlNode.describe(at.node());
        if (at.node() instanceof YamlNode.Scalar s && !s.text().isEmpty()) {
            got += " (" + s.text() + ")";
        }
        problems.error("wrong-type", at, "expected " + expected + ", got " + got);
    }

    private static String expected(ScalarShape shape) {
        return switch (shape.kind()) {
            case STRING -> "a string";
            case INTEGER -> "an integer";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case INT_OR_STRING -> "an integer or a string";
            case ENUM -> "one of " + shape.enumValues().stream().sorted().toList();
            case ANY -> "a value";
        };
    }

    private static boolean fitsLong(String text) {
        try {
            Long.parseLong(text);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** " (did you mean "principals"?)" for a near miss, else the list of allowed fields. */
    static String suggestion(String name, Set<String> allowed) {
        String best = allowed.stream().min(Comparator.comparingInt(a -> distance(name.toLowerCase(), a.toLowerCase())))
                .orElse(null);
        if (best != null && distance(name.toLowerCase(), best.toLowerCase()) <= Math.max(2, name.length() / 3)) {
            return " (did you mean \"" + best + "\"?)";
        }
        return "; allowed: " + allowed.stream().sorted().toList();
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
