package dev.tollgate.config;

import dev.tollgate.core.model.Origin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML node that keeps where it was written. fabric8's objects lose locations and turn absent lists into empty
 * ones, so schema checks and validation read these nodes; only then are they converted.
 */
sealed interface YamlNode {

    Origin origin();

    /** A mapping; each entry keeps the origin of its key, which is where an error about that field points. */
    record MapNode(Origin origin, Map<String, Field> fields) implements YamlNode {
        public MapNode {
            fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        }
    }

    record Field(Origin keyOrigin, YamlNode value) {
    }

    record ListNode(Origin origin, List<YamlNode> items) implements YamlNode {
        public ListNode {
            items = List.copyOf(items);
        }
    }

    /** A scalar as the YAML parser typed it: a quoted {@code "80"} is a STRING, a plain {@code 80} an INTEGER. */
    record Scalar(Origin origin, String text, Type type) implements YamlNode {
        enum Type { STRING, INTEGER, FLOAT, BOOLEAN, NULL }

        boolean isNull() {
            return type == Type.NULL;
        }
    }

    /** What a node is, in the words of an error message. */
    static String describe(YamlNode node) {
        return switch (node) {
            case MapNode m -> "an object";
            case ListNode l -> "a list";
            case Scalar s -> switch (s.type()) {
                case STRING -> "a string";
                case INTEGER -> "an integer";
                case FLOAT -> "a number";
                case BOOLEAN -> "a boolean";
                case NULL -> "null";
            };
        };
    }
}
