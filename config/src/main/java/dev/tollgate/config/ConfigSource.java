package dev.tollgate.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@code -f} argument: a file or a folder of YAML files, and optionally the namespace its resources
 * without {@code metadata.namespace} land in ({@code -f NAMESPACE=PATH}). Standard input ({@code -f -}) is read
 * once, by the caller, and its bytes travel here: a proxy that reloads cannot read it again.
 *
 * @param content the bytes of standard input (at most the file size limit plus one, so that the loader can refuse
 *                more), or empty for a path on disk
 */
public record ConfigSource(Path path, Optional<String> namespace, Optional<byte[]> content) {
    /** How standard input is named in diagnostics, where a file's path would be. */
    public static final String STDIN = "<stdin>";

    public ConfigSource {
        Objects.requireNonNull(path, "path");
        namespace = namespace == null ? Optional.empty() : namespace;
        content = content == null ? Optional.empty() : content;
    }

    public ConfigSource(Path path, Optional<String> namespace) {
        this(path, namespace, Optional.empty());
    }

    /** Standard input's bytes, as {@code -f -} or {@code -f NAMESPACE=-}. */
    public static ConfigSource stdin(byte[] content, Optional<String> namespace) {
        return new ConfigSource(Path.of(STDIN), namespace, Optional.of(content.clone()));
    }

    /** Whether {@code argument} ({@code PATH} or {@code NAMESPACE=PATH}) names standard input. */
    public static boolean isStdin(String argument) {
        return parse(argument).path().toString().equals("-");
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
