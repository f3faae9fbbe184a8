package dev.tollgate.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * {@code -o} of the commands that print a report: text for people, or one structure as JSON or YAML for machines
 * (istioctl analyze's {@code -o log|json|yaml}). JSON and YAML print the same maps and lists, so a parser written
 * for one reads the other.
 */
enum OutputFormat {
    TEXT, JSON, YAML;

    private static final ObjectMapper YAML_MAPPER = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            // plain scalars where YAML reads them back as the same string; a long message stays on one line
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .disable(YAMLGenerator.Feature.SPLIT_LINES));

    /** {@code text} (also istioctl's name {@code log}), {@code json} or {@code yaml}, in any case. */
    static OutputFormat parse(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "text", "log" -> TEXT;
            case "json" -> JSON;
            case "yaml" -> YAML;
            default -> throw new IllegalArgumentException("-o " + value + ": use text, json or yaml");
        };
    }

    boolean structured() {
        return this != TEXT;
    }

    /** Prints {@code value} (maps, lists, strings, numbers) as JSON or YAML. */
    void print(PrintWriter out, Object value) {
        switch (this) {
            case JSON -> DecisionReport.printJson(out, value);
            case YAML -> {
                try {
                    out.print(YAML_MAPPER.writeValueAsString(value));
                } catch (JsonProcessingException e) {
                    throw new UncheckedIOException(e);
                }
            }
            case TEXT -> throw new IllegalStateException("text is printed by each command");
        }
    }
}
