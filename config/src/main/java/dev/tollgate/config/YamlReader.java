package dev.tollgate.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tollgate.core.model.Origin;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads (multi-document) YAML into {@link YamlNode}s that keep the line and column of every key and value.
 * Duplicate keys are a syntax error, as with {@code kubectl --validate=strict}: the second one would silently win.
 */
final class YamlReader {
    // "key:" with no value is null (absent), as Kubernetes reads it, not an empty string
    private static final YAMLFactory FACTORY = YAMLFactory.builder()
            .enable(com.fasterxml.jackson.dataformat.yaml.YAMLParser.Feature.EMPTY_STRING_AS_NULL).build();

    record Document(int index, YamlNode root) {
    }

    /** A YAML syntax error at a known place. */
    static final class SyntaxError extends Exception {
        private final Origin origin;

        SyntaxError(Origin origin, String message) {
            super(message);
            this.origin = origin;
        }

        Origin origin() {
            return origin;
        }
    }

    /** Alias uses allowed per stream: enough for real manifests, too few for an expansion bomb. */
    static final int MAX_ALIASES = 50;

    private final String source;
    private final java.util.function.UnaryOperator<Origin> relocate;
    private final Map<String, YamlNode> anchors = new java.util.HashMap<>();
    private int aliases;

    private YamlReader(String source, java.util.function.UnaryOperator<Origin> relocate) {
        this.source = source;
        this.relocate = relocate;
    }

    /** Every non-empty document of {@code text}; {@code source} names it in origins (usually the file path). */
    static List<Document> read(String source, String text) throws SyntaxError {
        return new YamlReader(source, o -> o).readAll(text);
    }

    /** One YAML value embedded in a string (the istio ConfigMap's {@code mesh} key); null if empty. */
    static YamlNode readEmbedded(String source, String text, java.util.function.UnaryOperator<Origin> relocate)
            throws SyntaxError {
        List<Document> docs = new YamlReader(source, relocate).readAll(text);
        if (docs.size() > 1) {
            throw new SyntaxError(relocate.apply(new Origin(source, 1, 1)),
                    "expected one YAML document, found " + docs.size());
        }
        return docs.isEmpty() ? null : docs.get(0).root();
    }

    private List<Document> readAll(String text) throws SyntaxError {
        List<Document> out = new ArrayList<>();
        try (JsonParser p = FACTORY.createParser(text)) {
            int index = 0;
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                YamlNode node = value(p, t);
                // an empty document ("---" with nothing after it) is skipped, as kubectl does
                boolean empty = node instanceof YamlNode.Scalar s && (s.isNull()
                        || s.type() == YamlNode.Scalar.Type.STRING && s.text().isEmpty());
                if (!empty) {
                    out.add(new Document(index, node));
                }
                index++;
            }
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String message = firstLine(e.getOriginalMessage());
            throw new SyntaxError(loc == null ? new Origin(source, 0, 0) : origin(loc), "invalid YAML: " + message);
        } catch (IOException e) {
            throw new SyntaxError(new Origin(source, 0, 0), "cannot read YAML: " + e.getMessage());
        }
        return out;
    }

    /**
     * One value. Jackson reports an alias ({@code *name}) as a string token holding the anchor's name; taking that
     * text literally would silently change a value, so aliases of lists and maps are resolved to the anchored node
     * (shared, not copied) and other aliases are refused.
     */
    private YamlNode value(JsonParser p, JsonToken t) throws IOException, SyntaxError {
        Origin at = origin(p.currentTokenLocation());
        if (p instanceof com.fasterxml.jackson.dataformat.yaml.YAMLParser yaml && yaml.isCurrentAlias()) {
            String name = p.getText();
            YamlNode anchored = anchors.get(name);
            if (anchored == null) {
                // the YAML parser does not report anchors of scalars, so those cannot be resolved: refuse them
                throw new SyntaxError(at, "YAML alias *" + name + " is unknown or refers to a scalar; only aliases "
                        + "of lists and maps are supported");
            }
            if (++aliases > MAX_ALIASES) {
                throw new SyntaxError(at, "more than " + MAX_ALIASES + " YAML aliases");
            }
            return anchored;
        }
        String anchor = p.getObjectId() instanceof String id ? id : null;
        YamlNode node = node(p, t, at);
        if (anchor != null) {
            anchors.put(anchor, node);
        }
        return node;
    }

    private YamlNode node(JsonParser p, JsonToken t, Origin at) throws IOException, SyntaxError {
        return switch (t) {
            case START_OBJECT -> {
                Map<String, YamlNode.Field> fields = new LinkedHashMap<>();
                JsonToken k;
                while ((k = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    Origin keyAt = origin(p.currentTokenLocation());
                    YamlNode v = value(p, p.nextToken());
                    YamlNode.Field previous = fields.putIfAbsent(name, new YamlNode.Field(keyAt, v));
                    if (previous != null) {
                        throw new SyntaxError(keyAt, "duplicate key \"" + name + "\" (first at line "
                                + previous.keyOrigin().line() + ")");
                    }
                }
                if (k != JsonToken.END_OBJECT) {
                    throw new SyntaxError(at, "malformed mapping");
                }
                yield new YamlNode.MapNode(at, fields);
            }
            case START_ARRAY -> {
                List<YamlNode> items = new ArrayList<>();
                JsonToken i;
                while ((i = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (i == null) {
                        throw new SyntaxError(at, "unterminated list");
                    }
                    items.add(value(p, i));
                }
                yield new YamlNode.ListNode(at, items);
            }
            case VALUE_STRING -> new YamlNode.Scalar(at, p.getText(), YamlNode.Scalar.Type.STRING);
            case VALUE_NUMBER_INT -> new YamlNode.Scalar(at, p.getText(), YamlNode.Scalar.Type.INTEGER);
            case VALUE_NUMBER_FLOAT -> new YamlNode.Scalar(at, p.getText(), YamlNode.Scalar.Type.FLOAT);
            case VALUE_TRUE, VALUE_FALSE -> new YamlNode.Scalar(at, p.getText(), YamlNode.Scalar.Type.BOOLEAN);
            case VALUE_NULL -> new YamlNode.Scalar(at, "", YamlNode.Scalar.Type.NULL);
            case VALUE_EMBEDDED_OBJECT -> new YamlNode.Scalar(at, String.valueOf(p.getEmbeddedObject()),
                    YamlNode.Scalar.Type.STRING);
            default -> throw new SyntaxError(at, "unexpected YAML token " + t);
        };
    }

    private Origin origin(JsonLocation loc) {
        return relocate.apply(new Origin(source, loc.getLineNr(), loc.getColumnNr()));
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "syntax error";
        }
        String m = message.strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl).strip();
    }
}
