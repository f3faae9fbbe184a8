package dev.tollgate.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigInteger;

/** The checked YAML nodes as Jackson's tree, which fabric8's spec classes are read from. */
final class SpecJson {
    private SpecJson() {
    }

    /**
     * As {@link #toJson(YamlNode)}, with integers that fit an int as int nodes: Kubernetes' IntOrString (a
     * NetworkPolicy's {@code port}) reads only those as integers, where Istio's classes take any integer node.
     */
    static JsonNode toJsonWithInts(YamlNode node) {
        return narrow(toJson(node));
    }

    private static JsonNode narrow(JsonNode node) {
        if (node instanceof ObjectNode o) {
            o.fieldNames().forEachRemaining(k -> o.set(k, narrow(o.get(k))));
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                a.set(i, narrow(a.get(i)));
            }
        } else if (node.isIntegralNumber() && node.canConvertToInt()) {
            return JsonNodeFactory.instance.numberNode(node.intValue());
        }
        return node;
    }

    /** Nodes to Jackson's tree for fabric8; fields whose value is null are absent, as protobuf reads them. */
    static JsonNode toJson(YamlNode node) {
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
}
