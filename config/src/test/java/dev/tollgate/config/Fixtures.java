package dev.tollgate.config;

import dev.tollgate.core.model.Diagnostic;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Test helpers: fixture paths and loading inline YAML written to a temporary file. */
final class Fixtures {
    private Fixtures() {
    }

    /** A file or folder under src/test/resources. */
    static Path resource(String relative) {
        try {
            return Path.of(Objects.requireNonNull(Fixtures.class.getClassLoader().getResource(relative),
                    relative).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path write(Path dir, String name, String yaml) {
        try {
            Path file = dir.resolve(name);
            Files.createDirectories(file.getParent());
            Files.writeString(file, yaml);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static LoadResult load(Path dir, String name, String yaml) {
        return ConfigLoader.load(List.of(new ConfigSource(write(dir, name, yaml), Optional.empty())),
                LoadOptions.DEFAULTS);
    }

    static LoadResult load(Path... files) {
        return ConfigLoader.load(java.util.Arrays.stream(files).map(f -> new ConfigSource(f, Optional.empty())).toList(),
                LoadOptions.DEFAULTS);
    }

    static LoadResult load(LoadOptions options, ConfigSource... sources) {
        return ConfigLoader.load(List.of(sources), options);
    }

    static LoadOptions withSet(Map<String, String> set) {
        return new LoadOptions("default", set);
    }

    static String dump(List<Diagnostic> diagnostics) {
        return String.join("\n", diagnostics.stream().map(Diagnostic::format).toList());
    }
}
