package dev.tollgate.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.tollgate.core.model.Origin;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.reader.StreamReader;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads (multi-document) YAML into {@link YamlNode}s that keep the line and column of every key and value.
 * Duplicate keys are a syntax error, as with {@code kubectl --validate=strict}: the second one would silently win.
 * Parsing takes time linear in the text ({@link WholeTextReader}); a key or value longer than
 * {@link YamlLimits#maxScalarChars()} is refused where it starts.
 */
final class YamlReader {
    private static final WholeTextYamlFactory FACTORY = new WholeTextYamlFactory();

    record Document(int index, YamlNode root) {
    }

    /** A YAML syntax error at a known place. */
    static final class SyntaxError extends Exception {
        private final Origin origin;
        private final String code;

        SyntaxError(Origin origin, String message) {
            this(origin, "yaml-syntax", message);
        }

        SyntaxError(Origin origin, String code, String message) {
            super(message);
            this.origin = origin;
            this.code = code;
        }

        Origin origin() {
            return origin;
        }

        /** The diagnostic code: {@code yaml-syntax}, or {@code scalar-too-large} for a limit. */
        String code() {
            return code;
        }
    }

    /** Alias uses allowed per stream: enough for real manifests, too few for an expansion bomb. */
    static final int MAX_ALIASES = 50;
    /**
     * Nesting allowed, through aliases too: Istio and Kubernetes objects nest about 10 levels. Deeper input would
     * overflow the stack of this reader, the schema checker or the conversion, which all recurse.
     */
    static final int MAX_DEPTH = 100;

    private final String source;
    private final java.util.function.UnaryOperator<Origin> relocate;
    private final YamlLimits limits;
    private final Map<String, YamlNode> anchors = new java.util.HashMap<>();
    private int aliases;
    private int depth;
    private final Map<YamlNode, Integer> heights = new java.util.IdentityHashMap<>();

    private YamlReader(String source, java.util.function.UnaryOperator<Origin> relocate, YamlLimits limits) {
        this.source = source;
        this.relocate = relocate;
        this.limits = limits;
    }

    /** Every non-empty document of {@code text}; {@code source} names it in origins (usually the file path). */
    static List<Document> read(String source, String text, YamlLimits limits) throws SyntaxError {
        return new YamlReader(source, o -> o, limits).readAll(text);
    }

    /** One YAML value embedded in a string (the istio ConfigMap's {@code mesh} key); null if empty. */
    static YamlNode readEmbedded(String source, String text, java.util.function.UnaryOperator<Origin> relocate,
                                 YamlLimits limits) throws SyntaxError {
        List<Document> docs = new YamlReader(source, relocate, limits).readAll(text);
        if (docs.size() > 1) {
            throw new SyntaxError(relocate.apply(new Origin(source, 1, 1)),
                    "expected one YAML document, found " + docs.size());
        }
        return docs.isEmpty() ? null : docs.get(0).root();
    }

    private List<Document> readAll(String text) throws SyntaxError {
        printable(text);
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
            if (e.getCause() instanceof MarkedYAMLException marked) {
                throw snakeYamlError(marked);
            }
            JsonLocation loc = e.getLocation();
            String message = firstLine(e.getOriginalMessage());
            throw new SyntaxError(loc == null ? new Origin(source, 0, 0) : origin(loc), "invalid YAML: " + message);
        } catch (MarkedYAMLException e) {
            // Jackson passes some of SnakeYAML's unchecked exceptions through unwrapped
            throw snakeYamlError(e);
        } catch (IOException | org.yaml.snakeyaml.error.YAMLException e) {
            throw new SyntaxError(new Origin(source, 0, 0), "invalid YAML: " + firstLine(e.getMessage()));
        }
        return out;
    }

    /**
     * YAML allows only printable characters (YAML 1.1 section 5.1; SnakeYAML refuses the rest while reading). Named
     * here with their place, since a control character usually means a binary or mangled file.
     */
    private void printable(String text) throws SyntaxError {
        int line = 1;
        int column = 1;
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            if (!StreamReader.isPrintable(c)) {
                throw new SyntaxError(relocate.apply(new Origin(source, line, column)), String.format(
                        "invalid YAML: character U+%04X is not allowed (only printable characters, tab and line "
                                + "breaks are)", c));
            }
            if (c == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
            i += Character.charCount(c);
        }
    }

    /** Refuses a key or value longer than the limit, before anything keeps it. */
    private void bounded(String what, int length, Origin at) throws SyntaxError {
        if (length > limits.maxScalarChars()) {
            throw new SyntaxError(at, "scalar-too-large", "YAML " + what + " of " + length + " characters is longer than the limit of "
                    + limits.maxScalarChars() + " (--max-yaml-scalar-size)");
        }
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
            if (depth + height(anchored) > MAX_DEPTH) {
                throw new SyntaxError(at, "YAML nested deeper than " + MAX_DEPTH + " levels (through alias *" + name
                        + ")");
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
        if (t.isScalarValue()) {
            bounded("value", p.getTextLength(), at);
        }
        return switch (t) {
            case START_OBJECT -> {
                deeper(at);
                Map<String, YamlNode.Field> fields = new LinkedHashMap<>();
                JsonToken k;
                while ((k = p.nextToken()) == JsonToken.FIELD_NAME) {
                    Origin keyAt = origin(p.currentTokenLocation());
                    bounded("key", p.getTextLength(), keyAt);
                    String name = p.currentName();
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
                depth--;
                yield new YamlNode.MapNode(at, fields);
            }
            case START_ARRAY -> {
                deeper(at);
                List<YamlNode> items = new ArrayList<>();
                JsonToken i;
                while ((i = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (i == null) {
                        throw new SyntaxError(at, "unterminated list");
                    }
                    items.add(value(p, i));
                }
                depth--;
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

    private void deeper(Origin at) throws SyntaxError {
        if (++depth > MAX_DEPTH) {
            throw new SyntaxError(at, "YAML nested deeper than " + MAX_DEPTH + " levels");
        }
    }

    /** Levels of lists and maps in {@code node}, aliases included; bounded, as every node was checked. */
    private int height(YamlNode node) {
        Integer known = heights.get(node);
        if (known != null) {
            return known;
        }
        int h = switch (node) {
            case YamlNode.MapNode m -> 1 + m.fields().values().stream().mapToInt(f -> height(f.value())).max()
                    .orElse(0);
            case YamlNode.ListNode l -> 1 + l.items().stream().mapToInt(this::height).max().orElse(0);
            case YamlNode.Scalar s -> 0;
        };
        heights.put(node, h);
        return h;
    }

    /**
     * SnakeYAML's own words: its problem ("expected <block end>, but found '-'") at the problem's line and column,
     * and its context ("while parsing a block mapping") with where that started. Jackson's message keeps only the
     * context's first line, which says nothing of what is wrong.
     */
    private SyntaxError snakeYamlError(MarkedYAMLException e) {
        Mark problemAt = e.getProblemMark();
        Mark contextAt = e.getContextMark();
        String problem = e.getProblem() == null ? firstLine(e.getMessage()) : e.getProblem().strip();
        StringBuilder message = new StringBuilder("invalid YAML: ").append(problem);
        if (e.getContext() != null) {
            message.append(" (").append(e.getContext().strip());
            if (contextAt != null && (problemAt == null || contextAt.getLine() != problemAt.getLine()
                    || contextAt.getColumn() != problemAt.getColumn())) {
                Origin c = markOrigin(contextAt);
                message.append(" at line ").append(c.line()).append(", column ").append(c.column());
            }
            message.append(')');
        }
        Mark at = problemAt != null ? problemAt : contextAt;
        return new SyntaxError(at == null ? new Origin(source, 0, 0) : markOrigin(at), message.toString());
    }

    /** SnakeYAML counts lines and columns from 0, Jackson and editors from 1. */
    private Origin markOrigin(Mark mark) {
        return relocate.apply(new Origin(source, mark.getLine() + 1, mark.getColumn() + 1));
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
