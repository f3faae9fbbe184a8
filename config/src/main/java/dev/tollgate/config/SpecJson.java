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
