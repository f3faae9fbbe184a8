package dev.tollgate.cli.policytest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML value with the line it starts on: an EgressTest's errors and failures point at the case's line, which a
 * plain Jackson tree does not keep.
 *
 * @param value a {@code Map<String, YamlNode>}, a {@code List<YamlNode>}, a String, or null
 */
record YamlNode(Object value, int line) {

    /** Every document of a YAML stream. */
    static List<YamlNode> documents(Reader in) throws IOException {
        List<YamlNode> out = new ArrayList<>();
        try (JsonParser p = new YAMLFactory().createParser(in)) {
            while (p.nextToken() != null) {
                out.add(read(p));
            }
        }
        return out;
    }

    /** The value at the parser's current token (YAML or JSON), with what it holds. */
    static YamlNode read(JsonParser p) throws IOException {
        int line = p.currentTokenLocation().getLineNr();
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT) {
            Map<String, YamlNode> map = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                int keyLine = p.currentTokenLocation().getLineNr();
                p.nextToken();
                if (map.put(key, read(p)) != null) {
                    // the parsers keep the last silently; in a test or a request, one of the two is a mistake
                    throw new TestFileException(keyLine, "duplicate key " + key);
                }
            }
            return new YamlNode(map, line);
        }
        if (t == JsonToken.START_ARRAY) {
            List<YamlNode> list = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                list.add(read(p));
            }
            return new YamlNode(list, line);
        }
        return new YamlNode(t == JsonToken.VALUE_NULL ? null : p.getText(), line);
    }

    @SuppressWarnings("unchecked")
    Map<String, YamlNode> map(String what) {
        if (value instanceof Map<?, ?> m) {
            return (Map<String, YamlNode>) m;
        }
        throw new TestFileException(line, what + " must be a mapping");
    }

    @SuppressWarnings("unchecked")
    List<YamlNode> list(String what) {
        if (value instanceof List<?> l) {
            return (List<YamlNode>) l;
        }
        throw new TestFileException(line, what + " must be a list");
    }

    String text(String what) {
        if (value instanceof String s) {
            return s;
        }
        throw new TestFileException(line, what + " must be a string");
    }
}
