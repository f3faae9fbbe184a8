package dev.tollgate.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@code -f} argument: a file or a folder of YAML files, and optionally the namespace its resources
 * without {@code metadata.namespace} land in ({@code -f NAMESPACE=PATH}).
 */
public record ConfigSource(Path path, Optional<String> namespace) {
    public ConfigSource {
        Objects.requireNonNull(path, "path");
        namespace = namespace == null ? Optional.empty() : namespace;
    }

    /** Parses {@code PATH} or {@code NAMESPACE=PATH}. A path that itself contains '=' can be given as {@code ./a=b}. */
    public static ConfigSource parse(String argument) {
        int eq = argument.indexOf('=');
        int slash = argument.indexOf('/');
        if (eq > 0 && (slash < 0 || eq < slash)) {
            return new ConfigSource(Path.of(argument.substring(eq + 1)), Optional.of(argument.substring(0, eq)));
        }
        return new ConfigSource(Path.of(argument), Optional.empty());
    }
}
